/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally
 * every 15 minutes and on `GET /dev/jobs/booking-calendar-refresh[?now=ISO]`): fetches every
 * external calendar not fetched for 15 minutes (as if at `time`, when given) and replaces its busy
 * blocks. A bad feed is recorded on the feed; the run itself does not fail for it.
 */
import { calendarService } from './calendar.module.ts';

export async function handler(event: { time?: string } = {}): Promise<{ fetched: number; ok: number; failed: number }> {
  return (await calendarService()).refresh(event.time ? new Date(event.time) : new Date());
}
