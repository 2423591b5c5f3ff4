/**
 * Booking's part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: bookings
 * as client (groups with their legs) and as provider (the legs on the account's listings, with
 * the group's dates and status), the transitions the account made, its availability settings and
 * calendar feeds. Export-link token hashes stay out; the other party appears by id only (the
 * exporter pseudonymises other people's ids).
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function bookingExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const [asClient, asProvider, transitions, settings, calendarFeeds, calendarExports] = await Promise.all([
    jsonRows(
      db,
      `SELECT g.id, g.status, g.instant_book, g.starts_at, g.ends_at, g.amount_cents, g.currency,
              g.cancellation_policy, g.payment_status, g.refund_cents, g.created_at, g.updated_at,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'resourceType', l.resource_type,
                        'resourceId', l.resource_id, 'ownerUserId', l.owner_user_id, 'startsAt', l.starts_at,
                        'endsAt', l.ends_at, 'amountCents', l.amount_cents, 'accepted', l.accepted) ORDER BY l.id), '[]')
                 FROM booking_legs l WHERE l.group_id = g.id) AS legs
         FROM booking_groups g WHERE g.client_user_id = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT l.id, l.group_id, l.resource_type, l.resource_id, l.starts_at, l.ends_at, l.amount_cents, l.accepted,
              g.client_user_id, g.status AS group_status, g.currency, g.created_at
         FROM booking_legs l JOIN booking_groups g ON g.id = l.group_id WHERE l.owner_user_id = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT id, action, group_id, from_status, to_status, created_at FROM booking_transitions WHERE actor = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT resource_id, resource_type, availability, cancellation_policy, updated_at
         FROM booking_settings WHERE owner_user_id = $1`,
      [userId],
      'updated_at',
    ),
    jsonRows(
      db,
      `SELECT id, resource_id, url, status, busy_count, last_fetched_at, last_success_at, created_at
         FROM booking_calendar_feeds WHERE owner_user_id = $1`,
      [userId],
    ),
    jsonRows(db, `SELECT resource_id, created_at, revoked_at FROM booking_calendar_exports WHERE owner_user_id = $1`, [
      userId,
    ]),
  ]);
  return { asClient, asProvider, transitions, settings, calendarFeeds, calendarExports };
}
