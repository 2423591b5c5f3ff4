/**
 * External calendars → busy blocks (pure). A feed is parsed with node-ical and every VEVENT is
 * expanded within [from, to) — the feasibility horizon, never further — honouring RRULE (with its
 * TZID), EXDATE and RECURRENCE-ID overrides. What is not busy: a cancelled event or a cancelled
 * instance (STATUS:CANCELLED on the event or on its override), a transparent one (TRANSP:TRANSPARENT,
 * "free"), anything of zero length. An all-day event blocks its dates from local midnight to local
 * midnight in the listing's own zone (DATE values have no zone of their own), DST-correct
 * (core/time-zones.ts: a midnight in a spring-forward gap is the first instant of that date).
 */
import ical from 'node-ical';
import { instantOf, isValidTimeZone } from '../core/time-zones.ts';
import { merge, type Interval } from './feasibility.ts';

/** More than this many busy instants in one feed's horizon is refused as unreasonable (a runaway RRULE). */
export const MAX_BUSY_BLOCKS = 5_000;

export class IcsParseError extends Error {}

export interface ImportWindow {
  readonly from: number;
  readonly to: number;
  /** The listing's IANA zone: where an all-day date begins and ends. */
  readonly timezone: string;
}

/** The busy ranges a feed declares inside the window, merged and sorted. Throws IcsParseError on garbage. */
export function busyBlocksFromIcs(text: string, window: ImportWindow): Interval[] {
  if (!/^\s*BEGIN:VCALENDAR/i.test(text)) throw new IcsParseError('not an iCalendar document (no BEGIN:VCALENDAR)');
  let parsed: ical.CalendarResponse;
  try {
    parsed = ical.sync.parseICS(text);
  } catch (error) {
    throw new IcsParseError(`unreadable iCalendar: ${(error as Error).message}`.slice(0, 200));
  }
  const blocks: Interval[] = [];
  for (const component of Object.values(parsed)) {
    if (!component || component.type !== 'VEVENT') continue;
    const event = component;
    if (!(event.start instanceof Date) || Number.isNaN(event.start.getTime())) continue;
    let instances: ical.EventInstance[];
    try {
      instances = ical.expandRecurringEvent(event, {
        from: new Date(window.from - 24 * 3_600_000),
        to: new Date(window.to),
        expandOngoing: true,
      });
    } catch (error) {
      throw new IcsParseError(`unreadable event ${String(event.uid).slice(0, 80)}: ${(error as Error).message}`);
    }
    for (const instance of instances) {
      const source = instance.event;
      if (isCancelled(event) || isCancelled(source)) continue;
      if (source.transparency === 'TRANSPARENT') continue;
      const range = instance.isFullDay ? allDayRange(instance, window.timezone) : timedRange(instance);
      if (!range || range.end <= window.from || range.start >= window.to) continue;
      blocks.push({ start: Math.max(range.start, window.from), end: Math.min(range.end, window.to) });
      if (blocks.length > MAX_BUSY_BLOCKS)
        throw new IcsParseError(`more than ${MAX_BUSY_BLOCKS} busy instances within the horizon`);
    }
  }
  return merge(blocks);
}

function isCancelled(event: { status?: string }): boolean {
  return typeof event.status === 'string' && event.status.toUpperCase() === 'CANCELLED';
}

function timedRange(instance: ical.EventInstance): Interval | null {
  const start = instance.start.getTime();
  const end = instance.end.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return null;
  return { start, end };
}

/**
 * node-ical gives a DATE as the process-local midnight of that date; its fields are the calendar
 * date. The listing's zone decides which instants that date covers.
 */
function allDayRange(instance: ical.EventInstance, timezone: string): Interval | null {
  const days = Math.max(1, Math.round((instance.end.getTime() - instance.start.getTime()) / 86_400_000));
  if (!isValidTimeZone(timezone)) return null;
  const date = {
    year: instance.start.getFullYear(),
    month: instance.start.getMonth() + 1,
    day: instance.start.getDate(),
  };
  return { start: instantOf(timezone, date), end: instantOf(timezone, { ...date, day: date.day + days }) };
}
