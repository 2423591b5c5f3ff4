/**
 * Every listing an account owns or owned, whatever its state (profiles' `listing_owners_all` view,
 * db/migrations/2500_erasure_completeness.sql): for other domains' parts of account deletion, which
 * may run before or after profiles' own erasure (listing_owners shows ACTIVE owners only).
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

const ownedListingRow = z.object({ listing_type: z.enum(['PROFILE', 'STUDIO']), listing_id: z.string() });
export type OwnedListing = z.infer<typeof ownedListingRow>;

export async function ownedListings(db: Queryable, ownerUserId: string): Promise<OwnedListing[]> {
  const result = await db.query(
    'SELECT listing_type, listing_id FROM listing_owners_all WHERE owner_user_id = $1 ORDER BY listing_id',
    [ownerUserId],
  );
  return parseRows(ownedListingRow, result.rows);
}
