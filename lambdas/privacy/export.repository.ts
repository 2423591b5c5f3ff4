/**
 * The privacy domain's receipts of data exports (`privacy_exports`): one row per request, written
 * before any domain is read (the rate limit counts attempts, not successes), completed with the
 * bundle's object key and SHA-256.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

const countRowSchema = z.object({ n: z.number().int(), oldest: z.date().nullable() });

export class ExportRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Serialises one account's requests (advisory lock for the transaction: a row that does not exist
   * yet locks nothing), counts the last 24 hours and records the new request when under `perDay`.
   * Returns the seconds until a slot frees when over it.
   */
  async reserve(
    userId: string,
    exportId: string,
    now: Date,
    perDay: number,
  ): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtextextended('privacy_exports:' || $1, 0))`, [userId]);
    const [recent] = parseRows(
      countRowSchema,
      (
        await this.db.query(
          `SELECT count(*)::int AS n, min(created_at) AS oldest FROM privacy_exports
            WHERE user_id = $1 AND created_at > $2::timestamptz - interval '24 hours'`,
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
