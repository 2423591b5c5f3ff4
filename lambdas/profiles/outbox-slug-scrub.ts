/**
 * A deleted account leaves no name behind (NTB-SEC-003, #16): the listing events profiles already
 * wrote to the outbox (profile.* / studio.* carry the slug, built from the display name) get the
 * erased listing's new slug instead, in the erasure's transaction. The payload stays valid against
 * its catalog schema (same field, a valid slug), so an event not yet relayed is still delivered.
 */
import type { Queryable } from '../core/db/database.ts';

export async function scrubListingSlugs(
  tx: Queryable,
  listings: readonly { readonly aggregateType: 'profile' | 'studio'; readonly id: string; readonly slug: string }[],
): Promise<number> {
  let scrubbed = 0;
  for (const listing of listings) {
    const result = await tx.query(
      `UPDATE outbox_events SET payload = jsonb_set(payload, '{slug}', to_jsonb($3::text))
        WHERE aggregate_type = $1 AND aggregate_id = $2 AND payload ? 'slug' AND payload->>'slug' <> $3`,
      [listing.aggregateType, listing.id, listing.slug],
    );
    scrubbed += result.rowCount ?? 0;
  }
  return scrubbed;
}
