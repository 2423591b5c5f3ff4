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
    // scrub_listing_slug (db/migrations/2500_erasure_completeness.sql): the role's only outbox access.
    const result = await tx.query<{ n: number }>('SELECT scrub_listing_slug($1, $2, $3) AS n', [
      listing.aggregateType,
      listing.id,
      listing.slug,
    ]);
    scrubbed += result.rows[0]?.n ?? 0;
  }
  return scrubbed;
}
