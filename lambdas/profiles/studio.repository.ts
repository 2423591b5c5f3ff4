/** SQL for studios. Rows are validated as they leave the database. */
import * as z from 'zod';
import { isUniqueViolation, parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { ConflictError } from '../core/errors.ts';
import { parsePublicMediaJson, publicMediaJsonSql, type MediaRow } from '../media/index.ts';
import { cityInfoJsonSql, parseCityInfoJson, type CityInfo } from '../platform/index.ts';
import { versionedUpdate, type ColumnMap } from './draft-update.ts';
import { erasedSlugSql } from './erased-slug.ts';

export const studioRow = z.object({
  id: z.string(),
  owner_user_id: z.string(),
  slug: z.string(),
  status: z.enum(['DRAFT', 'PUBLISHED', 'UNPUBLISHED', 'TAKEN_DOWN']),
  owner_status: z.enum(['ACTIVE', 'ERASED']),
  name: z.string().nullable(),
  description: z.string().nullable(),
  city_code: z.string().nullable(),
  address_line1: z.string().nullable(),
  address_line2: z.string().nullable(),
  postal_code: z.string().nullable(),
  contact_email: z.string().nullable(),
  contact_phone: z.string().nullable(),
  amenities: z.array(z.string()),
  hourly_min_cents: z.number().int().nullable(),
  hourly_max_cents: z.number().int().nullable(),
  deposit_cents: z.number().int().nullable(),
  currency: z.string(),
  availability: z.record(z.string(), z.array(z.string())).nullable(),
  instant_book: z.boolean(),
  completed_steps: z.array(z.string()),
  version: z.number().int(),
  published_at: z.date().nullable(),
  updated_at: z.date(),
});
export type StudioRow = z.infer<typeof studioRow>;

/** A public studio page's data, read in one statement. */
export interface PublicStudioPage {
  readonly row: StudioRow;
  readonly city: CityInfo | null;
  readonly verified: boolean;
  readonly media: MediaRow[];
}

const COLUMNS = `id, owner_user_id, slug, status, owner_status, name, description, city_code, address_line1, address_line2, postal_code, contact_email, contact_phone,
  amenities, hourly_min_cents, hourly_max_cents, deposit_cents, currency, availability, instant_book, completed_steps, version, published_at, updated_at`;

const PATCH_COLUMNS: ColumnMap = {
  name: { column: 'name' },
  description: { column: 'description' },
  city: { column: 'city_code' },
  addressLine1: { column: 'address_line1' },
  addressLine2: { column: 'address_line2' },
  postalCode: { column: 'postal_code' },
  contactEmail: { column: 'contact_email' },
  contactPhone: { column: 'contact_phone' },
  amenities: { column: 'amenities' },
  hourlyMinCents: { column: 'hourly_min_cents' },
  hourlyMaxCents: { column: 'hourly_max_cents' },
  depositCents: { column: 'deposit_cents' },
  availability: { column: 'availability', json: true },
};

export class StudioRepository {
  constructor(private readonly db: Queryable) {}

  async insert(row: { id: string; ownerUserId: string; slug: string; name: string }): Promise<StudioRow> {
    try {
      const result = await this.db.query(
        `INSERT INTO studios (id, owner_user_id, slug, name) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [row.id, row.ownerUserId, row.slug, row.name],
      );
      return parseRows(studioRow, result.rows)[0]!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('That slug is taken', 'STUDIO.SLUG_TAKEN');
      throw error;
    }
  }

  async listOwned(userId: string): Promise<StudioRow[]> {
    return parseRows(
      studioRow,
      (
        await this.db.query(
          `SELECT ${COLUMNS} FROM studios WHERE owner_user_id = $1 AND owner_status = 'ACTIVE' ORDER BY created_at, id`,
          [userId],
        )
      ).rows,
    );
  }

  async findOwned(id: string, userId: string, forUpdate = false): Promise<StudioRow | null> {
    // An erased owner's studios look unknown (access tokens outlive the account by minutes).
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM studios WHERE id = $1 AND owner_user_id = $2 AND owner_status = 'ACTIVE'${forUpdate ? ' FOR UPDATE' : ''}`,
      [id, userId],
    );
    return parseRows(studioRow, result.rows)[0] ?? null;
  }

  /** Everything a public studio page shows, in one SQL statement (one round trip). */
  async findPublicPage(slug: string): Promise<PublicStudioPage | null> {
    const result = await this.db.query(
      `SELECT ${COLUMNS},
              ${cityInfoJsonSql('s.city_code')} AS page_city,
              (SELECT v.status FROM verifications v WHERE v.subject_type = 'STUDIO' AND v.subject_id = s.id
                ORDER BY v.created_at DESC, v.id DESC LIMIT 1) AS page_verification,
              ${publicMediaJsonSql('STUDIO', 's.id')} AS page_media
         FROM studios s WHERE s.slug = $1 AND s.status = 'PUBLISHED' AND s.owner_status = 'ACTIVE'`,
      [slug],
    );
    const raw = result.rows[0];
    if (!raw) return null;
    const { page_city, page_verification, page_media, ...columns } = raw;
    return {
      row: parseRows(studioRow, [columns])[0]!,
      city: parseCityInfoJson(page_city),
      verified: page_verification === 'VERIFIED',
      media: parsePublicMediaJson(page_media),
    };
  }

  /** A published studio by id (its public page shows its media and its verification badge). */
  async findPublished(id: string): Promise<StudioRow | null> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM studios WHERE id = $1 AND status = 'PUBLISHED' AND owner_status = 'ACTIVE'`,
      [id],
    );
    return parseRows(studioRow, result.rows)[0] ?? null;
  }

  async findPublishedBySlug(slug: string): Promise<StudioRow | null> {
    // owner_status in SQL: a studio of an erased account is refused whatever its status says.
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM studios WHERE slug = $1 AND status = 'PUBLISHED' AND owner_status = 'ACTIVE'`,
      [slug],
    );
    return parseRows(studioRow, result.rows)[0] ?? null;
  }

  async saveDraft(input: {
    id: string;
    ownerUserId: string;
    expectedVersion: number;
    patch: Record<string, unknown>;
    extra?: Record<string, unknown>;
  }): Promise<StudioRow | null> {
    const row = await versionedUpdate(this.db, { table: 'studios', columns: PATCH_COLUMNS, ...input }, COLUMNS);
    return row ? parseRows(studioRow, [row])[0]! : null;
  }

  /** Account deleted: unpublish, mark ERASED, erase contact details and the exact address; the id stays, the slug becomes the id's. */
  async eraseOwner(userId: string): Promise<(StudioRow & { previous_status: string; previous_slug: string })[]> {
    const result = await this.db.query(
      `WITH before AS (SELECT id, status, slug FROM studios WHERE owner_user_id = $1 AND owner_status = 'ACTIVE' FOR UPDATE)
       UPDATE studios s
          SET owner_status = 'ERASED', status = CASE WHEN s.status = 'PUBLISHED' THEN 'UNPUBLISHED' ELSE s.status END,
              contact_email = NULL, contact_phone = NULL, address_line1 = NULL, address_line2 = NULL, postal_code = NULL,
              instant_book = false, version = s.version + 1, updated_at = now(),
              -- No name left behind (NTB-SEC-003): the slug was built from the name; the new one from the id.
              slug = ${erasedSlugSql('s')}
         FROM before b WHERE s.id = b.id
       RETURNING ${COLUMNS.split(',')
         .map((column) => `s.${column.trim()}`)
         .join(', ')}, b.status AS previous_status, b.slug::text AS previous_slug`,
      [userId],
    );
    return parseRows(studioRow.extend({ previous_status: z.string(), previous_slug: z.string() }), result.rows);
  }

  async setStatus(id: string, status: 'PUBLISHED' | 'UNPUBLISHED'): Promise<StudioRow> {
    const result = await this.db.query(
      `UPDATE studios SET status = $2, published_at = CASE WHEN $2 = 'PUBLISHED' THEN coalesce(published_at, now()) ELSE published_at END,
              instant_book = CASE WHEN $2 = 'UNPUBLISHED' THEN false ELSE instant_book END,
              version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status],
    );
    return parseRows(studioRow, result.rows)[0]!;
  }
}

export type StudioStore = PortOf<StudioRepository>;
