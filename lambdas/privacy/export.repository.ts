/**
 * The privacy domain's receipts of data exports (`privacy_exports`): one row per accepted request
 * (BUILDING until the worker completes it READY or FAILED), with the bundle's object key and SHA-256.
 * The per-day limit counts accepted requests that did not fail (a failed build is ours, not the
 * account's); db/migrations/3141_privacy_export_async.sql allows one BUILDING row per account.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

const countRowSchema = z.object({ n: z.number().int(), oldest: z.date().nullable() });

export const EXPORT_STATUSES = ['BUILDING', 'READY', 'FAILED'] as const;

const exportRowSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  status: z.enum(EXPORT_STATUSES),
  object_key: z.string().nullable(),
  sha256: z.string().nullable(),
  size_bytes: z.number().int().nullable(),
  sections: z.array(z.string()).nullable(),
  created_at: z.date(),
  completed_at: z.date().nullable(),
});
export type ExportRow = z.infer<typeof exportRowSchema>;
const EXPORT_COLUMNS = 'id, user_id, status, object_key, sha256, size_bytes, sections, created_at, completed_at';

export class ExportRepository {
  constructor(private readonly db: Queryable) {}

  /** Serialises one account's requests for the rest of the transaction (a row that does not exist yet locks nothing). */
  async lockAccount(userId: string): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtextextended('privacy_exports:' || $1, 0))`, [userId]);
  }

  /**
   * Fails the account's request left BUILDING since `before` (its worker gave up: timeouts, crashes, the
   * queue's retries ended in the DLQ), so it neither blocks the account nor counts against its limit.
   */
  async abandonStale(userId: string, before: Date, at: Date): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE privacy_exports SET status = 'FAILED', completed_at = $3
        WHERE user_id = $1 AND status = 'BUILDING' AND created_at < $2`,
      [userId, before, at],
    );
    return rowCount ?? 0;
  }

  /** The account's request still being built, if any. */
  async building(userId: string): Promise<ExportRow | undefined> {
    const { rows } = await this.db.query(
      `SELECT ${EXPORT_COLUMNS} FROM privacy_exports WHERE user_id = $1 AND status = 'BUILDING'`,
      [userId],
    );
    return parseRows(exportRowSchema, rows)[0];
  }

  async byId(exportId: string): Promise<ExportRow | undefined> {
    const { rows } = await this.db.query(`SELECT ${EXPORT_COLUMNS} FROM privacy_exports WHERE id = $1`, [exportId]);
    return parseRows(exportRowSchema, rows)[0];
  }

  /**
   * Counts the accepted requests of the last 24 hours (under `lockAccount`) and records the new one
   * when under `perDay`. Returns the seconds until a slot frees when over it.
   */
  async reserve(
    userId: string,
    exportId: string,
    now: Date,
    perDay: number,
  ): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const [recent] = parseRows(
      countRowSchema,
      (
        await this.db.query(
          `SELECT count(*)::int AS n, min(created_at) AS oldest FROM privacy_exports
            WHERE user_id = $1 AND status <> 'FAILED' AND created_at > $2::timestamptz - interval '24 hours'`,
          [userId, now],
        )
      ).rows,
    );
    if (recent!.n >= perDay) {
      const freesAt = (recent!.oldest?.getTime() ?? now.getTime()) + 24 * 3600_000;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000)) };
    }
    await this.db.query(
      `INSERT INTO privacy_exports (id, user_id, status, created_at) VALUES ($1, $2, 'BUILDING', $3)`,
      [exportId, userId, now],
    );
    return { ok: true };
  }

  async complete(
    exportId: string,
    done: { objectKey: string; sha256: string; sizeBytes: number; sections: readonly string[]; at: Date },
  ): Promise<void> {
    await this.db.query(
      `UPDATE privacy_exports SET status = 'READY', object_key = $2, sha256 = $3, size_bytes = $4, sections = $5,
              completed_at = $6
        WHERE id = $1 AND status = 'BUILDING'`,
      [exportId, done.objectKey, done.sha256, done.sizeBytes, done.sections, done.at],
    );
  }

  async fail(exportId: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE privacy_exports SET status = 'FAILED', completed_at = $2 WHERE id = $1 AND status = 'BUILDING'`,
      [exportId, at],
    );
  }

  async deleteForUser(userId: string): Promise<number> {
    return (await this.db.query('DELETE FROM privacy_exports WHERE user_id = $1', [userId])).rowCount ?? 0;
  }
}

export type ExportStore = PortOf<ExportRepository>;
