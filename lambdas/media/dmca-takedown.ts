/**
 * Media's side of a DMCA takedown (NTB-HELP-002), run by the dmca domain inside the transaction of its
 * case (as the rastup_dmca role, db/migrations/3140_dmca_takedown.sql grants exactly these columns).
 *
 * Takedown: a public item (READY, band 0, public copies written) becomes TAKEN_DOWN; every public read
 * asks for READY, so it is gone from pages, search sources and the partner API at the commit.
 * `media.withdrawn` removes its public copies (retried until gone; the private ones stay for a restore)
 * and `media.processed` tells profiles to announce the change to the search indexer.
 * Restore: TAKEN_DOWN becomes READY again and `media.publishable` has the publisher copy it back, as
 * after any moderation approval (which then announces media.published → profile.updated).
 */
import type { Queryable, Transaction } from '../core/db/database.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import * as z from 'zod';
import { MEDIA_OWNER_TYPES, variantSchema } from './media.repository.ts';
import { MEDIA_PUBLISHABLE, MEDIA_WITHDRAWN, withdrawalPayload } from './media-publication.ts';

const takedownRow = z.object({
  id: z.string(),
  owner_user_id: z.string(),
  owner_type: z.enum(MEDIA_OWNER_TYPES),
  owner_id: z.string(),
  status: z.string(),
  nsfw_band: z.number().int().nullable(),
  public_variants: z.array(variantSchema),
});

async function lockRow(tx: Queryable, mediaId: string) {
  const { rows } = await tx.query(
    `SELECT id, owner_user_id, owner_type, owner_id, status, nsfw_band, public_variants FROM media WHERE id = $1 FOR UPDATE`,
    [mediaId],
  );
  return rows[0] === undefined ? undefined : takedownRow.parse(rows[0]);
}

/** The uploader of a public item (what a notice may name); undefined when not found or not public. */
export async function publicMediaOwner(db: Queryable, mediaId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ owner_user_id: string }>(
    `SELECT owner_user_id FROM media WHERE id = $1 AND status = 'READY' AND nsfw_band = 0
        AND owner_type IN ('PROFILE', 'STUDIO') AND jsonb_array_length(public_variants) > 0`,
    [mediaId],
  );
  return rows[0]?.owner_user_id;
}

/** READY → TAKEN_DOWN with its public copies withdrawn. False when the item is not READY (nothing to hide). */
export async function takeDownMedia(tx: Transaction, mediaId: string): Promise<boolean> {
  const row = await lockRow(tx, mediaId);
  if (!row || row.status !== 'READY') return false;
  await tx.query(
    `UPDATE media SET status = 'TAKEN_DOWN', public_variants = '[]'::jsonb, updated_at = now() WHERE id = $1`,
    [mediaId],
  );
  const publicKeys = [...new Set(row.public_variants.map((variant) => variant.key))];
  // Originals and private variants are kept: the material comes back after a valid counter notice.
  await enqueueEvent(tx, buildEvent(MEDIA_WITHDRAWN, withdrawalPayload(row, { originals: [], public: publicKeys })));
  await enqueueEvent(
    tx,
    buildEvent('media.processed', {
      mediaId: row.id,
      ownerType: row.owner_type,
      ownerId: row.owner_id,
      status: 'TAKEN_DOWN',
    }),
  );
  return true;
}

/** TAKEN_DOWN → READY, published again by the publisher. False when it is no longer taken down (deleted). */
export async function restoreTakenDownMedia(tx: Transaction, mediaId: string): Promise<boolean> {
  const row = await lockRow(tx, mediaId);
  if (!row || row.status !== 'TAKEN_DOWN') return false;
  await tx.query(`UPDATE media SET status = 'READY', updated_at = now() WHERE id = $1`, [mediaId]);
  await enqueueEvent(tx, buildEvent(MEDIA_PUBLISHABLE, { mediaId: row.id }));
  return true;
}
