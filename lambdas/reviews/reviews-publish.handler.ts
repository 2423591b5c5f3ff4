/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally on
 * `POST /dev/jobs/reviews-publish[?now=ISO]`): reviews whose 14-day window closed without the other
 * party's review become public and are announced (review.published). Reads already treat a closed
 * window as visible; this stamps it and tells the consumers.
 */
import { reviewService } from './reviews.module.ts';

export async function handler(event: { time?: string } = {}): Promise<{ published: number }> {
  return (await reviewService()).publishClosed(event.time ? new Date(event.time) : new Date());
}
