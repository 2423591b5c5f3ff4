/**
 * The media consumers that touch the public bucket, all driven by committed outbox events:
 *  - `media.publishable` → copy the private variants to the public bucket, but only if the item is
 *    still publishable when the event is handled (the row is locked while copying, so a concurrent
 *    REJECT or delete either waits for the copy and then withdraws it, or wins and nothing is copied);
 *  - `media.withdrawn` → delete the listed objects (idempotent; a failure is retried by redelivery);
 *  - `user.deleted` → tombstone every item of the account and withdraw all its objects.
 * Public copies therefore exist only after a decision to publish committed, and every path out of
 * a public state (reject, delete, erasure) ends in a withdrawal that is retried until it succeeds.
 */
import { markErased } from '../core/db/erased-users.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import { buildEvent, type DomainEvent } from '../core/events/catalog.ts';
import type { Logger } from '../core/log.ts';
import type { ObjectStore } from '../core/ports.ts';
import {
  MEDIA_PUBLISHED,
  PUBLIC_CACHE_CONTROL,
  contentVersion,
  isPublishable,
  publicVariantKey,
} from './media-publication.ts';
import type { MediaBuckets } from './media.config.ts';
import type { MediaData } from './media.repositories.ts';
import type { StoredVariant } from './media.repository.ts';
import { tombstone } from './media-tombstone.ts';

export const PUBLICATION_CONSUMER = 'media-publication';
export const ERASURE_CONSUMER = 'media-user-deleted';

export class MediaLifecycleService {
  constructor(
    private readonly db: MediaData,
    private readonly store: ObjectStore,
    private readonly buckets: MediaBuckets,
    private readonly logger: Logger,
  ) {}

  /** Copies under the row lock, so the decision cannot change between the check and the copy. */
  async publish(event: DomainEvent<'media.publishable'>): Promise<void> {
    const { mediaId } = event.payload;
    await consumeOnce(this.db, PUBLICATION_CONSUMER, event, async (tx) => {
      const row = await tx.media.findById(mediaId, true);
      if (!row || !isPublishable(row)) return; // rejected, deleted or erased meanwhile: nothing becomes public
      if (row.public_variants.length > 0) return; // already published (a duplicate request)
      const published: StoredVariant[] = [];
      for (const variant of row.variants) {
        const body = await this.store.read(this.buckets.originals, variant.key);
        if (!body) {
          // The private copy is gone (a half-finished earlier run cannot cause this; an operator can): publish nothing.
          this.logger.warn('private variant missing; not publishing', { mediaId, variant: variant.name });
          return;
        }
        const key = publicVariantKey(row.id, variant.name, contentVersion(body));
        await this.store.write(this.buckets.public, key, body, 'image/webp', PUBLIC_CACHE_CONTROL);
        published.push({ ...variant, key });
      }
      await tx.media.setPublicVariants(row.id, published);
      await enqueueEvent(
        tx,
        buildEvent(MEDIA_PUBLISHED, { mediaId: row.id, ownerType: row.owner_type, ownerId: row.owner_id }),
      );
    });
  }

  /** Deletes inside the inbox transaction: if any delete fails, the event is not recorded and comes again. */
  async withdraw(event: DomainEvent<'media.withdrawn'>): Promise<void> {
    const { publicKeys, originalKeys } = event.payload;
    await consumeOnce(this.db, PUBLICATION_CONSUMER, event, async () => {
      await Promise.all([
        ...publicKeys.map((key) => this.store.delete(this.buckets.public, key)),
        ...originalKeys.map((key) => this.store.delete(this.buckets.originals, key)),
      ]);
    });
  }

  /** The account is gone: every item becomes a tombstone and all its objects are withdrawn. */
  async eraseUser(event: DomainEvent<'user.deleted'>): Promise<void> {
    const { userId } = event.payload;
    await consumeOnce(this.db, ERASURE_CONSUMER, event, async (tx) => {
      // Marker and exclusive lock before the tombstones: an upload racing this erasure either
      // committed first (and is tombstoned here) or is refused (erased-users.ts).
      await markErased(tx, userId);
      for (const row of await tx.media.lockLiveOfUser(userId)) await tombstone(tx, row, 'account-deleted');
    });
  }
}
