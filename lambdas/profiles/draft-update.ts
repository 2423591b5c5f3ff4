/**
 * Autosave as one conditional UPDATE: only whitelisted fields become columns, and the row changes
 * only if its version is the one the client read (optimistic concurrency); the version bumps.
 */
import type { Queryable } from '../core/db/database.ts';

export type ColumnMap = Readonly<Record<string, { readonly column: string; readonly json?: boolean }>>;

export interface VersionedUpdate {
  readonly table: 'service_profiles' | 'studios';
  readonly id: string;
  readonly ownerUserId: string;
  readonly expectedVersion: number;
  readonly patch: Record<string, unknown>;
  readonly columns: ColumnMap;
  /** Extra assignments with their values (e.g. completed_steps). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Returns the updated row, or null when the id is not the owner's or the version is stale. */
export async function versionedUpdate(
  db: Queryable,
  update: VersionedUpdate,
  returning: string,
): Promise<Record<string, unknown> | null> {
  const sets: string[] = [];
  const values: unknown[] = [update.id, update.ownerUserId, update.expectedVersion];
  for (const [field, value] of Object.entries(update.patch)) {
    const target = update.columns[field];
    if (!target || value === undefined) continue;
    values.push(target.json ? JSON.stringify(value) : value);
    sets.push(`${target.column} = $${values.length}`);
  }
  for (const [column, value] of Object.entries(update.extra ?? {})) {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  }
  const result = await db.query(
    `UPDATE ${update.table} SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
      WHERE id = $1 AND owner_user_id = $2 AND version = $3 RETURNING ${returning}`,
    values,
  );
  return result.rows[0] ?? null;
}
