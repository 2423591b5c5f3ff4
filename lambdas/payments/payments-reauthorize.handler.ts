/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally on
 * `GET /dev/jobs/payments-reauthorize[?now=ISO]`): renews card authorisations that would lapse (Stripe's
 * `capture_before`, 7 days) before their booking is captured, off-session with the saved card, and tells
 * booking about those whose card needs the client. Finishes renewals a crash left open first.
 */
import type { ReauthorizationReport } from './reauthorization.service.ts';
import { paymentsModule } from './payments.module.ts';

export async function handler(event: { time?: string } = {}): Promise<ReauthorizationReport> {
  return (await paymentsModule()).bookingPayments.renewals.run(event.time ? new Date(event.time) : new Date());
}
