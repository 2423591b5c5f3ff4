/**
 * The messaging domain's public module. The booking flow calls `bookingConfirmed` when an inquiry's
 * booking is confirmed (contact details are shown from then on, the thread becomes a project
 * thread): the event catalog has no `booking.confirmed` yet, so there is no consumer; when booking
 * adds it, a consumer in messaging.handler.ts calls this same method.
 */
export { messagingService } from './messaging.module.ts';
export type { MessagingService, MessageView, ThreadView } from './messaging.service.ts';
export { DynamoUnreadMessages, type UnreadMessages, type UnreadSummary } from './unread-summary.ts';
