/** SQL for service profiles. Rows are validated as they leave the database. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { parsePublicMediaJson, publicMediaJsonSql, type MediaRow } from '../media/index.ts';
import { cityInfoJsonSql, parseCityInfoJson, type CityInfo } from '../platform/index.ts';
import { versionedUpdate, type ColumnMap } from './draft-update.ts';
import { erasedSlugSql } from './erased-slug.ts';
import { PROFILE_ROLES } from './profiles.schemas.ts';

const packageRow = z.object({
  name: z.string(),
  durationMinutes: z.number(),
  priceCents: z.number(),
  extras: z.array(z.string()),
});
export const profileRow = z.object({
  id: z.string(),
  owner_user_id: z.string(),
  role: z.enum(PROFILE_ROLES),
  slug: z.string(),
  status: z.enum(['DRAFT', 'PUBLISHED', 'UNPUBLISHED', 'TAKEN_DOWN']),
  owner_status: z.enum(['ACTIVE', 'ERASED']),
  display_name: z.string().nullable(),
  headline: z.string().nullable(),
  bio: z.string().nullable(),
  tags: z.array(z.string()),
  city_code: z.string().nullable(),
  price_min_cents: z.number().int().nullable(),
  price_max_cents: z.number().int().nullable(),
  currency: z.string(),
  languages: z.array(z.string()),
  links: z.array(z.object({ label: z.string(), url: z.string() })),
  packages: z.array(packageRow),
  cancellation_policy: z.string().nullable(),
  reschedule_policy: z.string().nullable(),
  availability: z.record(z.string(), z.array(z.string())).nullable(),
  contact_email: z.string().nullable(),
  contact_phone: z.string().nullable(),
  instant_book: z.boolean(),
  completed_steps: z.array(z.string()),
  version: z.number().int(),
  published_at: z.date().nullable(),
  updated_at: z.date(),
});
export type ProfileRow = z.infer<typeof profileRow>;

/** A public profile page's data, read in one statement. */
export interface PublicProfilePage {
  readonly row: ProfileRow;
  readonly roles: string[];
  readonly city: CityInfo | null;
  readonly verified: boolean;
  readonly media: MediaRow[];
}

const COLUMNS = `id, owner_user_id, role, slug, status, owner_status, display_name, headline, bio, tags, city_code, price_min_cents, price_max_cents, currency,
  languages, links, packages, cancellation_policy, reschedule_policy, availability, contact_email, contact_phone, instant_book, completed_steps,
  version, published_at, updated_at`;

const PATCH_COLUMNS: ColumnMap = {
  displayName: { column: 'display_name' },
  headline: { column: 'headline' },
  bio: { column: 'bio' },
  tags: { column: 'tags' },
  city: { column: 'city_code' },
  priceMinCents: { column: 'price_min_cents' },
  priceMaxCents: { column: 'price_max_cents' },
  languages: { column: 'languages' },
  links: { column: 'links', json: true },
  packages: { column: 'packages', json: true },
  cancellationPolicy: { column: 'cancellation_policy' },
  reschedulePolicy: { column: 'reschedule_policy' },
  availability: { column: 'availability', json: true },
  contactEmail: { column: 'contact_email' },
  contactPhone: { column: 'contact_phone' },
};

export class ProfileRepository {
  constructor(private readonly db: Queryable) {}

  async insert(row: {
    id: string;
    ownerUserId: string;
    role: string;
    slug: string;
    displayName: string | null;
  }): Promise<ProfileRow> {
    const result = await this.db.query(
      `INSERT INTO service_profiles (id, owner_user_id, role, slug, display_name) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [row.id, row.ownerUserId, row.role, row.slug, row.displayName],
    );
    return parseRows(profileRow, result.rows)[0]!;
  }

  async listOwned(userId: string): Promise<ProfileRow[]> {
    return parseRows(
      profileRow,
      (
        await this.db.query(
          `SELECT ${COLUMNS} FROM service_profiles WHERE owner_user_id = $1 AND owner_status = 'ACTIVE' ORDER BY created_at, id`,
          [userId],
        )
      ).rows,
    );
  }

  /**
   * The owner's row or null: someone else's id looks exactly like an unknown one, and so does the
   * row of an erased account (its access tokens live on for minutes after deletion).
   */
  async findOwned(id: string, userId: string, forUpdate = false): Promise<ProfileRow | null> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM service_profiles WHERE id = $1 AND owner_user_id = $2 AND owner_status = 'ACTIVE'${forUpdate ? ' FOR UPDATE' : ''}`,
      [id, userId],
    );
    return parseRows(profileRow, result.rows)[0] ?? null;
  }

