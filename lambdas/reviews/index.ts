/**
 * The reviews domain's public module. Other domains learn about reviews through `review.published`
 * (the catalog), not through its tables; nothing else is exported yet.
 */
export { REVIEWS_BOOKING_CONSUMER, REVIEWS_ERASURE_CONSUMER } from './review.service.ts';
export { reviewsExportSection } from './reviews-export.query.ts';
