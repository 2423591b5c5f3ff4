/**
 * Consumer Lambda: refunds a payment once the staff back-office approved it (`staff.refund.approved`,
 * lambdas/staff). Its own entry so the staff Lambda never logs in as the payments role: the refund
 * runs here, as `rastup_payments`, through the same StripeBookingPayments.refund as every refund.
 * The proposal id is the refund's idempotency key, so a redelivered or duplicated event refunds once
 * (payments locks the group and finds the first refund by key; Stripe gets the same Idempotency-Key).
 */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { paymentsModule } from './payments.module.ts';

const logger = createLogger({ service: 'payments-staff-refunds' });

export const events = createEventDispatcher({
  'staff.refund.approved': async ({ payload }) => {
    await (
      await paymentsModule()
    ).bookingPayments.refund({
      groupId: payload.paymentGroupId,
      amountCents: payload.amountCents,
      reason: `staff:${payload.proposalId}`,
      idempotencyKey: `staff:${payload.proposalId}`,
    });
    logger.info('staff refund applied', { proposalId: payload.proposalId });
  },
});

export const handler = createDomainHandler({ logger, events });