  async findPublishedBySlug(slug: string): Promise<ProfileRow | null> {
    // owner_status in SQL: a listing of an erased account is refused even if its status was never updated.
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM service_profiles WHERE slug = $1 AND status = 'PUBLISHED' AND owner_status = 'ACTIVE'`,
      [slug],
    );
    return parseRows(profileRow, result.rows)[0] ?? null;
  }

  /**
   * Everything a public profile page shows, in one SQL statement (one round trip): the row, the
   * owner's published roles, the city, whether the owner's identity is verified, and the public
   * media (Safe-Mode filter in the SQL, see media's publicMediaJsonSql).
   */
  async findPublicPage(slug: string): Promise<PublicProfilePage | null> {
    const result = await this.db.query(
      `SELECT ${COLUMNS},
              (SELECT coalesce(array_agg(r.role ORDER BY r.role), '{}') FROM service_profiles r
                WHERE r.owner_user_id = p.owner_user_id AND r.status = 'PUBLISHED' AND r.owner_status = 'ACTIVE') AS page_roles,
              ${cityInfoJsonSql('p.city_code')} AS page_city,
              (SELECT v.status FROM verifications v WHERE v.subject_type = 'IDENTITY' AND v.subject_id = p.owner_user_id
                ORDER BY v.created_at DESC, v.id DESC LIMIT 1) AS page_verification,
              ${publicMediaJsonSql('PROFILE', 'p.id')} AS page_media
         FROM service_profiles p WHERE p.slug = $1 AND p.status = 'PUBLISHED' AND p.owner_status = 'ACTIVE'`,
      [slug],
    );
    const raw = result.rows[0];
    if (!raw) return null;
    const { page_roles, page_city, page_verification, page_media, ...columns } = raw;
    return {
      row: parseRows(profileRow, [columns])[0]!,
      roles: parseRows(z.array(z.string()), [page_roles])[0]!,
      city: parseCityInfoJson(page_city),
      verified: page_verification === 'VERIFIED',
      media: parsePublicMediaJson(page_media),
    };
  }

  async publishedRolesOf(userId: string): Promise<string[]> {
    const result = await this.db.query<{ role: string }>(
      `SELECT role FROM service_profiles WHERE owner_user_id = $1 AND status = 'PUBLISHED' AND owner_status = 'ACTIVE' ORDER BY role`,
      [userId],
    );
    return result.rows.map((row) => row.role);
  }

  async saveDraft(input: {
    id: string;
    ownerUserId: string;
    expectedVersion: number;
    patch: Record<string, unknown>;
    extra?: Record<string, unknown>;
  }): Promise<ProfileRow | null> {
    const row = await versionedUpdate(
      this.db,
      { table: 'service_profiles', columns: PATCH_COLUMNS, ...input },
      COLUMNS,
    );
    return row ? parseRows(profileRow, [row])[0]! : null;
  }

  async setStatus(id: string, status: 'PUBLISHED' | 'UNPUBLISHED'): Promise<ProfileRow> {
    const result = await this.db.query(
      `UPDATE service_profiles SET status = $2, published_at = CASE WHEN $2 = 'PUBLISHED' THEN coalesce(published_at, now()) ELSE published_at END,
              instant_book = CASE WHEN $2 = 'UNPUBLISHED' THEN false ELSE instant_book END,
              version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status],
    );
    return parseRows(profileRow, result.rows)[0]!;
  }

  async setInstantBook(id: string, enabled: boolean): Promise<ProfileRow> {
    const result = await this.db.query(
      `UPDATE service_profiles SET instant_book = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, enabled],
    );
    return parseRows(profileRow, result.rows)[0]!;
  }

  /**
   * Account deleted: every profile of the owner is unpublished and marked ERASED; contact details
   * and links (contact channels too) are erased; ids, slugs and the rest stay as a pseudonymous
   * record that bookings and reviews may refer to. Returns the erased rows with their prior status.
   */
  async eraseOwner(userId: string): Promise<(ProfileRow & { previous_status: string; previous_slug: string })[]> {
    const result = await this.db.query(
      `WITH before AS (SELECT id, status, slug FROM service_profiles WHERE owner_user_id = $1 AND owner_status = 'ACTIVE' FOR UPDATE)
       UPDATE service_profiles p
          SET owner_status = 'ERASED', status = CASE WHEN p.status = 'PUBLISHED' THEN 'UNPUBLISHED' ELSE p.status END,
              contact_email = NULL, contact_phone = NULL, links = '[]'::jsonb, instant_book = false, version = p.version + 1, updated_at = now(),
              -- No name left behind (NTB-SEC-003): the slug was built from the display name; the new one from the id.
              slug = ${erasedSlugSql('p')}, display_name = NULL, headline = NULL, bio = NULL
         FROM before b WHERE p.id = b.id
       RETURNING ${COLUMNS.split(',')
         .map((column) => `p.${column.trim()}`)
         .join(', ')}, b.status AS previous_status, b.slug::text AS previous_slug`,
      [userId],
    );
    return parseRows(profileRow.extend({ previous_status: z.string(), previous_slug: z.string() }), result.rows);
  }

  /** The owner of a profile, whatever its state (media events name the listing, not its owner). */
  async ownerOf(id: string): Promise<string | null> {
    const result = await this.db.query<{ owner_user_id: string }>(
      'SELECT owner_user_id FROM service_profiles WHERE id = $1',
      [id],
    );
    return result.rows[0]?.owner_user_id ?? null;
  }

  /** The published profiles of an account (their public pages show its verified badge). */
  async publishedOf(
    userId: string,
  ): Promise<{ id: string; role: ProfileRow['role']; slug: string; city_code: string | null; version: number }[]> {
    const result = await this.db.query<{
      id: string;
      role: ProfileRow['role'];
      slug: string;
      city_code: string | null;
      version: number;
    }>(
      `SELECT id, role, slug, city_code, version FROM service_profiles WHERE owner_user_id = $1 AND status = 'PUBLISHED'`,
      [userId],
    );
    return result.rows;
  }
}

export type ProfileStore = PortOf<ProfileRepository>;
