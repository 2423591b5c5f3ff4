/**
 * The account's deliverables for its data export (DSAR), run by the privacy domain as the privacy
 * role (columns granted in db/migrations/3210): the sets it posted as a provider and received as a
 * client, each with its files' names, types, sizes and checksums, and its own uploads not posted yet.
 * Storage keys and idempotency keys are not exported (internal).
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

const SET_SELECT = `SELECT s.id, s.thread_id, s.booking_group_id, s.version, s.provider_user_id, s.client_user_id, s.note,
        s.status, s.decision_note, s.decided_at, s.created_at,
        (SELECT coalesce(jsonb_agg(jsonb_build_object('position', f.position, 'name', f.name,
                  'contentType', f.content_type, 'sizeBytes', f.size_bytes, 'sha256', f.sha256) ORDER BY f.position), '[]')
           FROM message_deliverable_files f WHERE f.set_id = s.id) AS files
   FROM message_deliverable_sets s`;

export async function deliverablesExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const [posted, received, unpostedUploads] = await Promise.all([
    jsonRows(db, `${SET_SELECT} WHERE s.provider_user_id = $1`, [userId]),
    jsonRows(db, `${SET_SELECT} WHERE s.client_user_id = $1`, [userId]),
    jsonRows(
      db,
      `SELECT id, thread_id, name, content_type, size_bytes, created_at
         FROM message_deliverable_uploads WHERE uploader_user_id = $1`,
      [userId],
    ),
  ]);
  return { posted, received, unpostedUploads };
}
