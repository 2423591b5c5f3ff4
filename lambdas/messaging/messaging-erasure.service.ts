/**
 * Messaging's consumer of auth's `user.deleted` (NTB-SEC-003), over its DynamoDB tables: in every
 * thread of the account, its message bodies are replaced by a tombstone under a pseudonym, its
 * membership row, reports and the other members' references name the pseudonym, its send tokens,
 * pair items and presence go, its unsent attachments (items and msg-previews objects) and unposted
 * deliverable uploads are deleted,
 * and the thread is locked. The other members keep their threads,
 * their own messages, unread counts and inbox (ThreadErasureRepository.eraseMember). Once per event
 * through the consumer inbox; a failed run is retried whole on redelivery (each step is idempotent).
 */
import type { DomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { ObjectStore } from '../core/ports.ts';
import type { EventInbox } from './messaging.service.ts';
import type { PresenceStore } from './presence.repository.ts';
import type { ThreadErasureStore } from './thread.repository.ts';

export const MESSAGING_ERASURE_CONSUMER = 'messaging-user-deleted';

/** What the other members see in place of an erased member's message. */
export const ERASED_MESSAGE = '[message removed: the author deleted their account]';

export class MessagingErasureService {
  constructor(
    private readonly threads: ThreadErasureStore,
    private readonly presence: Pick<PresenceStore, 'forget'>,
    private readonly consumed: EventInbox,
    private readonly logger: Logger,
    /** The msg-previews bucket, where unsent attachments' uploads and previews are. */
    private readonly previews: { readonly objects: Pick<ObjectStore, 'delete'>; readonly bucket: string },
    /** Deliverable files uploaded and never posted (PostgreSQL rows; objects under deliverables/). */
    private readonly deliverableUploads: { eraseOf(userId: string): Promise<readonly string[]> },
  ) {}

  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    const { userId } = event.payload;
    await this.consumed.once(MESSAGING_ERASURE_CONSUMER, event, async () => {
      const pseudonym = newId('user');
      const threadIds = await this.threads.threadIdsOf(userId);
      const totals = {
        threads: threadIds.length,
        messages: 0,
        requests: 0,
        reports: 0,
        counterparts: 0,
        unsentAttachments: 0,
        unpostedDeliverables: 0,
      };
      const dropObjects = async (keys: readonly string[]) => {
        for (const key of keys) await this.previews.objects.delete(this.previews.bucket, key);
      };
      for (const threadId of threadIds) {
        const counts = await this.threads.eraseMember(threadId, userId, pseudonym, ERASED_MESSAGE, dropObjects);
        totals.messages += counts.messages;
        totals.requests += counts.requests;
        totals.reports += counts.reports;
        totals.counterparts += counts.counterparts;
        totals.unsentAttachments += counts.unsentAttachments;
        await this.presence.forget(threadId, userId);
      }
      // Posted manifests stay (the other party's contract record, infra/definitions/erasure-coverage.ts);
      // the account's unposted uploads are its own and go, rows first so a retry finds nothing half-done.
      const unposted = await this.deliverableUploads.eraseOf(userId);
      await dropObjects(unposted);
      totals.unpostedDeliverables = unposted.length;
      this.logger.info('account erased in messaging', { userId, ...totals });
    });
  }
}
