/**
 * Wall-clock time in IANA time zones, on the runtime's own tz database (ICU, reached through
 * Intl.DateTimeFormat): no offset or DST rule is hand-rolled here, only read from ICU.
 *
 * Why not a date library: the domains need four things (is this a zone, the offset at an instant,
 * the wall clock at an instant, the instant of a local date-time). Luxon answered them from the same
 * Intl source and cost ~70 KiB of every bundle that reached it (booking, search, payments,
 * notifications...); the Temporal polyfill costs ~57 KiB (ESM), plus a second copy beside the
 * CommonJS one node-ical already brings into the calendar bundles. When Lambda's Node ships Temporal,
 * this module can become a thin wrapper over it. time-zones.test.ts compares every function with
 * the Temporal polyfill over zones with DST gaps, fall-back repeats, half-hour offsets and
 * transitions at midnight.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** One formatter per zone name (creating one is the slow part); bounded, names are caller input. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 1_000;

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Whether the runtime knows `zone` (an IANA name such as `Europe/Paris`, case-insensitive, or `UTC`). */
export function isValidTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** A local date and time (month 1–12, hour 0–23), as a wall clock in some zone shows it. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** The wall clock in `zone` at an instant (epoch ms), to the second. Throws RangeError for an unknown zone. */
export function wallClockAt(zone: string, epochMs: number): WallClock {
  const fields: Record<string, number> = {};
  let bc = false;
  for (const part of formatterFor(zone).formatToParts(new Date(epochMs))) {
    if (part.type === 'era') bc = part.value === 'BC' || part.value === 'B';
    else if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: bc ? 1 - fields.year! : fields.year!,
    month: fields.month!,
    day: fields.day!,
    // Some ICU versions print midnight as 24 even with h23.
    hour: fields.hour === 24 ? 0 : fields.hour!,
    minute: fields.minute!,
    second: fields.second!,
  };
}

/** Epoch ms of a wall clock read as if it were UTC (years 0–99 included, which Date.UTC maps to 19xx). */
function asIfUtc(clock: Omit<WallClock, 'second'> & { readonly second?: number }): number {
  const date = new Date(Date.UTC(2000, 0, 1, clock.hour, clock.minute, clock.second ?? 0));
  date.setUTCFullYear(clock.year, clock.month - 1, clock.day);
  return date.getTime();
}

/**
 * The zone's offset from UTC at an instant, in minutes, east positive (Paris in summer: 120). Whole
 * minutes for every zone since the 1970s; historical local mean times give fractions.
 */
export function offsetMinutes(zone: string, epochMs: number): number {
  const wholeSecond = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return (asIfUtc(wallClockAt(zone, wholeSecond)) - wholeSecond) / MINUTE;
}

/** `YYYY-MM-DD` of the wall clock in `zone` at an instant. */
export function localDateAt(zone: string, epochMs: number): string {
  const { year, month, day } = wallClockAt(zone, epochMs);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The instant a local date-time names in `zone`, with Temporal's `disambiguation: 'compatible'`:
 * a time that occurs twice (a fall-back hour) is its earlier instant; a time that does not occur
 * (a spring-forward gap) moves forward by the gap's length (02:30 in a 02:00→03:00 gap is 03:30).
 * Fields out of range roll over as in Date.UTC (day 32 is the next month's first).
 */
export function instantOf(
  zone: string,
  local: {
    readonly year: number;
    readonly month: number;
    readonly day: number;
    readonly hour?: number;
    readonly minute?: number;
  },
): number {
  const wall = asIfUtc({ hour: 0, minute: 0, ...local });
  // Real zones change offset at most once within a day either side, so the offsets a day before and
  // after are every offset this wall time can have (the polyfills' own method).
  const before = offsetMinutes(zone, wall - DAY);
  const after = offsetMinutes(zone, wall + DAY);
  const candidates = [...new Set([wall - before * MINUTE, wall - after * MINUTE])]
    .filter((instant) => asIfUtc(wallClockAt(zone, instant)) === wall)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0]!;
  // In a gap: the offset in force before the transition carries the wall time past it.
  return wall - before * MINUTE;
}
