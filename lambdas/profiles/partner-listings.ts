/**
 * What the partner API may read about listings (the profiles domain owns service_profiles and
 * studios): published, active listings only, public columns only, keyset-paged by id. Exported
 * through lambdas/profiles/index.ts. Contact emails and phones are not selected, and the partner
 * role has no grant on them either (db/migrations/1300_partner_api.sql). A studio's exact address
 * is read only when the caller says its client holds the contractual scope.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

const city = {
  city_code: z.string().nullable(),
  city_name: z.string().nullable(),
  country_code: z.string().nullable(),
};

const profileRow = z.object({
  id: z.string(),
  role: z.string(),
  slug: z.string(),
  display_name: z.string().nullable(),
  headline: z.string().nullable(),
  bio: z.string().nullable(),
  tags: z.array(z.string()),
  ...city,
  price_min_cents: z.number().int().nullable(),
  price_max_cents: z.number().int().nullable(),
  currency: z.string(),
  languages: z.array(z.string()),
  instant_book: z.boolean(),
  published_at: z.date().nullable(),
  updated_at: z.date(),
});
export type PartnerProfileRow = z.infer<typeof profileRow>;

const studioRow = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  ...city,
  amenities: z.array(z.string()),
  hourly_min_cents: z.number().int().nullable(),
  hourly_max_cents: z.number().int().nullable(),
  deposit_cents: z.number().int().nullable(),
  currency: z.string(),
  instant_book: z.boolean(),
  published_at: z.date().nullable(),
  updated_at: z.date(),
  address_line1: z.string().nullable().optional(),
  address_line2: z.string().nullable().optional(),
  postal_code: z.string().nullable().optional(),
});
export type PartnerStudioRow = z.infer<typeof studioRow>;

export interface ListingPage {
  /** Rows with `id > after`, ascending, at most `limit`. */
  readonly after?: string | undefined;
  readonly limit: number;
  readonly city?: string | undefined;
}

const PROFILE_COLUMNS = `p.id, p.role, p.slug, p.display_name, p.headline, p.bio, p.tags, p.city_code, c.name AS city_name,
  c.country_code::text AS country_code, p.price_min_cents, p.price_max_cents, p.currency::text AS currency, p.languages,
  p.instant_book, p.published_at, p.updated_at`;
const STUDIO_COLUMNS = `s.id, s.slug, s.name, s.description, s.city_code, c.name AS city_name, c.country_code::text AS country_code,
  s.amenities, s.hourly_min_cents, s.hourly_max_cents, s.deposit_cents, s.currency::text AS currency, s.instant_book,
  s.published_at, s.updated_at`;
const ADDRESS_COLUMNS = 's.address_line1, s.address_line2, s.postal_code';

export class PartnerListings {
  constructor(private readonly db: Queryable) {}

  async listProfiles(page: ListingPage & { role?: string | undefined }): Promise<PartnerProfileRow[]> {
    const result = await this.db.query(
      `SELECT ${PROFILE_COLUMNS} FROM service_profiles p LEFT JOIN cities c ON c.code = p.city_code
        WHERE p.status = 'PUBLISHED' AND p.owner_status = 'ACTIVE'
          AND ($1::text IS NULL OR p.id > $1) AND ($2::text IS NULL OR p.city_code = $2) AND ($3::text IS NULL OR p.role = $3)
        ORDER BY p.id LIMIT $4`,
      [page.after ?? null, page.city ?? null, page.role ?? null, page.limit],
    );
    return parseRows(profileRow, result.rows);
  }

  async profile(id: string): Promise<PartnerProfileRow | null> {
    const result = await this.db.query(
      `SELECT ${PROFILE_COLUMNS} FROM service_profiles p LEFT JOIN cities c ON c.code = p.city_code
        WHERE p.id = $1 AND p.status = 'PUBLISHED' AND p.owner_status = 'ACTIVE'`,
      [id],
    );
    return parseRows(profileRow, result.rows)[0] ?? null;
  }

  async listStudios(page: ListingPage, options: { exactAddress: boolean }): Promise<PartnerStudioRow[]> {
    const result = await this.db.query(
      `SELECT ${STUDIO_COLUMNS}${options.exactAddress ? `, ${ADDRESS_COLUMNS}` : ''}
         FROM studios s LEFT JOIN cities c ON c.code = s.city_code
        WHERE s.status = 'PUBLISHED' AND s.owner_status = 'ACTIVE'
          AND ($1::text IS NULL OR s.id > $1) AND ($2::text IS NULL OR s.city_code = $2)
        ORDER BY s.id LIMIT $3`,
      [page.after ?? null, page.city ?? null, page.limit],
    );
    return parseRows(studioRow, result.rows);
  }

  async studio(id: string, options: { exactAddress: boolean }): Promise<PartnerStudioRow | null> {
    const result = await this.db.query(
      `SELECT ${STUDIO_COLUMNS}${options.exactAddress ? `, ${ADDRESS_COLUMNS}` : ''}
         FROM studios s LEFT JOIN cities c ON c.code = s.city_code
        WHERE s.id = $1 AND s.status = 'PUBLISHED' AND s.owner_status = 'ACTIVE'`,
      [id],
    );
    return parseRows(studioRow, result.rows)[0] ?? null;
  }
}

export function partnerListings(db: Queryable): PartnerListings {
  return new PartnerListings(db);
}
