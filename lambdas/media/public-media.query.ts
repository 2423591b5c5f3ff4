/**
 * Public media of one owner as a single JSON column, for other domains' one-round-trip page queries
 * (a public profile or studio page is one SQL statement). The same Safe-Mode filter as
 * `MediaRepository.listPublic` lives in the SQL; rows are validated as they leave, like every row.
 */
import { parseRows } from '../core/db/database.ts';
import { MEDIA_COLUMNS, mediaRow, type MediaOwnerType, type MediaRow } from './media.repository.ts';

const OWNER_TYPES: readonly MediaOwnerType[] = ['PROFILE', 'STUDIO'];

/** A scalar subquery: a JSON array of the owner's public media rows, in page order. */
export function publicMediaJsonSql(ownerType: MediaOwnerType, ownerIdSql: string): string {
  if (!OWNER_TYPES.includes(ownerType)) throw new Error(`no public media for ${ownerType}`);
  return `(SELECT coalesce(json_agg(row_to_json(pm) ORDER BY pm.sort_order, pm.id), '[]'::json)
             FROM (SELECT ${MEDIA_COLUMNS} FROM media WHERE owner_type = '${ownerType}' AND owner_id = ${ownerIdSql}
                      AND status = 'READY' AND nsfw_band = 0 AND jsonb_array_length(public_variants) > 0) pm)`;
}

/** The column's value as media rows (JSON carries timestamps as text). */
export function parsePublicMediaJson(value: unknown): MediaRow[] {
  const rows = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
  return parseRows(
    mediaRow,
    rows.map((row) => ({
      ...row,
      upload_expires_at: new Date(row.upload_expires_at as string),
      created_at: new Date(row.created_at as string),
    })),
  );
}
