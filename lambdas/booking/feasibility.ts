/**
 * The feasibility engine (pure): which start times a provider, a studio, or both together can be
 * booked at, from their availability documents and what already blocks them.
 *
 * Semantics (the property tests in feasibility.test.ts check the engine against them):
 *  - An instant is *open* for a resource when its local wall-clock time, in the resource's zone, lies
 *    in one of the intervals of its local date (the dated exception for that date if there is one,
 *    else the weekly rules of that weekday). So in a spring-forward gap nothing is open (the local
 *    times do not exist), and in a fall-back hour a rule "01:30–04:00" is open only while the wall
 *    clock reads ≥ 01:30, in both passes.
 *  - Slot starts are the instants whose local wall time sits on the resource's grid (a multiple of
 *    the granularity from local midnight). A repeated fall-back time is two instants, each a distinct
 *    slot; a wall time inside a gap is no instant, so no slot. Durations are real time.
 *  - A slot [s, e) is feasible for a resource when every instant of it is open, s ≥ now + notice,
 *    e ≤ now + horizon, the duration ≥ the resource's minimum, and [s − bufferBefore, e + bufferAfter)
 *    overlaps none of its blocked ranges (active legs, which already include their own buffers;
 *    imported busy blocks) nor its blackouts. This is the same range the database's exclusion
 *    constraint compares (booking_legs.blocked), so the engine and the constraint agree.
 *  - Provider + studio: starts come from the first resource's grid; the slot must be feasible for
 *    every resource, each with its own buffers, notice, horizon and blackouts.
 *
 * Offsets come from the runtime's tz database (core/time-zones.ts, ICU); no offset is hand-rolled.
 */
import { offsetMinutes } from '../core/time-zones.ts';
import { minutesOf, type Availability } from './availability.ts';

export interface Interval {
  /** epoch ms, inclusive */
  readonly start: number;
  /** epoch ms, exclusive */
  readonly end: number;
}

export interface ResourceCalendar {
  readonly availability: Availability;
  /** What already blocks the resource: active legs (with their buffers) and imported busy blocks. */
  readonly blocked: readonly Interval[];
}

export interface SlotQuery {
  readonly now: number;
  readonly durationMinutes: number;
  /** The window searched: [from, from + days). Defaults: now, 14 days. */
  readonly from?: number;
  readonly days?: number;
}

export type SlotCheck = { readonly ok: true } | { readonly ok: false; readonly reason: SlotRefusal };
export type SlotRefusal = 'duration' | 'notice' | 'horizon' | 'closed' | 'grid' | 'blocked';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** One resource prepared for fast checks: open windows and blocked ranges, sorted and merged. */
interface Prepared {
  readonly availability: Availability;
  /** IANA zone name (validated by the availability schema). */
  readonly zone: string;
  readonly open: Interval[];
  readonly blocked: Interval[];
}

export function feasibleSlots(resources: readonly ResourceCalendar[], query: SlotQuery): Interval[] {
  if (resources.length === 0) return [];
  const from = query.from ?? query.now;
  const to = from + (query.days ?? 14) * DAY;
  const duration = query.durationMinutes * MINUTE;
  const prepared = resources.map((resource) => prepare(resource, from - DAY, to + DAY));
  const primary = prepared[0]!;
  const starts = new Set<number>();
  for (const start of gridStarts(primary, from, to)) {
    if (start + duration > to) continue;
    if (prepared.every((resource) => check(resource, query.now, start, start + duration) === null)) starts.add(start);
  }
  return [...starts].sort((a, b) => a - b).map((start) => ({ start, end: start + duration }));
}

/**
 * The first slot `feasibleSlots` would return, without computing the rest: search's availability
 * filter asks only whether a listing has any free slot in a window, for a page of listings at once.
 */
