/**
 * Marks an item deleted and queues the removal of all its objects, in the caller's transaction
 * (which holds the row lock). Shared by the owner's delete (media.service.ts) and account erasure
 * (media-lifecycle.service.ts); its own module so neither service imports the other.
 */
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent, type EventPayloadInput } from '../core/events/catalog.ts';
import { MEDIA_WITHDRAWN, objectKeysOf, withdrawalPayload } from './media-publication.ts';
import type { MediaTx } from './media.repositories.ts';
import type { MediaRow } from './media.repository.ts';

export async function tombstone(
  tx: MediaTx,
  row: MediaRow,
  reason: EventPayloadInput<'media.deleted'>['reason'],
): Promise<ReturnType<typeof objectKeysOf>> {
  const keys = objectKeysOf(row);
  await tx.media.markDeleted(row.id);
  await enqueueEvent(
    tx,
    buildEvent('media.deleted', { ownerType: row.owner_type, ownerId: row.owner_id, mediaId: row.id, reason }),
  );
  await enqueueEvent(tx, buildEvent(MEDIA_WITHDRAWN, withdrawalPayload(row, keys)));
  return keys;
}
