/**
 * Auth's part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain as its own
 * role: the account, linked identities, consents, sessions, devices and MFA state. Never secrets
 * or hashes (password, TOTP secret, token hashes, recovery codes).
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function accountExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const [account, linkedIdentities, consents, sessions, devices, mfa] = await Promise.all([
    jsonRows(
      db,
      `SELECT id, email, email_verified_at, display_name, phone, phone_verified_at, roles, status, created_at,
              password_changed_at
         FROM users WHERE id = $1 AND status = 'active'`,
      [userId],
    ),
    jsonRows(db, `SELECT provider, email, private_relay, created_at FROM user_identities WHERE user_id = $1`, [userId]),
    jsonRows(
      db,
      `SELECT kind, version, granted, recorded_at, ip, user_agent FROM consent_records WHERE user_id = $1`,
      [userId],
      'recorded_at',
    ),
    jsonRows(
      db,
      `SELECT id, device_id, amr, auth_time, created_at, last_seen_at, ip, user_agent, revoked_at, revoke_reason
         FROM auth_sessions WHERE user_id = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT id, user_agent, first_ip, first_seen_at, last_seen_at FROM auth_devices WHERE user_id = $1`,
      [userId],
      'first_seen_at',
    ),
    jsonRows(db, `SELECT confirmed_at, created_at FROM mfa_totp WHERE user_id = $1`, [userId]),
  ]);
  return { account, linkedIdentities, consents, sessions, devices, mfa };
}

/**
 * The deletion gate (AccountService.deleteAccount) asks for an export within a day: a full export
 * counts. Only the active account's own column is written.
 */
export async function markAccountExported(db: Queryable, userId: string, at: Date): Promise<void> {
  await db.query(`UPDATE users SET last_export_at = $2 WHERE id = $1 AND status = 'active'`, [userId, at]);
}

/**
 * The names other accounts go by (display names), for the exporter to pseudonymise them where they
 * appear in free text of the subject's export (messages, reviews). Read only to be removed.
 */
export async function displayNamesOf(
  db: Queryable,
  userIds: readonly string[],
): Promise<ReadonlyMap<string, readonly string[]>> {
  if (userIds.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; display_name: string }>(
    `SELECT id, display_name FROM users WHERE id = ANY($1::text[]) AND display_name IS NOT NULL`,
    [userIds],
  );
  return new Map(rows.map((row) => [row.id, [row.display_name]]));
}
