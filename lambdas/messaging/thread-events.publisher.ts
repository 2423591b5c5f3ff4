/**
 * The AWS_IAM publishing mutations of messaging, called as the Lambda's own role (AppSync fans out
 * only on mutations; these are `@aws_iam`, so no end user can call them). Each names ids only; the
 * frame is read from the store by the mutation's resolver. Every selection lists all fields of the
 * type, since a subscriber receives only what the mutation selected.
 */
import type { ThreadEventPublisher } from './messaging.service.ts';
import type { ThreadTabView } from './messaging.service.ts';
import type { RealtimePublisher } from './thread-events.service.ts';
import type { Logger } from '../core/log.ts';

/** Runs one GraphQL operation signed as the Lambda (adapters/appsync-iam-client.ts). */
export interface SignedGraphql {
  execute(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export const PUBLISH_THREAD_EVENT = `mutation Publish($threadId: ID!, $messageId: ID!) {
  publishThreadEvent(threadId: $threadId, messageId: $messageId) {
    threadId messageId authorUserId type body redacted policyHints createdAt bookingId bookingStatus
    attachments { attachmentId contentType width height }
  }
}`;

export const PUBLISH_READ_RECEIPT = `mutation PublishRead($threadId: ID!, $userId: ID!) {
  publishReadReceipt(threadId: $threadId, userId: $userId) { threadId userId lastReadMessageId readAt }
}`;

export const PUBLISH_PANEL_EVENT = `mutation PublishPanel($threadId: ID!, $tab: ThreadTab, $messageId: ID) {
  publishThreadPanelEvent(threadId: $threadId, tab: $tab, messageId: $messageId) {
    threadId kind tab version bookingId bookingStatus updatedByUserId updatedAt
  }
}`;

export class AppSyncRealtimePublisher implements ThreadEventPublisher, RealtimePublisher {
  constructor(
    private readonly graphql: SignedGraphql,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** A stored message to onThreadMessage; a failure fails the caller (the booking consumer retries it). */
  async publish(threadId: string, messageId: string): Promise<void> {
    await this.graphql.execute(PUBLISH_THREAD_EVENT, { threadId, messageId });
  }

  /**
   * An ACTION message (a booking's card changed state) to onThreadPanel, so an open panel refreshes its
   * cards without listening to every message. Sent after the consumer committed; a courtesy frame, so a
   * failure is logged (ids only), never thrown: a retry would redeliver the event for nothing.
   */
  async actionPanel(threadId: string, messageId: string): Promise<void> {
    try {
      await this.graphql.execute(PUBLISH_PANEL_EVENT, { threadId, messageId });
    } catch (error) {
      this.logger.warn('realtime publish failed', { what: 'action-panel', threadId, error });
    }
  }

  async readReceipt(threadId: string, userId: string): Promise<void> {
    await this.graphql.execute(PUBLISH_READ_RECEIPT, { threadId, userId });
  }

  async panelTab(threadId: string, tab: ThreadTabView['tab']): Promise<void> {
    await this.graphql.execute(PUBLISH_PANEL_EVENT, { threadId, tab });
  }
}
