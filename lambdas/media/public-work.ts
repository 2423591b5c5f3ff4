/**
 * Published work for the partner API (the media domain owns the media table): SFW only (READY,
 * band 0, public copies written), owned by a published, active profile or studio. Exported through
 * lambdas/media/index.ts; URLs point at the public bucket only, never at originals.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import { variantSchema } from './media.repository.ts';
import { variantViews, type ImageVariantView } from './media.mapper.ts';

const workRow = z.object({
  id: z.string(),
  owner_type: z.enum(['PROFILE', 'STUDIO']),
  owner_id: z.string(),
  alt_text: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  public_variants: z.array(variantSchema),
  is_cover: z.boolean(),
  created_at: z.date(),
  updated_at: z.date(),
});

export interface PublicWorkItem {
  readonly id: string;
  readonly ownerType: 'PROFILE' | 'STUDIO';
  readonly ownerId: string;
  readonly alt: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly isCover: boolean;
  readonly variants: ImageVariantView[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const COLUMNS =
  'm.id, m.owner_type, m.owner_id, m.alt_text, m.width, m.height, m.public_variants, m.is_cover, m.created_at, m.updated_at';
// SFW and public, with a listed owner; the same rule as media.mapper's isPublicSafe, in SQL.
const VISIBLE = `m.status = 'READY' AND m.nsfw_band = 0 AND jsonb_array_length(m.public_variants) > 0
  AND m.owner_type IN ('PROFILE', 'STUDIO')
  AND (EXISTS (SELECT 1 FROM service_profiles p WHERE m.owner_type = 'PROFILE' AND p.id = m.owner_id AND p.status = 'PUBLISHED' AND p.owner_status = 'ACTIVE')
    OR EXISTS (SELECT 1 FROM studios s WHERE m.owner_type = 'STUDIO' AND s.id = m.owner_id AND s.status = 'PUBLISHED' AND s.owner_status = 'ACTIVE'))`;

export class PublicWork {
  constructor(
    private readonly db: Queryable,
    private readonly publicBaseUrl: string,
  ) {}

  async list(page: {
    after?: string | undefined;
    limit: number;
    ownerId?: string | undefined;
  }): Promise<PublicWorkItem[]> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM media m WHERE ${VISIBLE}
          AND ($1::text IS NULL OR m.id > $1) AND ($2::text IS NULL OR m.owner_id = $2)
        ORDER BY m.id LIMIT $3`,
      [page.after ?? null, page.ownerId ?? null, page.limit],
    );
    return parseRows(workRow, result.rows).map((row) => this.view(row));
  }

  async item(id: string): Promise<PublicWorkItem | null> {
    const result = await this.db.query(`SELECT ${COLUMNS} FROM media m WHERE m.id = $1 AND ${VISIBLE}`, [id]);
    const row = parseRows(workRow, result.rows)[0];
    return row ? this.view(row) : null;
  }

  /** Cover images of listings (one per owner at most), for list and detail answers. */
  async covers(ownerIds: readonly string[]): Promise<Map<string, PublicWorkItem>> {
    if (ownerIds.length === 0) return new Map();
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM media m WHERE m.is_cover AND m.owner_id = ANY($1) AND ${VISIBLE}`,
      [ownerIds],
    );
    return new Map(parseRows(workRow, result.rows).map((row) => [row.owner_id, this.view(row)]));
  }

  private view(row: z.infer<typeof workRow>): PublicWorkItem {
    return {
      id: row.id,
      ownerType: row.owner_type,
      ownerId: row.owner_id,
      alt: row.alt_text,
      width: row.width,
      height: row.height,
      isCover: row.is_cover,
      variants: variantViews(row.public_variants, this.publicBaseUrl),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

export function publicWork(db: Queryable, publicBaseUrl: string): PublicWork {
  return new PublicWork(db, publicBaseUrl);
}
