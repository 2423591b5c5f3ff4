/**
 * The payments domain's public module: other domains import only this. Booking's composition root
 * builds `paymentsModule()` and hands `bookingPayments` (the shape of its BookingPaymentsPort) to its
 * services; checkout confirmation calls `checkout.confirmQuote`; completion calls `payouts.transferLeg`.
 */
export { bookingPaymentsFromEnv, paymentsModule, type PaymentsModule } from './payments.module.ts';
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
