/**
 * Reviews' part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: reviews the
 * account wrote, reviews about it (of it as a client, and of its listings) once the other party
 * may see them (double-blind: an unpublished review about the account is not its to read yet, the
 * exporter gives only that one exists), its review windows and the reports it filed.
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function reviewsExportSection(
  db: Queryable,
  userId: string,
  now: Date,
): Promise<Record<string, JsonRow[]>> {
  const [written, received, windows, reportsFiled] = await Promise.all([
    jsonRows(
      db,
      `SELECT id, leg_id, direction, subject_user_id, listing_type, listing_id, rating, body, created_at, published_at
         FROM reviews WHERE author_user_id = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT r.id, r.leg_id, r.direction, r.author_user_id, r.listing_type, r.listing_id, r.created_at, r.published_at,
              CASE WHEN r.published_at IS NOT NULL OR w.closes_at <= $2 THEN r.rating END AS rating,
              CASE WHEN r.published_at IS NOT NULL OR w.closes_at <= $2 THEN r.body END AS body
         FROM reviews r JOIN review_windows w ON w.leg_id = r.leg_id
        WHERE (r.subject_user_id = $1 OR (r.direction = 'CLIENT_TO_LISTING' AND w.owner_user_id = $1))
          AND r.author_user_id IS DISTINCT FROM $1`,
      [userId, now],
    ),
    jsonRows(
      db,
      `SELECT leg_id, group_id, client_user_id, owner_user_id, listing_type, listing_id, completed_at, closes_at
         FROM review_windows WHERE client_user_id = $1 OR owner_user_id = $1`,
      [userId],
      'completed_at',
    ),
    jsonRows(db, `SELECT id, review_id, reason, note, created_at FROM review_reports WHERE reporter_user_id = $1`, [
      userId,
    ]),
  ]);
  return { written, received, windows, reportsFiled };
}