export function firstFeasibleSlot(resources: readonly ResourceCalendar[], query: SlotQuery): Interval | null {
  if (resources.length === 0) return null;
  const from = query.from ?? query.now;
  const to = from + (query.days ?? 14) * DAY;
  const duration = query.durationMinutes * MINUTE;
  const prepared = resources.map((resource) => prepare(resource, from - DAY, to + DAY));
  const starts = gridStarts(prepared[0]!, from, to).sort((a, b) => a - b);
  for (const start of starts) {
    if (start + duration > to) continue;
    if (prepared.every((resource) => check(resource, query.now, start, start + duration) === null))
      return { start, end: start + duration };
  }
  return null;
}

/** Whether one requested range is bookable now (the same rules as `feasibleSlots`). */
export function checkSlot(resources: readonly ResourceCalendar[], now: number, slot: Interval): SlotCheck {
  if (resources.length === 0) return { ok: false, reason: 'closed' };
  const prepared = resources.map((resource) => prepare(resource, slot.start - DAY, slot.end + DAY));
  const primary = prepared[0]!;
  if (!onGrid(primary, slot.start)) return { ok: false, reason: 'grid' };
  for (const resource of prepared) {
    const refusal = check(resource, now, slot.start, slot.end);
    if (refusal) return { ok: false, reason: refusal };
  }
  return { ok: true };
}

/** The range a leg blocks in the database: the slot widened by the resource's buffers. */
export function blockedRange(availability: Availability, slot: Interval): Interval {
  return {
    start: slot.start - availability.bufferBeforeMinutes * MINUTE,
    end: slot.end + availability.bufferAfterMinutes * MINUTE,
  };
}

function check(resource: Prepared, now: number, start: number, end: number): SlotRefusal | null {
  const a = resource.availability;
  if (end - start < a.minDurationMinutes * MINUTE) return 'duration';
  if (start < now + a.minNoticeMinutes * MINUTE) return 'notice';
  if (end > now + a.maxHorizonDays * DAY) return 'horizon';
  if (!covered(resource.open, start, end)) return 'closed';
  const widened = blockedRange(a, { start, end });
  if (overlapsAny(resource.blocked, widened.start, widened.end)) return 'blocked';
  return null;
}

function prepare(resource: ResourceCalendar, from: number, to: number): Prepared {
  const a = resource.availability;
  const zone = a.timezone;
  const blocked = merge([
    ...resource.blocked,
    ...a.blackouts.map((range) => ({ start: Date.parse(range.start), end: Date.parse(range.end) })),
  ]);
  return { availability: a, zone, open: merge(openWindows(a, zone, from, to)), blocked };
}

// ---- local days -----------------------------------------------------------------------------------

interface LocalDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** ISO weekday 1..7 */
  readonly weekday: number;
  readonly iso: string;
  /** Date.UTC of the local midnight's wall-clock fields (not an instant in the zone). */
  readonly wallMidnight: number;
  /** Offset regimes covering this local day: [{offset (minutes), from, to}] in instants. */
  readonly regimes: readonly { offset: number; from: number; to: number }[];
}

function localDays(zone: string, from: number, to: number): LocalDay[] {
  const days: LocalDay[] = [];
  // Walk wall-clock dates from the local date of `from` to that of `to` (a day early and late: the
  // regimes of each day say which of its instants exist).
  let wall = Math.floor(from / DAY) * DAY - DAY;
  const last = to + DAY;
  for (; wall <= last; wall += DAY) {
    const date = new Date(wall);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    days.push({
      year,
      month,
      day,
      weekday: ((date.getUTCDay() + 6) % 7) + 1,
      iso: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      wallMidnight: wall,
      regimes: regimesAround(zone, wall),
    });
  }
  return days;
}

/**
 * The zone's offsets over the instants of one local day: one regime, or two split at the
 * transition (found by bisection to the minute). Offsets never exceed ±14 h, so every instant of
 * the day lies within [wallMidnight − 14 h, wallMidnight + 38 h].
 */
type Regime = { offset: number; from: number; to: number };
/** Per zone and local day: the tz database does not change while a container lives (bounded). */
const regimeCache = new Map<string, Regime[]>();

function regimesAround(zone: string, wallMidnight: number): Regime[] {
  const key = `${zone}|${wallMidnight}`;
  let regimes = regimeCache.get(key);
  if (!regimes) {
    if (regimeCache.size > 20_000) regimeCache.clear();
    regimes = computeRegimes(zone, wallMidnight);
    regimeCache.set(key, regimes);
  }
  return regimes;
}

