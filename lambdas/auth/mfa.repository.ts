/** SQL for TOTP enrolment and recovery codes. */
import type { Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

export class MfaRepository {
  constructor(private readonly db: Queryable) {}

  async totp(
    userId: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<{ secret_enc: Buffer; confirmed_at: Date | null; last_used_step: number } | undefined> {
    const result = await this.db.query<{ secret_enc: Buffer; confirmed_at: Date | null; last_used_step: number }>(
      `SELECT secret_enc, confirmed_at, last_used_step FROM mfa_totp WHERE user_id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [userId],
    );
    return result.rows[0];
  }

  /** A pending (unconfirmed) enrolment replaces an earlier pending one, never a confirmed one. */
  async startEnrollment(userId: string, secretEnc: Buffer, now: Date): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO mfa_totp (user_id, secret_enc, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET secret_enc = $2, created_at = $3, last_used_step = 0 WHERE mfa_totp.confirmed_at IS NULL`,
      [userId, secretEnc, now],
    );
    return (result.rowCount ?? 0) === 1;
  }

  async confirm(userId: string, step: number, now: Date): Promise<void> {
    await this.db.query('UPDATE mfa_totp SET confirmed_at = $2, last_used_step = $3 WHERE user_id = $1', [
      userId,
      now,
      step,
    ]);
  }

  async useStep(userId: string, step: number): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE mfa_totp SET last_used_step = $2 WHERE user_id = $1 AND last_used_step < $2',
      [userId, step],
    );
    return (result.rowCount ?? 0) === 1;
  }

  async remove(userId: string): Promise<void> {
    await this.db.query('DELETE FROM mfa_totp WHERE user_id = $1', [userId]);
    await this.db.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
  }

  async replaceRecoveryCodes(userId: string, hashes: readonly string[], now: Date): Promise<void> {
    await this.db.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
    await this.db.query(
      'INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) SELECT $1, unnest($2::text[]), $3',
      [userId, hashes, now],
    );
  }

  async useRecoveryCode(userId: string, hash: string, now: Date): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE mfa_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL',
      [userId, hash, now],
    );
    return (result.rowCount ?? 0) === 1;
  }

  async remainingRecoveryCodes(userId: string): Promise<number> {
    const result = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return result.rows[0]?.n ?? 0;
  }
}

export type MfaStore = PortOf<MfaRepository>;
