/**
 * Media's part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: metadata of
 * the account's items that still exist, with the private original's key so the exporter can link
 * the owner's own original (a short-lived presigned GET). Moderation labels stay out (staff data).
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function mediaExportSection(db: Queryable, userId: string): Promise<{ items: JsonRow[] }> {
  const items = await jsonRows(
    db,
    `SELECT id, owner_type, owner_id, status, detected_content_type, size_bytes, alt_text, width, height, nsfw_band,
            sort_order, is_cover, original_key, processed_at, created_at, updated_at
       FROM media WHERE owner_user_id = $1 AND status <> 'DELETED'`,
    [userId],
  );
  return { items };
}
