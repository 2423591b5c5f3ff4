/**
 * Rows as JSON documents, for exports (DSAR): PostgreSQL builds each row's object (`to_jsonb`, so
 * timestamps come out as ISO strings and jsonb columns stay structured), the caller names the
 * columns in its SELECT, and the result is checked to be a list of objects.
 */
import * as z from 'zod';
import type { Queryable } from './database.ts';

const rowsSchema = z.array(z.record(z.string(), z.unknown()));
export type JsonRow = Record<string, unknown>;

/** `select` is a SELECT whose columns become the keys; `orderBy` orders the result (a column of it). */
export async function jsonRows(
  db: Queryable,
  select: string,
  values: readonly unknown[],
  orderBy = 'created_at',
): Promise<JsonRow[]> {
  const result = await db.query<{ rows: unknown }>(
    `SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.${orderBy}), '[]'::jsonb) AS rows FROM (${select}) x`,
    values,
  );
  return rowsSchema.parse(result.rows[0]?.rows ?? []);
}
