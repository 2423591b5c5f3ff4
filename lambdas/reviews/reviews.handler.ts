/** Reviews Lambda: submit, read and report reviews (AppSync fields); booking.completed and user.deleted consumers. */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field, noArgs } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { reviewService } from './reviews.module.ts';
import { legArgs, listingReviewsArgs, reportReviewArgs, submitReviewArgs } from './reviews.schemas.ts';

const logger = createLogger({ service: 'reviews' });

// Two consumers share this entry (infra/definitions/domains.ts): completed bookings and account erasure.
export const events = createEventDispatcher({
  'booking.completed': async (event) => (await reviewService()).onBookingCompleted(event),
  'user.deleted': async (event) => (await reviewService()).onUserDeleted(event),
});

export const handler = createDomainHandler({
  logger,
  events,
  appsync: createFieldRouter(
    {
      'Query.bookingReviews': field(legArgs, async ({ legId }, ctx) =>
        (await reviewService()).bookingReviews(ctx.caller, legId),
      ),
      'Query.myReviewWindows': field(noArgs, async (_args, ctx) => (await reviewService()).myReviewWindows(ctx.caller)),
      'Query.listingReviews': field(listingReviewsArgs, async ({ listingId, first }) =>
        (await reviewService()).listingReviews(listingId, first ?? undefined),
      ),
      'Mutation.submitReview': field(submitReviewArgs, async ({ input }, ctx) =>
        (await reviewService()).submit(ctx.caller, input),
      ),
      'Mutation.reportReview': field(reportReviewArgs, async ({ input }, ctx) =>
        (await reviewService()).report(ctx.caller, input),
      ),
    },
    logger,
  ),
});
