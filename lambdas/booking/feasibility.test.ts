import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { availabilitySchema, minutesOf, type Availability, type AvailabilityInput } from './availability.ts';
import { checkSlot, feasibleSlots, firstFeasibleSlot, type Interval } from './feasibility.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ZONES = ['America/New_York', 'America/Los_Angeles', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata'];
// Days just before DST changes in those zones (2026), so most runs cross one.
const ANCHORS = [
  '2026-03-07T00:00:00Z', // US spring forward (Mar 8)
  '2026-10-31T00:00:00Z', // US fall back (Nov 1)
  '2026-03-28T00:00:00Z', // EU spring forward (Mar 29)
  '2026-10-24T00:00:00Z', // EU fall back (Oct 25)
  '2026-04-04T00:00:00Z', // Lord Howe fall back (Apr 5, 30 minutes)
  '2026-10-03T00:00:00Z', // Lord Howe spring forward (Oct 4, 30 minutes)
].map(Date.parse);

const availability = (input: AvailabilityInput): Availability => availabilitySchema.parse(input);
const iso = (ms: number) => new Date(ms).toISOString();
/** The oracle's clock: the Temporal polyfill, independent of the engine's core/time-zones.ts. */
const zoned = (ms: number, zone: string) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
const pad = (n: number) => String(n).padStart(2, '0');
const local = (ms: number, zone: string) => {
  const t = zoned(ms, zone);
  return `${t.toPlainDate().toString()}T${pad(t.hour)}:${pad(t.minute)}${t.offset}`;
};

const quarter = fc.integer({ min: 0, max: 95 }).map((q) => q * 15);
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const localInterval = fc
  .tuple(quarter, fc.integer({ min: 1, max: 40 }))
  .map(([start, length]) => ({ start: hhmm(start), end: hhmm(Math.min(1440, start + length * 15)) }));

const scenario = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    anchor: fc.constantFrom(...ANCHORS),
    shiftQuarters: fc.integer({ min: 0, max: 8 * 4 }),
    weekly: fc.array(
      fc.tuple(fc.integer({ min: 1, max: 7 }), localInterval).map(([weekday, i]) => ({ weekday, ...i })),
      { maxLength: 10 },
    ),
    exceptionDays: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(localInterval, { maxLength: 2 })), {
      maxLength: 2,
    }),
    blackouts: fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * 96 }), fc.integer({ min: 1, max: 24 })), {
      maxLength: 3,
    }),
    blocked: fc.array(fc.tuple(fc.integer({ min: -8, max: 4 * 96 }), fc.integer({ min: 1, max: 16 })), {
      maxLength: 10,
    }),
    granularity: fc.constantFrom(15, 30, 60),
    duration: fc.integer({ min: 1, max: 16 }).map((q) => q * 15),
    minDuration: fc.constantFrom(15, 60, 120),
    notice: fc.constantFrom(0, 60, 240, 1440),
    horizonDays: fc.constantFrom(1, 2, 90),
    before: fc.constantFrom(0, 15, 30, 60),
    after: fc.constantFrom(0, 15, 45),
  })
  .map((s) => {
    const from = s.anchor + s.shiftQuarters * 15 * MINUTE;
    const startDate = zoned(from, s.zone).toPlainDate();
    const a = availability({
      timezone: s.zone,
      weekly: s.weekly,
      exceptions: s.exceptionDays.map(([offset, intervals]) => ({
        date: startDate.add({ days: offset }).toString(),
        intervals,
      })),
      blackouts: s.blackouts.map(([q, length]) => ({
        start: iso(s.anchor + q * 15 * MINUTE),
        end: iso(s.anchor + (q + length) * 15 * MINUTE),
      })),
      granularityMinutes: s.granularity,
      minDurationMinutes: s.minDuration,
      minNoticeMinutes: s.notice,
      maxHorizonDays: s.horizonDays,
      bufferBeforeMinutes: s.before,
      bufferAfterMinutes: s.after,
    });
    const blocked: Interval[] = s.blocked.map(([q, length]) => ({
      start: s.anchor + q * 15 * MINUTE,
      end: s.anchor + (q + length) * 15 * MINUTE,
    }));
    return { zone: s.zone, from, duration: s.duration, availability: a, blocked };
  });

type Scenario = ReturnType<(typeof scenario)['generate']>['value'];

/** The oracle asks for the same instants many times; the polyfill is slow enough to matter (4x). */
const wallCache = new Map<string, { date: string; hour: number; minute: number; dayOfWeek: number }>();
function wallAt(instant: number, zone: string) {
  const key = `${zone}|${instant}`;
  let wall = wallCache.get(key);
  if (!wall) {
    const t = zoned(instant, zone);
    wall = { date: t.toPlainDate().toString(), hour: t.hour, minute: t.minute, dayOfWeek: t.dayOfWeek };
    wallCache.set(key, wall);
  }
  return wall;
}