function computeRegimes(zone: string, wallMidnight: number): Regime[] {
  let lo = wallMidnight - 14 * 60 * MINUTE;
  let hi = wallMidnight + 38 * 60 * MINUTE;
  const before = offsetMinutes(zone, lo);
  const after = offsetMinutes(zone, hi);
  if (before === after) return [{ offset: before, from: -Infinity, to: Infinity }];
  while (hi - lo > MINUTE) {
    const mid = Math.floor((lo + hi) / 2 / MINUTE) * MINUTE;
    if (mid <= lo || mid >= hi) break;
    if (offsetMinutes(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return [
    { offset: before, from: -Infinity, to: hi },
    { offset: after, from: hi, to: Infinity },
  ];
}

function intervalsOf(a: Availability, day: LocalDay): { start: number; end: number }[] {
  const exception = a.exceptions.find((candidate) => candidate.date === day.iso);
  const source = exception ? exception.intervals : a.weekly.filter((rule) => rule.weekday === day.weekday);
  return source.map((interval) => ({ start: minutesOf(interval.start), end: minutesOf(interval.end) }));
}

/** The instants whose local time is in [startMin, endMin) of this day: one piece per offset regime. */
function piecesOf(day: LocalDay, startMin: number, endMin: number): Interval[] {
  const pieces: Interval[] = [];
  for (const regime of day.regimes) {
    const start = Math.max(day.wallMidnight + (startMin - regime.offset) * MINUTE, regime.from);
    const end = Math.min(day.wallMidnight + (endMin - regime.offset) * MINUTE, regime.to);
    if (start < end) pieces.push({ start, end });
  }
  return pieces;
}

function openWindows(a: Availability, zone: string, from: number, to: number): Interval[] {
  const windows: Interval[] = [];
  for (const day of localDays(zone, from, to)) {
    for (const interval of intervalsOf(a, day)) windows.push(...piecesOf(day, interval.start, interval.end));
  }
  return windows;
}

/** Grid instants (local wall time a multiple of the granularity) inside the open windows. */
function gridStarts(resource: Prepared, from: number, to: number): number[] {
  const a = resource.availability;
  const starts: number[] = [];
  for (const day of localDays(resource.zone, from, to)) {
    for (const interval of intervalsOf(a, day)) {
      const first = Math.ceil(interval.start / a.granularityMinutes) * a.granularityMinutes;
      for (let minute = first; minute < interval.end; minute += a.granularityMinutes) {
        for (const regime of day.regimes) {
          const instant = day.wallMidnight + (minute - regime.offset) * MINUTE;
          if (instant >= regime.from && instant < regime.to && instant >= from && instant < to) starts.push(instant);
        }
      }
    }
  }
  return starts;
}

function onGrid(resource: Prepared, instant: number): boolean {
  const local = instant + offsetMinutes(resource.zone, instant) * MINUTE;
  const minuteOfDay = Math.round((((local % DAY) + DAY) % DAY) / MINUTE);
  return instant % MINUTE === 0 && minuteOfDay % resource.availability.granularityMinutes === 0;
}

// ---- interval sets --------------------------------------------------------------------------------

export function merge(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.start < i.end).sort((x, y) => x.start - y.start);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last && interval.start <= last.end)
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, interval.end) };
    else merged.push({ start: interval.start, end: interval.end });
  }
  return merged;
}

/** Index of the last interval starting at or before `t` (sorted, merged), or −1. */
function lastStartingBy(sorted: readonly Interval[], t: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.start <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function covered(sorted: readonly Interval[], start: number, end: number): boolean {
  const index = lastStartingBy(sorted, start);
  return index >= 0 && sorted[index]!.end >= end;
}

function overlapsAny(sorted: readonly Interval[], start: number, end: number): boolean {
  const index = lastStartingBy(sorted, end - 1);
  return index >= 0 && sorted[index]!.end > start;
}
