/**
 * Profiles' part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: the
 * account's listings (service profiles, studios), verification requests, nudge preferences and
 * the nudges sent. The unsubscribe token is a bearer secret and stays out.
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function profilesExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const [serviceProfiles, studios, verifications, notificationPreferences, nudgesSent] = await Promise.all([
    jsonRows(
      db,
      `SELECT id, role, slug::text AS slug, status, display_name, headline, bio, tags, city_code, price_min_cents,
              price_max_cents, currency, languages, links, packages, cancellation_policy, reschedule_policy,
              availability, contact_email, contact_phone, instant_book, version, published_at, created_at, updated_at
         FROM service_profiles WHERE owner_user_id = $1 AND owner_status = 'ACTIVE'`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT id, slug::text AS slug, status, name, description, city_code, address_line1, address_line2, postal_code,
              contact_email, contact_phone, amenities, hourly_min_cents, hourly_max_cents, deposit_cents, currency,
              availability, instant_book, version, published_at, created_at, updated_at
         FROM studios WHERE owner_user_id = $1 AND owner_status = 'ACTIVE'`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT id, subject_type, subject_id, status, document_media_id, reason, decided_at, created_at
         FROM verifications WHERE owner_user_id = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT nudges_enabled, digest_enabled, quiet_start_hour, quiet_end_hour, updated_at
         FROM notification_preferences WHERE user_id = $1`,
      [userId],
      'updated_at',
    ),
    jsonRows(db, `SELECT kind, sent_at FROM notification_log WHERE user_id = $1`, [userId], 'sent_at'),
  ]);
  return { serviceProfiles, studios, verifications, notificationPreferences, nudgesSent };
}