/** Independent oracle: open if the local wall time lies in an interval of its local date (Temporal). */
function openAt(a: Availability, instant: number): boolean {
  const dt = wallAt(instant, a.timezone);
  const date = dt.date;
  const minute = dt.hour * 60 + dt.minute;
  const exception = a.exceptions.find((e) => e.date === date);
  const intervals = exception ? exception.intervals : a.weekly.filter((rule) => rule.weekday === dt.dayOfWeek);
  return intervals.some((i) => minutesOf(i.start) <= minute && minute < minutesOf(i.end));
}

const overlaps = (x: Interval, ys: readonly Interval[]) => ys.some((y) => x.start < y.end && y.start < x.end);

/** Brute force over every quarter hour: all boundaries in these scenarios sit on the 15-minute grid. */
function oracleSlots(s: Scenario, days: number): number[] {
  const a = s.availability;
  const now = s.from;
  const to = s.from + days * DAY;
  const duration = s.duration * MINUTE;
  const blackouts = a.blackouts.map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end) }));
  const starts: number[] = [];
  for (let x = s.from; x < to; x += 15 * MINUTE) {
    const dt = wallAt(x, a.timezone);
    if ((dt.hour * 60 + dt.minute) % a.granularityMinutes !== 0) continue;
    if (s.duration < a.minDurationMinutes) continue;
    if (x < now + a.minNoticeMinutes * MINUTE || x + duration > now + a.maxHorizonDays * DAY || x + duration > to)
      continue;
    let open = true;
    for (let c = x; c < x + duration && open; c += 15 * MINUTE) open = openAt(a, c);
    if (!open) continue;
    const widened = {
      start: x - a.bufferBeforeMinutes * MINUTE,
      end: x + duration + a.bufferAfterMinutes * MINUTE,
    };
    if (overlaps(widened, s.blocked) || overlaps(widened, blackouts)) continue;
    starts.push(x);
  }
  return starts;
}

