/** The reconciler's reads: which objects each media row names (rows validated as they leave the database). */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { MEDIA_OWNER_TYPES, MEDIA_STATUSES, variantSchema } from './media.repository.ts';

const namingRow = z.object({
  id: z.string(),
  owner_type: z.enum(MEDIA_OWNER_TYPES),
  status: z.enum(MEDIA_STATUSES),
  nsfw_band: z.number().int().nullable(),
  original_key: z.string().nullable(),
  variants: z.array(variantSchema),
  public_variants: z.array(variantSchema),
});
export type NamingRow = z.infer<typeof namingRow>;

const COLUMNS = 'id, owner_type, status, nsfw_band, original_key, variants, public_variants';

export class MediaReconcilerRepository {
  constructor(private readonly db: Queryable) {}

  async findMany(ids: readonly string[]): Promise<Map<string, NamingRow>> {
    if (ids.length === 0) return new Map();
    const result = await this.db.query(`SELECT ${COLUMNS} FROM media WHERE id = ANY($1)`, [ids]);
    return new Map(parseRows(namingRow, result.rows).map((row) => [row.id, row]));
  }

  /**
   * The row locked (call it on the repository bound to a transaction): the publisher copies under
   * the same lock, so its decision cannot be mid-way.
   */
  async lock(id: string): Promise<NamingRow | null> {
    const result = await this.db.query(`SELECT ${COLUMNS} FROM media WHERE id = $1 FOR UPDATE`, [id]);
    return parseRows(namingRow, result.rows)[0] ?? null;
  }
}

export type MediaReconcilerStore = PortOf<MediaReconcilerRepository>;
