/** Messaging domain Lambda: inquiry threads, messages, inbox, read cursors, safety, presence. */
import { ForbiddenError } from '../core/errors.ts';
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import type { AppSyncResolverEvent } from '../core/events.ts';
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { messagingErasure, messagingService, threadEventsService } from './messaging.module.ts';
import {
  inboxArgs,
  markReadArgs,
  publishThreadEventArgs,
  searchInboxArgs,
  updateThreadTabArgs,
  reportThreadArgs,
  sendMessageArgs,
  setArchivedArgs,
  setBlockedArgs,
  setMutedArgs,
  setTypingArgs,
  startInquiryArgs,
  subscriptionArgs,
  threadArgs,
  threadMessagesArgs,
} from './messaging.schemas.ts';
import { publishPanelEventArgs, publishReadReceiptArgs, setPresenceArgs } from './thread-events.schemas.ts';

const logger = createLogger({ service: 'messaging' });

/** `@aws_iam` fields: AppSync admits signed AWS principals only; checked here again, never trusted to config. */
function requireIamPrincipal(identity: AppSyncResolverEvent['identity']): void {
  if (!identity || !('userArn' in identity)) throw new ForbiddenError('Only the platform may publish thread events');
}

export const events = createEventDispatcher({
  // Booking events (consumer messaging-bookings): an action message in the pair's thread; confirmed also converts it.
  'booking.requested': (event) => messagingService().onBookingEvent(event),
  'booking.accepted': (event) => messagingService().onBookingEvent(event),
  'booking.held': (event) => messagingService().onBookingEvent(event),
  'booking.confirmed': (event) => messagingService().onBookingEvent(event),
  'booking.declined': (event) => messagingService().onBookingEvent(event),
  'booking.cancelled': (event) => messagingService().onBookingEvent(event),
  'booking.expired': (event) => messagingService().onBookingEvent(event),
  'booking.started': (event) => messagingService().onBookingEvent(event),
  'booking.completed': (event) => messagingService().onBookingEvent(event),
  'booking.disputed': (event) => messagingService().onBookingEvent(event),
  'booking.rescheduled': (event) => messagingService().onBookingEvent(event),
  // Account deletion (consumer messaging-user-deleted): the account's items in the messaging tables.
  'user.deleted': (event) => messagingErasure().onUserDeleted(event),
});

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Query.myInbox': field(inboxArgs, ({ archived, limit, cursor }, ctx) =>
        messagingService().inbox(ctx.caller, archived, limit, cursor),
      ),
      'Query.searchMyInbox': field(searchInboxArgs, ({ query, archived, limit, cursor }, ctx) =>
        messagingService().searchInbox(ctx.caller, query, archived, limit, cursor),
      ),
      'Query.thread': field(threadArgs, ({ threadId }, ctx) => messagingService().thread(ctx.caller, threadId)),
      'Query.threadMessages': field(threadMessagesArgs, ({ threadId, limit, cursor }, ctx) =>
        messagingService().threadMessages(ctx.caller, threadId, limit, cursor),
      ),
      'Query.threadActionCards': field(threadArgs, ({ threadId }, ctx) =>
        messagingService().threadActionCards(ctx.caller, threadId),
      ),
      'Query.threadPanel': field(threadArgs, ({ threadId }, ctx) =>
        messagingService().threadPanel(ctx.caller, threadId),
      ),
      'Mutation.updateThreadTab': field(updateThreadTabArgs, ({ input }, ctx) =>
        threadEventsService().updateThreadTab(ctx.caller, input),
      ),
      'Query.threadPresence': field(threadArgs, ({ threadId }, ctx) =>
        messagingService().threadPresence(ctx.caller, threadId),
      ),
      'Query.threadReadReceipts': field(threadArgs, ({ threadId }, ctx) =>
        threadEventsService().readReceipts(ctx.caller, threadId),
      ),
      'Mutation.setThreadPresence': field(setPresenceArgs, ({ threadId, status }, ctx) =>
        threadEventsService().setPresence(ctx.caller, threadId, status),
      ),
      'Mutation.startInquiry': field(startInquiryArgs, ({ input }, ctx) =>
        messagingService().startInquiry(ctx.caller, input),
      ),
      'Mutation.sendMessage': field(sendMessageArgs, ({ input }, ctx) =>
        messagingService().sendMessage(ctx.caller, input),
      ),
      'Mutation.markThreadRead': field(markReadArgs, ({ threadId, upToMessageId }, ctx) =>
        threadEventsService().markRead(ctx.caller, threadId, upToMessageId),
      ),
      'Mutation.setThreadMuted': field(setMutedArgs, ({ threadId, muted }, ctx) =>
        messagingService().setFlag(ctx.caller, threadId, 'muted', muted),
      ),
      'Mutation.setThreadArchived': field(setArchivedArgs, ({ threadId, archived }, ctx) =>
        messagingService().setFlag(ctx.caller, threadId, 'archived', archived),
      ),
      'Mutation.setThreadBlocked': field(setBlockedArgs, ({ threadId, blocked }, ctx) =>
        messagingService().setFlag(ctx.caller, threadId, 'blocked', blocked),
      ),
      'Mutation.reportThread': field(reportThreadArgs, ({ input }, ctx) =>
        messagingService().report(ctx.caller, input),
      ),
      'Mutation.setTyping': field(setTypingArgs, ({ threadId, typing }, ctx) =>
        messagingService().setTyping(ctx.caller, threadId, typing),
      ),
      'Mutation.publishThreadEvent': field(publishThreadEventArgs, ({ threadId, messageId }, ctx) => {
        requireIamPrincipal(ctx.event.identity);
        return messagingService().publishThreadEvent(threadId, messageId);
      }),
      'Mutation.publishReadReceipt': field(publishReadReceiptArgs, ({ threadId, userId }, ctx) => {
        requireIamPrincipal(ctx.event.identity);
        return threadEventsService().publishReadReceipt(threadId, userId);
      }),
      'Mutation.publishThreadPanelEvent': field(publishPanelEventArgs, ({ threadId, tab, messageId }, ctx) => {
        requireIamPrincipal(ctx.event.identity);
        return threadEventsService().publishPanelEvent(threadId, { tab, messageId });
      }),
      // Subscription resolvers run when a client subscribes: members only (a refusal is an `error` frame).
      'Subscription.onThreadMessage': field(subscriptionArgs, ({ threadId }, ctx) =>
        messagingService().authorizeSubscription(ctx.caller, threadId),
      ),
      'Subscription.onThreadTyping': field(subscriptionArgs, ({ threadId }, ctx) =>
        messagingService().authorizeSubscription(ctx.caller, threadId),
      ),
      'Subscription.onThreadPresence': field(subscriptionArgs, ({ threadId }, ctx) =>
        messagingService().authorizeSubscription(ctx.caller, threadId),
      ),
      'Subscription.onThreadRead': field(subscriptionArgs, ({ threadId }, ctx) =>
        messagingService().authorizeSubscription(ctx.caller, threadId),
      ),
      'Subscription.onThreadPanel': field(subscriptionArgs, ({ threadId }, ctx) =>
        messagingService().authorizeSubscription(ctx.caller, threadId),
      ),
    },
    logger,
  ),
  events,
});
