/**
 * Booking Lambda: availability, slots, requests and transitions (AppSync fields). Its siblings have
 * entries of their own so this bundle carries only what these fields need (and stays < 1 MB):
 * calendars (ICS import/export) in calendars.handler.ts, the user.deleted consumer in
 * booking-erasure.handler.ts.
 */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { bookingService } from './booking.module.ts';
import {
  bookingActionArgs,
  bookingIdArgs,
  myBookingsArgs,
  requestBookingArgs,
  rescheduleArgs,
  resourceArgs,
  setAvailabilityArgs,
  slotsArgs,
} from './booking.schemas.ts';

const logger = createLogger({ service: 'booking' });

/** Payments' chargebacks and authorisation renewals on the order timeline (infra/definitions/domains.ts `booking-payment-disputes`). */
export const events = createEventDispatcher({
  'payment.dispute.changed': async (event) => (await bookingService()).onPaymentDispute(event),
  'payment.authorization.renewal': async (event) => (await bookingService()).onAuthorizationRenewal(event),
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
      'Mutation.rescheduleBookingGroup': field(rescheduleArgs, async ({ input }, ctx) =>
        (await bookingService()).reschedule(ctx.caller, input),
      ),
    },
    logger,
  ),
});
