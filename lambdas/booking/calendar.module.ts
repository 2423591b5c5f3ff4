/**
 * Composition root of booking's calendars (the booking Lambda's calendar fields and REST export,
 * and the scheduled refresh): the HTTP fetcher with the configured limits, one service per container.
 * Kept apart from booking.module.ts, whose payments wiring is another concern.
 */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { bookingConfig, calendarFetchLimits } from './booking.config.ts';
import { calendarRepositories } from './booking.repositories.ts';
import { CalendarService, DEFAULT_CALENDAR_POLICY } from './calendar.service.ts';
import { HttpCalendarFetcher } from './ics-feed-fetcher.ts';

let service: Promise<CalendarService> | undefined;

export function calendarService(): Promise<CalendarService> {
  service ??= (async () => {
    const config = bookingConfig();
    const limits = calendarFetchLimits(config);
    const db = await databaseFromEnv('booking');
    return new CalendarService(
      createUnitOfWork(db, calendarRepositories),
      new HttpCalendarFetcher(limits),
      systemClock,
      {
        ...DEFAULT_CALENDAR_POLICY,
        allowLoopback: limits.allowLoopback,
        ...(config.PUBLIC_BASE_URL ? { publicBaseUrl: config.PUBLIC_BASE_URL } : {}),
      },
    );
  })();
  service.catch(() => (service = undefined));
  return service;
}
