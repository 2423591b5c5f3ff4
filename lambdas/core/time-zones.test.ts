import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { instantOf, isValidTimeZone, localDateAt, offsetMinutes, wallClockAt } from './time-zones.ts';

const HOUR = 3_600_000;

/**
 * Zones whose rules exercise every path: DST gaps and fall-back repeats at 02:00 (New York, London),
 * at midnight (Santiago, Havana, Beirut, Asuncion), a 30-minute DST (Lord Howe), quarter-hour and
 * half-hour offsets (Chatham, St John's, Kolkata, Kathmandu), none (UTC, Tokyo), and Apia's skipped day.
 */
const zones = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Europe/Paris',
  'America/Santiago',
  'America/Havana',
  'Asia/Beirut',
  'America/Asuncion',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/St_Johns',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Pacific/Apia',
];

/** Every transition of a zone in [from, to), from the reference implementation. */
function transitions(zone: string, from: number, to: number): number[] {
  const found: number[] = [];
  let at = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone);
  for (;;) {
    const next = at.getTimeZoneTransition('next');
    if (!next || next.epochMilliseconds >= to) return found;
    found.push(next.epochMilliseconds);
    at = next;
  }
}

const reference = (zone: string, ms: number) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);

/** Instants every 17 h 13 min over 2026, plus each 2025–2027 transition and the minutes and hours around it. */
function sampleInstants(zone: string): number[] {
  const from = Date.UTC(2025, 0, 1);
  const to = Date.UTC(2028, 0, 1);
  const samples: number[] = [];
  for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 17 * HOUR + 13 * 60_000) samples.push(t);
  for (const transition of transitions(zone, from, to))
    for (const delta of [-2 * HOUR, -HOUR, -60_000, -1, 0, 1, 60_000, HOUR, 2 * HOUR]) samples.push(transition + delta);
  return samples;
}

describe('time zones on the runtime tz database (compared with the Temporal polyfill)', () => {
  it('recognises IANA names (any case) and UTC, refuses everything else', () => {
    for (const zone of [...zones, 'europe/paris', 'Etc/GMT+5', 'America/Argentina/Buenos_Aires'])
      expect([zone, isValidTimeZone(zone)]).toEqual([zone, true]);
    for (const zone of ['', 'Mars/Olympus_Mons', 'Europe/Pariss', 'Paris', '../../etc/passwd', 'x'.repeat(64), ' UTC'])
      expect([zone, isValidTimeZone(zone)]).toEqual([zone, false]);
  });

  it('offset and wall clock at an instant equal the reference, around every transition of 2025–2027', () => {
    // Mismatches are collected and compared once: an expect per sample made this test take a minute.
    const mismatches: unknown[] = [];
    let compared = 0;
    for (const zone of zones)
      for (const ms of sampleInstants(zone)) {
        const expected = reference(zone, ms);
        const expectedClock = {
          year: expected.year,
          month: expected.month,
          day: expected.day,
          hour: expected.hour,
          minute: expected.minute,
          second: expected.second,
        };
        const got = { offset: offsetMinutes(zone, ms), clock: wallClockAt(zone, ms), date: localDateAt(zone, ms) };
        const want = {
          offset: expected.offsetNanoseconds / 60e9,
          clock: expectedClock,
          date: expected.toPlainDate().toString(),
        };
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push({ zone, ms, got, want });
        compared += 1;
      }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(zones.length * 500);
  });

  it('a local date-time becomes the instant Temporal gives with disambiguation "compatible", gaps and repeats included', () => {
    const mismatches: unknown[] = [];
    let gaps = 0;
    let repeats = 0;
    for (const zone of zones)
      for (const transition of transitions(zone, Date.UTC(2025, 0, 1), Date.UTC(2028, 0, 1))) {
        // Every local half hour from 14 h before the transition to 14 h after, by wall clock.
        const start = reference(zone, transition - 14 * HOUR).round({ smallestUnit: 'hour', roundingMode: 'floor' });
        for (let minutes = 0; minutes <= 28 * 60; minutes += 30) {
          const local = start.toPlainDateTime().add({ minutes });
          const fields = {
            year: local.year,
            month: local.month,
            day: local.day,
            hour: local.hour,
            minute: local.minute,
          };
          const expected = Temporal.ZonedDateTime.from({ timeZone: zone, ...fields }, { disambiguation: 'compatible' });
          const got = instantOf(zone, fields);
          if (got !== expected.epochMilliseconds)
            mismatches.push({ zone, fields, got, want: expected.epochMilliseconds });
          // In a gap the compatible instant shows another wall time; in a repeat 'later' is another instant.
          if (!expected.toPlainDateTime().equals(local)) gaps += 1;
          else if (
            Temporal.ZonedDateTime.from({ timeZone: zone, ...fields }, { disambiguation: 'later' })
              .epochMilliseconds !== expected.epochMilliseconds
          )
            repeats += 1;
        }
      }
    expect(mismatches).toEqual([]);
    expect(gaps).toBeGreaterThan(40);
    expect(repeats).toBeGreaterThan(40);
  });

  it('names the instants of the cases the domains meet', () => {
    // New York spring-forward: 02:30 does not exist and moves to 03:30 EDT; fall-back 01:30 is the EDT one.
    expect(
      new Date(instantOf('America/New_York', { year: 2026, month: 3, day: 8, hour: 2, minute: 30 })).toISOString(),
    ).toBe('2026-03-08T07:30:00.000Z');
    expect(
      new Date(instantOf('America/New_York', { year: 2026, month: 11, day: 1, hour: 1, minute: 30 })).toISOString(),
    ).toBe('2026-11-01T05:30:00.000Z');
    // Santiago starts DST at midnight: 6 September 2026 begins at 01:00 (-03), an all-day event included.
    expect(new Date(instantOf('America/Santiago', { year: 2026, month: 9, day: 6 })).toISOString()).toBe(
      '2026-09-06T04:00:00.000Z',
    );
    // Apia skipped 30 December 2011 entirely (−10 → +14): its wall times land on the 31st.
    expect(new Date(instantOf('Pacific/Apia', { year: 2011, month: 12, day: 30, hour: 12 })).toISOString()).toBe(
      '2011-12-30T22:00:00.000Z',
    );
    expect(offsetMinutes('Asia/Kathmandu', Date.UTC(2026, 5, 1))).toBe(345);
    // Day overflow rolls into the next month, as Date.UTC does (all-day ranges add days this way).
    expect(instantOf('UTC', { year: 2026, month: 1, day: 32 })).toBe(Date.UTC(2026, 1, 1));
    expect(instantOf('UTC', { year: 50, month: 1, day: 1 })).toBe(new Date('0050-01-01T00:00:00Z').getTime());
    expect(() => wallClockAt('Mars/Olympus_Mons', 0)).toThrow(RangeError);
  });
});
