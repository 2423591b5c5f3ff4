/**
 * Notifications' part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: the
 * account's notification settings (zone, quiet hours), consents per channel and category, its
 * in-app inbox and the deliveries made to it (channel, template, status; not the rendered mail).
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function notificationsExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const [settings, consents, inbox, deliveries] = await Promise.all([
    jsonRows(
      db,
      `SELECT time_zone, quiet_start_hour, quiet_end_hour, updated_at FROM notification_settings WHERE user_id = $1`,
      [userId],
      'updated_at',
    ),
    jsonRows(
      db,
      `SELECT channel, category, allowed, updated_at FROM notification_consents WHERE user_id = $1`,
      [userId],
      'updated_at',
    ),
    jsonRows(db, `SELECT id, category, title, body, created_at, read_at FROM notification_inbox WHERE user_id = $1`, [
      userId,
    ]),
    jsonRows(
      db,
      `SELECT id, channel, category, template, status, created_at FROM notification_deliveries WHERE user_id = $1`,
      [userId],
    ),
  ]);
  return { settings, consents, inbox, deliveries };
}
