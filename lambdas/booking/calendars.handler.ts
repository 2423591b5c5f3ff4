/**
 * Booking's calendars Lambda: external calendar feeds (ICS import), the secret ICS export and its
 * token. An entry of its own (infra/definitions/domains.ts `bookingCalendars`): ical-generator,
 * node-ical and their Temporal polyfill stay out of the booking Lambda's bundle, and Stripe out of this one.
 */
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { createRouteRouter, route } from '../core/route-router.ts';
import { calendarService } from './calendar.module.ts';
import { addCalendarFeedArgs, calendarFeedIdArgs, resourceArgs } from './booking.schemas.ts';

const logger = createLogger({ service: 'booking' });

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
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
