/**
 * Staff's part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: the staff
 * roles granted to the account and the dual-control proposals it made or decided (what was
 * proposed is the operation's payload: ids and amounts).
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function staffExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const [roleGrants, proposals] = await Promise.all([
    jsonRows(
      db,
      `SELECT id, role, granted_at, expires_at FROM staff_role_grants WHERE user_id = $1`,
      [userId],
      'granted_at',
    ),
    jsonRows(
      db,
      `SELECT id, kind, status, dual_control, proposed_by, decided_by, reason, decision_note, payload, created_at,
              decided_at
         FROM staff_proposals WHERE proposed_by = $1 OR decided_by = $1`,
      [userId],
    ),
  ]);
  return { roleGrants, proposals };
}
