/** SQL for one-time codes, links, challenges and nonces (auth_codes). Only HMACs are stored. */
import * as z from 'zod';
import type { Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { parseRows } from '../core/db/database.ts';

export type CodePurpose =
  | 'verify_email'
  | 'reset_password'
  | 'unlock'
  | 'verify_phone'
  | 'step_up'
  | 'mfa_challenge'
  | 'oauth_nonce'
  | 'change_email';

export const codeRowSchema = z.object({
  id: z.string(),
  purpose: z.string(),
  user_id: z.string().nullable(),
  target: z.string().nullable(),
  code_hash: z.string(),
  attempts: z.number(),
  expires_at: z.date(),
  consumed_at: z.date().nullable(),
  created_at: z.date(),
});
export type CodeRow = z.infer<typeof codeRowSchema>;

export class CodeRepository {
  constructor(private readonly db: Queryable) {}

  async insert(code: {
    id: string;
    purpose: CodePurpose;
    userId: string | null;
    target: string | null;
    codeHash: string;
    expiresAt: Date;
    now: Date;
  }): Promise<void> {
    await this.db.query(
      'INSERT INTO auth_codes (id, purpose, user_id, target, code_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [code.id, code.purpose, code.userId, code.target, code.codeHash, code.expiresAt, code.now],
    );
  }

  /** Supersedes earlier live codes of the same purpose: only the newest code works. */
  async supersede(purpose: CodePurpose, userId: string, now: Date): Promise<void> {
    await this.db.query(
      'UPDATE auth_codes SET consumed_at = $3 WHERE purpose = $1 AND user_id = $2 AND consumed_at IS NULL',
      [purpose, userId, now],
    );
  }

  /** The newest live code of a purpose for a user, locked for the check. */
  async latestLive(purpose: CodePurpose, userId: string, now: Date): Promise<CodeRow | undefined> {
    const result = await this.db.query(
      `SELECT * FROM auth_codes WHERE purpose = $1 AND user_id = $2 AND consumed_at IS NULL AND expires_at > $3
       ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
      [purpose, userId, now],
    );
    return parseRows(codeRowSchema, result.rows)[0];
  }

  /** For bearer-style secrets (links, challenges, nonces): looked up by their HMAC. */
  async byHash(purpose: CodePurpose, codeHash: string): Promise<CodeRow | undefined> {
    const result = await this.db.query('SELECT * FROM auth_codes WHERE purpose = $1 AND code_hash = $2 FOR UPDATE', [
      purpose,
      codeHash,
    ]);
    return parseRows(codeRowSchema, result.rows)[0];
  }

  async countAttempt(id: string): Promise<number> {
    const result = await this.db.query<{ attempts: number }>(
      'UPDATE auth_codes SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts',
      [id],
    );
    return result.rows[0]?.attempts ?? 0;
  }

  /** Marks a code used; false when someone else used it first (single use under concurrency). */
  async consume(id: string, now: Date): Promise<boolean> {
    const result = await this.db.query('UPDATE auth_codes SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL', [
      id,
      now,
    ]);
    return (result.rowCount ?? 0) === 1;
  }

  /** Every outstanding code, link and challenge of a user (a replaced registration). */
  async deleteAllForUser(userId: string): Promise<void> {
    await this.db.query('DELETE FROM auth_codes WHERE user_id = $1', [userId]);
  }

  async purgeExpired(before: Date): Promise<void> {
    await this.db.query('DELETE FROM auth_codes WHERE expires_at < $1', [before]);
  }
}

export type CodeStore = PortOf<CodeRepository>;
