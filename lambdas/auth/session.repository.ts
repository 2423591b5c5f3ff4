/** SQL for sessions (refresh-token families), retired refresh tokens and devices. */
import * as z from 'zod';
import type { Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { parseRows } from '../core/db/database.ts';

export const sessionRowSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  device_id: z.string().nullable(),
  amr: z.array(z.string()),
  auth_time: z.date(),
  step_up_at: z.date().nullable(),
  current_token_hash: z.string(),
  previous_token_hash: z.string().nullable(),
  current_token_enc: z.instanceof(Buffer).nullable(),
  rotated_at: z.date(),
  idle_expires_at: z.date(),
  absolute_expires_at: z.date(),
  last_seen_at: z.date(),
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  created_at: z.date(),
  revoked_at: z.date().nullable(),
  revoke_reason: z.string().nullable(),
});
export type SessionRow = z.infer<typeof sessionRowSchema>;

const deviceRowSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  user_agent: z.string().nullable(),
  first_ip: z.string().nullable(),
  first_seen_at: z.date(),
  last_seen_at: z.date(),
});
export type DeviceRow = z.infer<typeof deviceRowSchema>;

export class SessionRepository {
  constructor(private readonly db: Queryable) {}

  async insert(session: {
    id: string;
    userId: string;
    deviceId: string | null;
    amr: readonly string[];
    authTime: Date;
    stepUpAt: Date | null;
    tokenHash: string;
    idleExpiresAt: Date;
    absoluteExpiresAt: Date;
    userAgent: string | null;
    ip: string | null;
    now: Date;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO auth_sessions (id, user_id, device_id, amr, auth_time, step_up_at, current_token_hash, rotated_at, idle_expires_at, absolute_expires_at, last_seen_at, user_agent, ip, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $12, $8, $9, $12, $10, $11, $12)`,
      [
        session.id,
        session.userId,
        session.deviceId,
        session.amr,
        session.authTime,
        session.stepUpAt,
        session.tokenHash,
        session.idleExpiresAt,
        session.absoluteExpiresAt,
        session.userAgent?.slice(0, 300) ?? null,
        session.ip,
        session.now,
      ],
    );
  }

  async byId(id: string, options: { forUpdate?: boolean } = {}): Promise<SessionRow | undefined> {
    const result = await this.db.query(
      `SELECT * FROM auth_sessions WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return parseRows(sessionRowSchema, result.rows)[0];
  }

  async byCurrentToken(tokenHash: string): Promise<SessionRow | undefined> {
    const result = await this.db.query('SELECT * FROM auth_sessions WHERE current_token_hash = $1 FOR UPDATE', [
      tokenHash,
    ]);
    return parseRows(sessionRowSchema, result.rows)[0];
  }

  /** The session that rotated away from this token most recently (the reuse grace window). */
  async byPreviousToken(tokenHash: string): Promise<SessionRow | undefined> {
    const result = await this.db.query('SELECT * FROM auth_sessions WHERE previous_token_hash = $1 FOR UPDATE', [
      tokenHash,
    ]);
    return parseRows(sessionRowSchema, result.rows)[0];
  }

  async sessionOfRetiredToken(tokenHash: string): Promise<string | undefined> {
    const result = await this.db.query<{ session_id: string }>(
      'SELECT session_id FROM auth_retired_refresh_tokens WHERE token_hash = $1',
      [tokenHash],
    );
    return result.rows[0]?.session_id;
  }

  /** `newTokenEnc`: the successor, sealed, so a concurrent refresh within the grace window gets the same one. */
  async rotate(
    sessionId: string,
    rotation: { oldHash: string; newHash: string; newTokenEnc: Buffer; idleExpiresAt: Date; now: Date },
  ): Promise<void> {
    await this.db.query(
      'INSERT INTO auth_retired_refresh_tokens (token_hash, session_id, retired_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [rotation.oldHash, sessionId, rotation.now],
    );
    await this.db.query(
      'UPDATE auth_sessions SET previous_token_hash = $2, current_token_hash = $3, current_token_enc = $4, rotated_at = $5, last_seen_at = $5, idle_expires_at = $6 WHERE id = $1',
      [sessionId, rotation.oldHash, rotation.newHash, rotation.newTokenEnc, rotation.now, rotation.idleExpiresAt],
    );
  }

  async markSteppedUp(sessionId: string, now: Date, addAmr: readonly string[]): Promise<void> {
    await this.db.query(
      `UPDATE auth_sessions SET step_up_at = $2, amr = ARRAY(SELECT DISTINCT unnest(amr || $3::text[])) WHERE id = $1`,
      [sessionId, now, addAmr],
    );
  }

  async revoke(sessionId: string, reason: string, now: Date): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE auth_sessions SET revoked_at = $3, revoke_reason = $2 WHERE id = $1 AND revoked_at IS NULL',
      [sessionId, reason, now],
    );
    return (result.rowCount ?? 0) === 1;
  }

  async revokeAllForUser(userId: string, reason: string, now: Date, exceptSessionId?: string): Promise<number> {
    const result = await this.db.query(
      'UPDATE auth_sessions SET revoked_at = $3, revoke_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $4',
      [userId, reason, now, exceptSessionId ?? null],
    );
    return result.rowCount ?? 0;
  }

  async activeForUser(userId: string, now: Date): Promise<(SessionRow & { device_user_agent: string | null })[]> {
    const result = await this.db.query(
      `SELECT s.*, d.user_agent AS device_user_agent FROM auth_sessions s LEFT JOIN auth_devices d ON d.id = s.device_id
       WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.idle_expires_at > $2 AND s.absolute_expires_at > $2
       ORDER BY s.last_seen_at DESC LIMIT 100`,
      [userId, now],
    );
    return parseRows(sessionRowSchema.extend({ device_user_agent: z.string().nullable() }), result.rows);
  }

  // Devices -----------------------------------------------------------------------------------

  async deviceByToken(userId: string, tokenHash: string): Promise<DeviceRow | undefined> {
    const result = await this.db.query(
      'SELECT id, user_id, user_agent, first_ip, first_seen_at, last_seen_at FROM auth_devices WHERE user_id = $1 AND token_hash = $2',
      [userId, tokenHash],
    );
    return parseRows(deviceRowSchema, result.rows)[0];
  }

  async insertDevice(device: {
    id: string;
    userId: string;
    tokenHash: string;
    userAgent: string | null;
    ip: string | null;
    now: Date;
  }): Promise<void> {
    await this.db.query(
      'INSERT INTO auth_devices (id, user_id, token_hash, user_agent, first_ip, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $6)',
      [device.id, device.userId, device.tokenHash, device.userAgent?.slice(0, 300) ?? null, device.ip, device.now],
    );
  }

  async touchDevice(deviceId: string, now: Date): Promise<void> {
    await this.db.query('UPDATE auth_devices SET last_seen_at = $2 WHERE id = $1', [deviceId, now]);
  }

  async devices(userId: string): Promise<DeviceRow[]> {
    const result = await this.db.query(
      // A page-size cap kept server-side (AppSync has no cost limit): the 100 most recently seen.
      'SELECT id, user_id, user_agent, first_ip, first_seen_at, last_seen_at FROM auth_devices WHERE user_id = $1 ORDER BY last_seen_at DESC LIMIT 100',
      [userId],
    );
    return parseRows(deviceRowSchema, result.rows);
  }

  async deleteDevice(userId: string, deviceId: string, now: Date): Promise<boolean> {
    await this.db.query(
      `UPDATE auth_sessions SET revoked_at = $3, revoke_reason = 'device_removed' WHERE user_id = $1 AND device_id = $2 AND revoked_at IS NULL`,
      [userId, deviceId, now],
    );
    const result = await this.db.query('DELETE FROM auth_devices WHERE user_id = $1 AND id = $2', [userId, deviceId]);
    return (result.rowCount ?? 0) === 1;
  }
}

export type SessionStore = PortOf<SessionRepository>;
