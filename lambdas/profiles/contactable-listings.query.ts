/**
 * What other domains may ask profiles about contacting a listing: who owns a published, non-erased
 * profile or studio. Reads only the `contactable_listings` view (db/migrations/1100_messaging_role.sql),
 * so profiles can change its tables without breaking the reader, whose role is granted the view only.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

export type ListingType = 'PROFILE' | 'STUDIO';

const rowSchema = z.object({
  listing_type: z.enum(['PROFILE', 'STUDIO']),
  listing_id: z.string(),
  owner_user_id: z.string(),
  city_code: z.string().nullable(),
});

export interface ContactableListing {
  readonly listingType: ListingType;
  readonly listingId: string;
  readonly ownerUserId: string;
  readonly cityCode: string | null;
}

export class ContactableListings {
  constructor(private readonly db: Queryable) {}

  /** The listing when it is published and its owner not erased; otherwise undefined. */
  async find(listingType: ListingType, listingId: string): Promise<ContactableListing | undefined> {
    const { rows } = await this.db.query(
      `SELECT listing_type, listing_id, owner_user_id, city_code FROM contactable_listings
        WHERE listing_type = $1 AND listing_id = $2`,
      [listingType, listingId],
    );
    const row = parseRows(rowSchema, rows)[0];
    return row
      ? {
          listingType: row.listing_type,
          listingId: row.listing_id,
          ownerUserId: row.owner_user_id,
          cityCode: row.city_code,
        }
      : undefined;
  }
}
