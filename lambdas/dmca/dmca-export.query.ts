/**
 * DMCA's part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: the cases about
 * the account's material and its own counter notices. The notices themselves are the complainants'
 * (their names and addresses), so only the case's facts are the account's to read.
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function dmcaExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const cases = await jsonRows(
    db,
    `SELECT id, target_kind, target_id, status, taken_down_at, counter_noticed_at, counter_notice, restore_from,
            restore_by, closed_at
       FROM dmca_cases WHERE owner_user_id = $1`,
    [userId],
    'taken_down_at',
  );
  return { cases };
}
