/**
 * The payments domain's public module: other domains import only this. Booking's composition root
 * calls `bookingPaymentsFromEnv` (the shape of its BookingPaymentsPort) with the Stripe adapter's
 * factory. Nothing exported here imports the Stripe SDK or payments' own composition root
 * (payments.module.ts), so Lambdas that only read payments (partner, staff) do not bundle Stripe.
 */
export { bookingPaymentsFromEnv, type PaymentProviderFactory } from './booking-payments.adapter.ts';
export {
  StripeBookingPayments,
  type AuthorizeInput,
  type AuthorizeResult,
  type ReleaseLeg,
  type ReleaseResult,
} from './booking-payments.service.ts';
export { stripeAdapterEnvSchema, stripeAdapterSecretVariables } from './payments.config.ts';
export type { Quote, QuoteLeg } from './checkout-quote.ts';
export type { LegTransferInput } from './payouts.service.ts';
export { partnerPayouts, type PartnerPayouts, type PartnerPayoutRow, type PayoutKey } from './partner-payouts.query.ts';
export { PostgresRefundablePayments, type RefundablePayment, type RefundablePayments } from './refundable-payments.ts';
export { paymentsExportSection } from './payments-export.query.ts';