describe('feasibility engine', () => {
  it('returns exactly the slots the wall-clock oracle allows, across DST changes in five zones', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const days = 3;
        const slots = feasibleSlots([{ availability: s.availability, blocked: s.blocked }], {
          now: s.from,
          durationMinutes: s.duration,
          days,
        });
        for (const slot of slots) {
          // Durations are real time; each slot is one instant (a repeated fall-back hour is not doubled).
          expect(slot.end - slot.start).toBe(s.duration * MINUTE);
        }
        for (let i = 1; i < slots.length; i++) expect(slots[i]!.start).toBeGreaterThan(slots[i - 1]!.start);
        expect(slots.map((slot) => slot.start)).toEqual(oracleSlots(s, days));
        // Search's availability filter asks for the first slot only: the same one, or none.
        expect(
          firstFeasibleSlot([{ availability: s.availability, blocked: s.blocked }], {
            now: s.from,
            durationMinutes: s.duration,
            days,
          }),
        ).toEqual(slots[0] ?? null);
        // The single-slot check agrees with the listing for every listed slot.
        for (const slot of slots.slice(0, 5))
          expect(checkSlot([{ availability: s.availability, blocked: s.blocked }], s.from, slot)).toEqual({ ok: true });
      }),
      { numRuns: 150 },
    );
  });

  it('for provider + studio, returns the intersection with each resource’s own buffers and blocks', () => {
    fc.assert(
      fc.property(scenario, scenario, (p, st) => {
        const studio = { ...st, from: p.from, duration: p.duration };
        const slots = feasibleSlots(
          [
            { availability: p.availability, blocked: p.blocked },
            { availability: studio.availability, blocked: studio.blocked },
          ],
          { now: p.from, durationMinutes: p.duration, days: 2 },
        );
        const providerOnly = new Set(oracleSlots(p, 2));
        for (const slot of slots) {
          expect(providerOnly.has(slot.start)).toBe(true);
          // The studio's own rules at that instant, ignoring the studio's grid.
          const a = studio.availability;
          let open = true;
          for (let c = slot.start; c < slot.end; c += 15 * MINUTE) open &&= openAt(a, c);
          expect(open).toBe(true);
          const widened = {
            start: slot.start - a.bufferBeforeMinutes * MINUTE,
            end: slot.end + a.bufferAfterMinutes * MINUTE,
          };
          expect(overlaps(widened, studio.blocked)).toBe(false);
          expect(slot.start >= p.from + a.minNoticeMinutes * MINUTE).toBe(true);
          expect(slot.end <= p.from + a.maxHorizonDays * DAY).toBe(true);
          expect(p.duration >= a.minDurationMinutes).toBe(true);
        }
      }),
      { numRuns: 80 },
    );
  });

  const allDay = (zone: string, granularity = 60) =>
    availability({
      timezone: zone,
      weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '06:00' })),
      granularityMinutes: granularity,
      minDurationMinutes: 60,
      minNoticeMinutes: 0,
    });

  it('offers no slot in the New York spring-forward gap', () => {
    const from = Date.parse('2026-03-08T05:00:00Z'); // local midnight, EST
    const slots = feasibleSlots([{ availability: allDay('America/New_York'), blocked: [] }], {
      now: from,
      durationMinutes: 60,
      days: 1,
    });
    expect(slots.map((s) => local(s.start, 'America/New_York'))).toEqual([
      '2026-03-08T00:00-05:00',
      '2026-03-08T01:00-05:00',
      '2026-03-08T03:00-04:00',
      '2026-03-08T04:00-04:00',
      '2026-03-08T05:00-04:00',
      // The window is 24 real hours and this local day has 23: the next midnight is inside it.
      '2026-03-09T00:00-04:00',
    ]);
  });

  it('counts the New York fall-back hour once per real hour', () => {
    const from = Date.parse('2026-11-01T04:00:00Z'); // local midnight, EDT
    const slots = feasibleSlots([{ availability: allDay('America/New_York'), blocked: [] }], {
      now: from,
      durationMinutes: 60,
      days: 1,
    });
    expect(slots.map((s) => local(s.start, 'America/New_York'))).toEqual([
      '2026-11-01T00:00-04:00',
      '2026-11-01T01:00-04:00',
      '2026-11-01T01:00-05:00',
      '2026-11-01T02:00-05:00',
      '2026-11-01T03:00-05:00',
      '2026-11-01T04:00-05:00',
      '2026-11-01T05:00-05:00',
    ]);
    // Seven real hours open (00:00 EDT to 06:00 EST): seven one-hour starts, each a distinct instant.
    expect(new Set(slots.map((s) => s.start)).size).toBe(slots.length);
  });

  it('follows Lord Howe’s 30-minute spring forward on the local grid', () => {
    const zone = 'Australia/Lord_Howe';
    const from = Temporal.PlainDateTime.from('2026-10-04T00:00').toZonedDateTime(zone).epochMilliseconds;
    const slots = feasibleSlots([{ availability: allDay(zone), blocked: [] }], {
      now: from,
      durationMinutes: 60,
      days: 1,
    });
    // 02:00 jumps to 02:30: 02:00 does not exist; the hour grid continues at 03:00.
    expect(slots.map((s) => local(s.start, zone))).toEqual([
      '2026-10-04T00:00+10:30',
      '2026-10-04T01:00+10:30',
      '2026-10-04T03:00+11:00',
      '2026-10-04T04:00+11:00',
      '2026-10-04T05:00+11:00',
    ]);
  });

  it('refuses a range that is off the grid, too short, too soon, too far or blocked, with the reason', () => {
    const a = availability({
      timezone: 'Europe/London',
      weekly: [{ weekday: 3, start: '09:00', end: '17:00' }],
      granularityMinutes: 30,
      minDurationMinutes: 60,
      minNoticeMinutes: 60,
      maxHorizonDays: 30,
      bufferAfterMinutes: 30,
    });
    const now = Date.parse('2026-06-01T00:00:00Z');
    const wed = (h: number, m = 0) =>
      Date.parse(`2026-06-03T${String(h - 1).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`); // BST
    const r = (start: number, minutes: number, blocked: Interval[] = []) =>
      checkSlot([{ availability: a, blocked }], now, { start, end: start + minutes * MINUTE });
    expect(r(wed(10), 60)).toEqual({ ok: true });
    expect(r(wed(10, 15), 60)).toEqual({ ok: false, reason: 'grid' });
    expect(r(wed(10), 30)).toEqual({ ok: false, reason: 'duration' });
    expect(r(wed(16, 30), 60)).toEqual({ ok: false, reason: 'closed' });
    expect(checkSlot([{ availability: a, blocked: [] }], wed(9, 30), { start: wed(10), end: wed(11) })).toEqual({
      ok: false,
      reason: 'notice',
    });
    expect(checkSlot([{ availability: a, blocked: [] }], now - 40 * DAY, { start: wed(10), end: wed(11) })).toEqual({
      ok: false,
      reason: 'horizon',
    });
    // The after-buffer (30 min) reaches into a booking that starts at 11:15.
    expect(r(wed(10), 60, [{ start: wed(11, 15), end: wed(12) }])).toEqual({ ok: false, reason: 'blocked' });
    expect(r(wed(10), 60, [{ start: wed(11, 30), end: wed(12) }])).toEqual({ ok: true });
  });
});
