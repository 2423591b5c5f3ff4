/** Notifications Lambda: settings, consent and the in-app inbox over GraphQL; account lifecycle consumer. */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field, noArgs } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { notificationsModule as m } from './notifications.module.ts';
import {
  markNotificationsReadArgs,
  myNotificationsArgs,
  updateNotificationSettingsArgs,
} from './notifications.schemas.ts';

const logger = createLogger({ service: 'notifications' });

export const events = createEventDispatcher({
  'user.registered': async (event) => (await m()).center.onUserRegistered(event),
  'user.deleted': async (event) => (await m()).center.onUserDeleted(event),
  'dmca.taken_down': async (event) => (await m()).dmca.onDmcaEvent(event),
  'dmca.counter_noticed': async (event) => (await m()).dmca.onDmcaEvent(event),
  'dmca.restored': async (event) => (await m()).dmca.onDmcaEvent(event),
});

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Query.myNotificationSettings': field(noArgs, async (_args, ctx) => (await m()).center.settings(ctx.caller)),
      'Query.myNotifications': field(myNotificationsArgs, async ({ first }, ctx) =>
        (await m()).center.inbox(ctx.caller, first ?? 20),
      ),
      'Mutation.updateNotificationSettings': field(updateNotificationSettingsArgs, async ({ input }, ctx) =>
        (await m()).center.updateSettings(ctx.caller, input),
      ),
      'Mutation.markNotificationsRead': field(markNotificationsReadArgs, async ({ ids }, ctx) =>
        (await m()).center.markRead(ctx.caller, ids ?? null),
      ),
    },
    logger,
  ),
  events,
});
