/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally on
 * `GET /dev/jobs/data-retention[?now=ISO]`): expires every data class of retention-policy.ts past
 * its period, counted back from the event's time.
 */
import { systemClock, type Clock } from '../core/clock.ts';
import { retentionService } from './privacy.module.ts';
import type { RetentionReport } from './retention.service.ts';

export async function handler(event: { time?: string } = {}): Promise<RetentionReport> {
  const at = event.time ? new Date(event.time) : undefined;
  const clock: Clock = at
    ? { now: () => at, nowMs: () => at.getTime(), nowSeconds: () => Math.floor(at.getTime() / 1000) }
    : systemClock;
  return (await retentionService(clock)).run();
}
