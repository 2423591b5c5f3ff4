/**
 * What the booking domain may read about listings (profiles owns `service_profiles` and `studios`):
 * who owns a listing, whether it can be booked, Instant Book, its base rate and currency, and its
 * city's time zone. A query class over a `Queryable`, exported through lambdas/profiles/index.ts;
 * the booking role is granted exactly these columns (db/migrations/0900_booking_core.sql).
 */
import * as z from 'zod';
import type { Queryable } from '../core/db/database.ts';
import { parseRows } from '../core/db/database.ts';

export interface BookableListing {
  readonly id: string;
  readonly type: 'PROFILE' | 'STUDIO';
  readonly ownerUserId: string;
  /** Published and its owner not erased. */
  readonly bookable: boolean;
  /** The owner switched Instant Book on (profiles allows that only when eligible). */
  readonly instantBook: boolean;
  /** Per hour, integer cents (profile: minimum price; studio: minimum hourly rate); 0 when unset. */
  readonly hourlyRateCents: number;
  readonly currency: string;
  /** The IANA zone of the listing's city, if it has one. */
  readonly timezone: string | null;
}

const row = z.object({
  id: z.string(),
  type: z.enum(['PROFILE', 'STUDIO']),
  owner_user_id: z.string(),
  status: z.string(),
  owner_status: z.string(),
  instant_book: z.boolean(),
  rate: z.number().int().nullable(),
  currency: z.string(),
  timezone: z.string().nullable(),
});

export class ListingDirectory {
  constructor(private readonly db: Queryable) {}

  /** The listings named (`prf_…` and `std_…` ids); unknown ids are absent from the answer. */
  async bookableListings(ids: readonly string[]): Promise<BookableListing[]> {
    if (ids.length === 0) return [];
    const result = await this.db.query(
      `SELECT p.id, 'PROFILE' AS type, p.owner_user_id, p.status, p.owner_status, p.instant_book,
              p.price_min_cents AS rate, p.currency::text AS currency, c.timezone
         FROM service_profiles p LEFT JOIN cities c ON c.code = p.city_code
        WHERE p.id = ANY($1::text[])
       UNION ALL
       SELECT s.id, 'STUDIO', s.owner_user_id, s.status, s.owner_status, s.instant_book,
              s.hourly_min_cents, s.currency::text, c.timezone
         FROM studios s LEFT JOIN cities c ON c.code = s.city_code
        WHERE s.id = ANY($1::text[])`,
      [ids],
    );
    return parseRows(row, result.rows).map((r) => ({
      id: r.id,
      type: r.type,
      ownerUserId: r.owner_user_id,
      bookable: r.status === 'PUBLISHED' && r.owner_status === 'ACTIVE',
      instantBook: r.instant_book,
      hourlyRateCents: r.rate ?? 0,
      currency: r.currency.trim(),
      timezone: r.timezone,
    }));
  }
}
