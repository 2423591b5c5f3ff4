/** Booking Lambda: availability, slots, requests and transitions (AppSync fields). */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { createRouteRouter, route } from '../core/route-router.ts';
import { bookingErasure, bookingService } from './booking.module.ts';
import { calendarService } from './calendar.module.ts';
import {
  addCalendarFeedArgs,
  bookingActionArgs,
  calendarFeedIdArgs,
  bookingIdArgs,
  myBookingsArgs,
  requestBookingArgs,
  rescheduleArgs,
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
      'Mutation.rescheduleBookingGroup': field(rescheduleArgs, async ({ input }, ctx) =>
        (await bookingService()).reschedule(ctx.caller, input),
      ),
      'Query.calendarFeeds': field(resourceArgs, async ({ resourceId }, ctx) =>
        (await calendarService()).feeds(ctx.caller, resourceId),
      ),
      'Mutation.addCalendarFeed': field(addCalendarFeedArgs, async ({ input }, ctx) =>
        (await calendarService()).addFeed(ctx.caller, input),
      ),
      'Mutation.removeCalendarFeed': field(calendarFeedIdArgs, async ({ feedId }, ctx) =>
        (await calendarService()).removeFeed(ctx.caller, feedId),
      ),
      'Mutation.rotateCalendarExport': field(resourceArgs, async ({ resourceId }, ctx) =>
        (await calendarService()).rotateExport(ctx.caller, resourceId),
      ),
      'Mutation.revokeCalendarExport': field(resourceArgs, async ({ resourceId }, ctx) =>
        (await calendarService()).revokeExport(ctx.caller, resourceId),
      ),
    },
    logger,
  ),
  rest: createRouteRouter(
    [
      // The secret ICS export a calendar app subscribes to: the token in the path is the credential
      // (calendar apps send no headers), so no cookies, no origin check; unknown or revoked → 404.
      route({
        method: 'GET',
        path: '/calendar/{file}',
        checkOrigin: false,
        handle: async ({ params }) => ({
          status: 200,
          headers: {
            'content-type': 'text/calendar; charset=utf-8',
            'cache-control': 'private, no-store',
            'referrer-policy': 'no-referrer',
          },
          body: await (await calendarService()).exportCalendar(params.file!),
        }),
      }),
    ],
    { logger },
  ),
});
