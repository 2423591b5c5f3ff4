import { describe, expect, it } from 'vitest';
import { busyBlocksFromIcs, IcsParseError } from './ics-import.ts';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const window = { from: at('2026-11-01T00:00:00Z'), to: at('2026-12-01T00:00:00Z'), timezone: 'America/New_York' };
const ics = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//test//EN', ...events, 'END:VCALENDAR'].join('\r\n');
const event = (...lines: string[]) => ['BEGIN:VEVENT', 'DTSTAMP:20261001T000000Z', ...lines, 'END:VEVENT'].join('\r\n');
const iso = (blocks: { start: number; end: number }[]) =>
  blocks.map((b) => [new Date(b.start).toISOString(), new Date(b.end).toISOString()]);

describe('busyBlocksFromIcs', () => {
  it('expands RRULE in its TZID across the DST change, minus EXDATE, with overrides moved and cancelled ones dropped', () => {
    const text = ics(
      event(
        'UID:daily@x',
        'DTSTART;TZID=America/New_York:20261030T090000',
        'DTEND;TZID=America/New_York:20261030T100000',
        'RRULE:FREQ=DAILY;COUNT=8',
        'EXDATE;TZID=America/New_York:20261102T090000',
      ),
      event(
        'UID:daily@x',
        'RECURRENCE-ID;TZID=America/New_York:20261103T090000',
        'DTSTART;TZID=America/New_York:20261103T150000',
        'DTEND;TZID=America/New_York:20261103T160000',
      ),
      event(
        'UID:daily@x',
        'RECURRENCE-ID;TZID=America/New_York:20261104T090000',
        'DTSTART;TZID=America/New_York:20261104T090000',
        'DTEND;TZID=America/New_York:20261104T100000',
        'STATUS:CANCELLED',
      ),
    );
    expect(iso(busyBlocksFromIcs(text, window))).toEqual([
      // 30 and 31 Oct are before the window. 09:00 EDT = 13:00Z until 1 Nov, 09:00 EST = 14:00Z after.
      ['2026-11-01T14:00:00.000Z', '2026-11-01T15:00:00.000Z'],
      ['2026-11-03T20:00:00.000Z', '2026-11-03T21:00:00.000Z'],
      ['2026-11-05T14:00:00.000Z', '2026-11-05T15:00:00.000Z'],
      ['2026-11-06T14:00:00.000Z', '2026-11-06T15:00:00.000Z'],
    ]);
  });

  it('blocks all-day dates in the listing zone, skips cancelled and transparent events, clips to the window', () => {
    const text = ics(
      event('UID:allday@x', 'DTSTART;VALUE=DATE:20261110', 'DTEND;VALUE=DATE:20261112'),
      event('UID:gone@x', 'DTSTART:20261115T100000Z', 'DTEND:20261115T110000Z', 'STATUS:CANCELLED'),
      event('UID:free@x', 'DTSTART:20261116T100000Z', 'DTEND:20261116T110000Z', 'TRANSP:TRANSPARENT'),
      event('UID:edge@x', 'DTSTART:20261130T230000Z', 'DTEND:20261201T020000Z'),
      event('UID:far@x', 'DTSTART:20270301T100000Z', 'DTEND:20270301T110000Z'),
    );
    expect(iso(busyBlocksFromIcs(text, window))).toEqual([
      ['2026-11-10T05:00:00.000Z', '2026-11-12T05:00:00.000Z'],
      ['2026-11-30T23:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ]);
    // The same dates in Lord Howe (UTC+11 in November) begin elsewhere.
    expect(iso(busyBlocksFromIcs(text, { ...window, timezone: 'Australia/Lord_Howe' }))[0]).toEqual([
      '2026-11-09T13:00:00.000Z',
      '2026-11-11T13:00:00.000Z',
    ]);
  });

  it('an all-day date whose midnight falls in a DST gap starts at its first real instant; the day is 23 hours', () => {
    // Santiago moves 00:00 → 01:00 on 6 September 2026: that date begins at 01:00 -03 (04:00Z).
    const santiago = { from: at('2026-09-01T00:00:00Z'), to: at('2026-09-30T00:00:00Z'), timezone: 'America/Santiago' };
    const text = ics(event('UID:gap@x', 'DTSTART;VALUE=DATE:20260906', 'DTEND;VALUE=DATE:20260907'));
    expect(iso(busyBlocksFromIcs(text, santiago))).toEqual([['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']]);
    // Two days across New York's fall back: 49 real hours.
    const twoDays = ics(event('UID:fall@x', 'DTSTART;VALUE=DATE:20261031', 'DTEND;VALUE=DATE:20261102'));
    const [block] = busyBlocksFromIcs(twoDays, { ...window, from: at('2026-10-01T00:00:00Z') });
    expect([new Date(block!.start).toISOString(), (block!.end - block!.start) / H]).toEqual([
      '2026-10-31T04:00:00.000Z',
      49,
    ]);
  });

  it('an all-day event in a listing whose zone the runtime does not know blocks nothing (never a NaN range)', () => {
    const text = ics(event('UID:allday@x', 'DTSTART;VALUE=DATE:20261110', 'DTEND;VALUE=DATE:20261112'));
    expect(busyBlocksFromIcs(text, { ...window, timezone: 'Mars/Olympus_Mons' })).toEqual([]);
  });

  it('expands an unbounded rule only within the horizon, and refuses garbage', () => {
    const weekly = ics(event('UID:w@x', 'DTSTART:20200106T100000Z', 'DTEND:20200106T110000Z', 'RRULE:FREQ=WEEKLY'));
    const blocks = busyBlocksFromIcs(weekly, window);
    expect(blocks).toHaveLength(5); // the Mondays of November 2026: 2, 9, 16, 23, 30
    expect(blocks.every((b) => b.end - b.start === H && b.start >= window.from && b.end <= window.to)).toBe(true);
    expect(() => busyBlocksFromIcs('<html>not a calendar</html>', window)).toThrow(IcsParseError);
    expect(() => busyBlocksFromIcs('', window)).toThrow(IcsParseError);
  });
});
