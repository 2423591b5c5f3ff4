/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally on
 * `GET /dev/jobs/dispute-evidence[?now=ISO]`): assembles the evidence packs of open disputes that have
 * none, submits approved packs, submits unreviewed ones the configured margin before Stripe's deadline,
 * and resumes submissions a crash left between claim and Stripe's answer. Idempotent.
 */
import type { JobReport } from './dispute-evidence.service.ts';
import { paymentsModule } from './payments.module.ts';

export async function handler(event: { time?: string } = {}): Promise<JobReport> {
  return (await paymentsModule()).disputes().runJob(event.time ? new Date(event.time) : new Date());
}
