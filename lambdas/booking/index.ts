/** The booking domain's public module: what other domains (payments) may import from it. */
export type { BookingPaymentsPort } from './payments.port.ts';
export { NoMoneyPayments } from './payments.port.ts';
export { quoteCancellation, describePolicy, type CancellationPolicy, type CancellationQuote } from './cancellation.ts';
export { CheckoutGroupDirectory, type CheckoutGroup } from './checkout-groups.ts';
export { partnerOrders, type PartnerOrders, type PartnerOrderRow } from './partner-orders.query.ts';
export { bookingCards, type BookingCards, type BookingCardsView } from './thread-cards.query.ts';
export type { CardAction } from './booking-state.ts';
export { bookingExportSection } from './booking-export.query.ts';
export { listingAvailability, type ListingAvailability, type AvailabilityWindow } from './search-availability.query.ts';
export {
  disputeEvidenceBookings,
  type DisputeEvidenceBooking,
  type DisputeEvidenceBookings,
} from './dispute-evidence.query.ts';
