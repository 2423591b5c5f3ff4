/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally on
 * `GET /dev/jobs/payments-reconcile[?now=ISO]`): compares the payment records with Stripe, repairs
 * what lost webhooks and crashes left behind, and answers (and logs) the differences it found.
 */
import type { ReconciliationReport } from './reconciliation.service.ts';
import { paymentsModule } from './payments.module.ts';

export async function handler(event: { time?: string } = {}): Promise<ReconciliationReport> {
  return (await paymentsModule()).reconciler.run(event.time ? new Date(event.time) : new Date());
}
