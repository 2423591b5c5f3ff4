/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally
 * on `POST /dev/jobs/booking-expiry[?now=ISO]` and every minute): expires requests and holds past
 * their deadline, frees their time and voids their authorisation. Reads also check (read-time expiry).
 */
import { bookingService } from './booking.module.ts';

export async function handler(event: { time?: string } = {}): Promise<{ expired: number }> {
  return (await bookingService()).sweep(event.time ? new Date(event.time) : new Date());
}
