/**
 * The messaging domain's public module. Booking does not call messaging: messaging consumes
 * `booking.confirmed` (messaging.handler.ts `events`) and turns the pair's inquiry thread into the
 * booking's project thread with contact details shown from then on.
 */
export type { MessagingService, MessageView, ThreadView } from './messaging.service.ts';
export { DynamoUnreadMessages, type UnreadMessages, type UnreadSummary } from './unread-summary.ts';
export { MessagingExport } from './messaging-export.ts';
export {
  BookingThreadExcerpts,
  type BookingThreadExcerpt,
  type ThreadExcerptMessage,
} from './booking-thread-excerpt.query.ts';
export { deliverablesExportSection } from './deliverables-export.query.ts';
