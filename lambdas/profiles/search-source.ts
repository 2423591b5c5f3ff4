/**
 * Profiles' door for the search indexer (lambdas/search): the public facts of published listings,
 * read with the caller's connection (the search role is granted exactly these columns in
 * db/migrations/1200_search.sql). Only what a public page shows: no contact data, no address, no
 * owner-only fields; the cover is a public (READY, band 0, published) variant key or nothing.
 * A listing that is not published, or whose owner was erased, is simply absent.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

export const searchSourceRow = z.object({
  id: z.string(),
  kind: z.enum(['PROFILE', 'STUDIO']),
  owner_user_id: z.string(),
  slug: z.string(),
  role: z.string(),
  title: z.string(),
  headline: z.string().nullable(),
  tags: z.array(z.string()),
  city_code: z.string().nullable(),
  city_name: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  price_min_cents: z.number().int().nullable(),
  price_max_cents: z.number().int().nullable(),
  currency: z.string(),
  instant_book: z.boolean(),
  completed_steps: z.number().int(),
  version: z.number().int(),
  published_at: z.date(),
  verified: z.boolean(),
  cover_key: z.string().nullable(),
});

/** One published listing as search sees it. */
export type SearchSourceListing = z.infer<typeof searchSourceRow>;

const COVER = (ownerType: string, ownerColumn: string) => `(
  SELECT coalesce(
           (SELECT v->>'key' FROM jsonb_array_elements(m.public_variants) v WHERE v->>'name' = 'medium' LIMIT 1),
           m.public_variants->0->>'key')
    FROM media m
   WHERE m.owner_type = '${ownerType}' AND m.owner_id = ${ownerColumn} AND m.status = 'READY' AND m.nsfw_band = 0
     AND jsonb_array_length(m.public_variants) > 0
   ORDER BY m.is_cover DESC, m.sort_order, m.id LIMIT 1)`;

const VERIFIED = (subjectType: string, subjectColumn: string) => `coalesce((
  SELECT v.status = 'VERIFIED' FROM verifications v
   WHERE v.subject_type = '${subjectType}' AND v.subject_id = ${subjectColumn}
   ORDER BY v.created_at DESC LIMIT 1), false)`;

const PROFILES = `
  SELECT p.id, 'PROFILE' AS kind, p.owner_user_id, p.slug::text AS slug, p.role,
         coalesce(p.display_name, p.slug::text) AS title, p.headline, p.tags, p.city_code, c.name AS city_name,
         coalesce(p.latitude, c.latitude) AS latitude, coalesce(p.longitude, c.longitude) AS longitude,
         p.price_min_cents, p.price_max_cents, p.currency::text AS currency, p.instant_book,
         cardinality(p.completed_steps) AS completed_steps, p.version, coalesce(p.published_at, now()) AS published_at,
         ${VERIFIED('IDENTITY', 'p.owner_user_id')} AS verified,
         ${COVER('PROFILE', 'p.id')} AS cover_key
    FROM service_profiles p LEFT JOIN cities c ON c.code = p.city_code
   WHERE p.status = 'PUBLISHED' AND p.owner_status = 'ACTIVE'`;

const STUDIOS = `
  SELECT s.id, 'STUDIO' AS kind, s.owner_user_id, s.slug::text AS slug, 'STUDIO' AS role,
         coalesce(s.name, s.slug::text) AS title, NULL::text AS headline, s.amenities AS tags, s.city_code,
         c.name AS city_name, coalesce(s.latitude, c.latitude) AS latitude, coalesce(s.longitude, c.longitude) AS longitude,
         s.hourly_min_cents AS price_min_cents, s.hourly_max_cents AS price_max_cents, s.currency::text AS currency,
         s.instant_book, cardinality(s.completed_steps) AS completed_steps, s.version,
         coalesce(s.published_at, now()) AS published_at,
         ${VERIFIED('STUDIO', 's.id')} AS verified,
         ${COVER('STUDIO', 's.id')} AS cover_key
    FROM studios s LEFT JOIN cities c ON c.code = s.city_code
   WHERE s.status = 'PUBLISHED' AND s.owner_status = 'ACTIVE'`;

export type SearchSourceKind = 'PROFILE' | 'STUDIO';

/** The published listings among `ids` (profile or studio ids); absent ids are not public. */
export async function publishedListings(db: Queryable, ids: readonly string[]): Promise<SearchSourceListing[]> {
  const profileIds = ids.filter((id) => id.startsWith('prf_'));
  const studioIds = ids.filter((id) => id.startsWith('std_'));
  const rows: unknown[] = [];
  if (profileIds.length) rows.push(...(await db.query(`${PROFILES} AND p.id = ANY($1)`, [profileIds])).rows);
  if (studioIds.length) rows.push(...(await db.query(`${STUDIOS} AND s.id = ANY($1)`, [studioIds])).rows);
  return parseRows(searchSourceRow, rows);
}

/** One page of published listings of a kind after `afterId` (by id), for a full reindex. */
export async function publishedListingsPage(
  db: Queryable,
  kind: SearchSourceKind,
  afterId: string | null,
  limit: number,
): Promise<SearchSourceListing[]> {
  const [sql, alias] = kind === 'PROFILE' ? [PROFILES, 'p'] : [STUDIOS, 's'];
  const result = await db.query(`${sql} AND ${alias}.id > $1 ORDER BY ${alias}.id LIMIT $2`, [afterId ?? '', limit]);
  return parseRows(searchSourceRow, result.rows);
}

/** How many listings of a kind are published (reindex progress). */
export async function countPublishedListings(db: Queryable, kind: SearchSourceKind): Promise<number> {
  const table = kind === 'PROFILE' ? 'service_profiles' : 'studios';
  const result = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${table} WHERE status = 'PUBLISHED' AND owner_status = 'ACTIVE'`,
  );
  return Number(result.rows[0]?.n ?? 0);
}
