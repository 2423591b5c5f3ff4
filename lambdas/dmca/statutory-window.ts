/**
 * The DMCA counter-notice window (17 U.S.C. §512(g)(2)(C)): removed material is put back "not less
 * than 10, nor more than 14, business days following receipt of the counter notice", unless the
 * complainant first tells the designated agent it has filed suit. Business days are counted where
 * the designated agent sits (America/New_York by default): Monday to Friday, without the federal
 * holidays of 5 U.S.C. §6103 (a Saturday holiday is observed on the Friday before, a Sunday one on
 * the Monday after). Day 1 is the first business day after the day of receipt, so a counter notice
 * received on a Friday evening starts counting on Monday.
 *
 * Pure functions of an instant: the caller passes the clock's time, tests move it by hand.
 */

export interface StatutoryWindow {
  /** The earliest instant material may be restored: the start of the day after business day 10. */
  readonly restoreFrom: Date;
  /** The instant by which it must be restored: the end of business day 14 (the SLA's deadline). */
  readonly restoreBy: Date;
}

export const DESIGNATED_AGENT_ZONE = 'America/New_York';

/** A calendar date as year, month (1-12), day. */
interface CivilDate {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

const dayMs = 86_400_000;
const toDayNumber = ({ y, m, d }: CivilDate) => Date.UTC(y, m - 1, d) / dayMs;
const fromDayNumber = (n: number): CivilDate => {
  const date = new Date(n * dayMs);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
};
const weekday = (n: number) => new Date(n * dayMs).getUTCDay();

/** The n-th (1-based) given weekday of a month, or the last one when n is -1. */
function nthWeekday(y: number, m: number, day: number, n: number): number {
  if (n === -1) {
    let last = toDayNumber(m === 12 ? { y: y + 1, m: 1, d: 1 } : { y, m: m + 1, d: 1 }) - 1;
    while (weekday(last) !== day) last -= 1;
    return last;
  }
  let first = toDayNumber({ y, m, d: 1 });
  while (weekday(first) !== day) first += 1;
  return first + 7 * (n - 1);
}

/** A fixed-date holiday moved to the weekday it is observed on. */
function observed(n: number): number {
  const day = weekday(n);
  return day === 6 ? n - 1 : day === 0 ? n + 1 : n;
}

/** Federal holidays observed in year `y` (5 U.S.C. §6103), as day numbers. */
export function federalHolidays(y: number): ReadonlySet<number> {
  const fixed = (m: number, d: number) => observed(toDayNumber({ y, m, d }));
  return new Set([
    fixed(1, 1),
    nthWeekday(y, 1, 1, 3), // Birthday of Martin Luther King, Jr.
    nthWeekday(y, 2, 1, 3), // Washington's Birthday
    nthWeekday(y, 5, 1, -1), // Memorial Day
    fixed(6, 19),
    fixed(7, 4),
    nthWeekday(y, 9, 1, 1), // Labor Day
    nthWeekday(y, 10, 1, 2), // Columbus Day
    fixed(11, 11),
    nthWeekday(y, 11, 4, 4), // Thanksgiving Day
    fixed(12, 25),
    // New Year's Day of the next year observed on this year's December 31st (a Saturday Jan 1).
    ...(weekday(toDayNumber({ y: y + 1, m: 1, d: 1 })) === 6 ? [toDayNumber({ y, m: 12, d: 31 })] : []),
  ]);
}

export function isBusinessDay(n: number): boolean {
  const day = weekday(n);
  return day !== 0 && day !== 6 && !federalHolidays(fromDayNumber(n).y).has(n);
}

/** The calendar date of `at` in `zone`. */
function civilDateIn(at: Date, zone: string): CivilDate {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { y: part('year'), m: part('month'), d: part('day') };
}

/** Minutes `zone` is ahead of UTC at `at` (negative west of Greenwich). */
function offsetMinutes(at: Date, zone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')!.value;
  const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0));
}

/** The instant local midnight starts day number `n` in `zone` (DST-aware). */
function startOfDay(n: number, zone: string): Date {
  const utcMidnight = n * dayMs;
  const guess = utcMidnight - offsetMinutes(new Date(utcMidnight), zone) * 60_000;
  return new Date(utcMidnight - offsetMinutes(new Date(guess), zone) * 60_000);
}

/** The day number `count` business days after the day of `from` (that day itself not counted). */
export function addBusinessDays(fromDay: number, count: number): number {
  let day = fromDay;
  for (let counted = 0; counted < count;) {
    day += 1;
    if (isBusinessDay(day)) counted += 1;
  }
  return day;
}

export function counterNoticeWindow(receivedAt: Date, zone: string = DESIGNATED_AGENT_ZONE): StatutoryWindow {
  const receivedDay = toDayNumber(civilDateIn(receivedAt, zone));
  const tenth = addBusinessDays(receivedDay, 10);
  const fourteenth = addBusinessDays(receivedDay, 14);
  return {
    restoreFrom: startOfDay(tenth + 1, zone),
    restoreBy: new Date(startOfDay(fourteenth + 1, zone).getTime() - 1),
  };
}

/** For tests and reports: a day number as YYYY-MM-DD. */
export const dayNumberOf = (date: CivilDate) => toDayNumber(date);
export const isoDate = (n: number) => new Date(n * dayMs).toISOString().slice(0, 10);
