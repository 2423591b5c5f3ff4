/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally
 * on `POST /dev/jobs/booking-expiry[?now=ISO]` and every minute): expires requests and holds past
 * their deadline, frees their time and voids their authorisation. Reads also check (read-time expiry).
 * First it finishes money steps (capture, refund, release) recorded over a minute ago whose Stripe
 * call or recording never completed (a crash), with their stored Idempotency-Key.
 */
import { bookingService } from './booking.module.ts';

export async function handler(
  event: { time?: string } = {},
): Promise<{ expired: number; paymentsFinished: number; failed: number }> {
  return (await bookingService()).sweep(event.time ? new Date(event.time) : new Date());
}
