/** Booking Lambda: availability, slots, requests and transitions (AppSync fields). */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { bookingErasure, bookingService } from './booking.module.ts';
import {
  bookingActionArgs,
  bookingIdArgs,
  myBookingsArgs,
  requestBookingArgs,
  resourceArgs,
  setAvailabilityArgs,
  slotsArgs,
} from './booking.schemas.ts';

const logger = createLogger({ service: 'booking' });

// Account deletion (auth's user.deleted): bookings are kept, pseudonymised.
export const events = createEventDispatcher({
  'user.deleted': async (event) => (await bookingErasure()).onUserDeleted(event),
});

export const handler = createDomainHandler({
  logger,
  events,
  appsync: createFieldRouter(
    {
      'Query.bookingSlots': field(slotsArgs, async ({ input }) => (await bookingService()).slots(input)),
      'Query.bookingTerms': field(resourceArgs, async ({ resourceId }) =>
        (await bookingService()).bookingTerms(resourceId),
      ),
      'Query.myAvailability': field(resourceArgs, async ({ resourceId }, ctx) =>
        (await bookingService()).availability(ctx.caller, resourceId),
      ),
      'Query.booking': field(bookingIdArgs, async ({ id }, ctx) => (await bookingService()).booking(ctx.caller, id)),
      'Query.myBookings': field(myBookingsArgs, async ({ as }, ctx) =>
        (await bookingService()).myBookings(ctx.caller, as),
      ),
      'Mutation.setAvailability': field(setAvailabilityArgs, async ({ input }, ctx) =>
        (await bookingService()).setAvailability(ctx.caller, input),
      ),
      'Mutation.requestBooking': field(requestBookingArgs, async ({ input }, ctx) =>
        (await bookingService()).requestBooking(ctx.caller, input),
      ),
      'Mutation.actOnBooking': field(bookingActionArgs, async ({ input }, ctx) =>
        (await bookingService()).act(ctx.caller, input),
      ),
    },
    logger,
  ),
});
