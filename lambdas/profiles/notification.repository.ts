/** Notification preferences, the send log (frequency caps) and the candidates of each run. */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { isUniqueViolation, parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

const prefsRow = z.object({
  user_id: z.string(),
  nudges_enabled: z.boolean(),
  digest_enabled: z.boolean(),
  quiet_start_hour: z.number().int(),
  quiet_end_hour: z.number().int(),
  unsubscribe_token: z.string(),
});
export type PreferencesRow = z.infer<typeof prefsRow>;

/** The city, not its time zone: cities are platform's table, read through its CityDirectory. */
const candidateRow = z.object({
  owner_user_id: z.string(),
  contact_email: z.string(),
  city_code: z.string().nullable(),
});
export type CandidateRow = z.infer<typeof candidateRow>;

export class NotificationRepository {
  constructor(private readonly db: Queryable) {}

  /** Preferences exist from first use; the unsubscribe token is random and unguessable. */
  async preferences(userId: string): Promise<PreferencesRow> {
    const result = await this.db.query(
      `INSERT INTO notification_preferences (user_id, unsubscribe_token) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
       RETURNING user_id, nudges_enabled, digest_enabled, quiet_start_hour, quiet_end_hour, unsubscribe_token`,
      [userId, randomBytes(24).toString('base64url')],
    );
    return parseRows(prefsRow, result.rows)[0]!;
  }

  async update(
    userId: string,
    patch: { nudges?: boolean; digest?: boolean; quietStartHour?: number; quietEndHour?: number },
  ): Promise<PreferencesRow> {
    await this.preferences(userId);
    const result = await this.db.query(
      `UPDATE notification_preferences SET nudges_enabled = coalesce($2, nudges_enabled), digest_enabled = coalesce($3, digest_enabled),
              quiet_start_hour = coalesce($4, quiet_start_hour), quiet_end_hour = coalesce($5, quiet_end_hour), updated_at = now()
        WHERE user_id = $1 RETURNING user_id, nudges_enabled, digest_enabled, quiet_start_hour, quiet_end_hour, unsubscribe_token`,
      [userId, patch.nudges ?? null, patch.digest ?? null, patch.quietStartHour ?? null, patch.quietEndHour ?? null],
    );
    return parseRows(prefsRow, result.rows)[0]!;
  }

  async unsubscribe(token: string, kind: 'all' | 'nudges' | 'digest'): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE notification_preferences SET nudges_enabled = CASE WHEN $2 IN ('all', 'nudges') THEN false ELSE nudges_enabled END,
              digest_enabled = CASE WHEN $2 IN ('all', 'digest') THEN false ELSE digest_enabled END, updated_at = now()
        WHERE unsubscribe_token = $1`,
      [token, kind],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Owners with an unfinished draft untouched for `idleHours`, one row per owner. */
  async nudgeCandidates(now: Date, idleHours: number): Promise<CandidateRow[]> {
    const result = await this.db.query(
      `SELECT DISTINCT ON (p.owner_user_id) p.owner_user_id, p.contact_email, p.city_code
         FROM service_profiles p
        WHERE p.status = 'DRAFT' AND p.owner_status = 'ACTIVE' AND p.contact_email IS NOT NULL AND p.updated_at <= $1::timestamptz - make_interval(hours => $2)
        ORDER BY p.owner_user_id, p.updated_at DESC`,
      [now, idleHours],
    );
    return parseRows(candidateRow, result.rows);
  }

  /** Owners of published profiles (the weekly digest audience). */
  async digestCandidates(): Promise<CandidateRow[]> {
    const result = await this.db.query(
      `SELECT DISTINCT ON (p.owner_user_id) p.owner_user_id, p.contact_email, p.city_code
         FROM service_profiles p
        WHERE p.status = 'PUBLISHED' AND p.owner_status = 'ACTIVE' AND p.contact_email IS NOT NULL
        ORDER BY p.owner_user_id, p.updated_at DESC`,
    );
    return parseRows(candidateRow, result.rows);
  }

  async sentSince(userId: string, kind: 'NUDGE' | 'DIGEST', since: Date): Promise<number> {
    const result = await this.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM notification_log WHERE user_id = $1 AND kind = $2 AND sent_at > $3',
      [userId, kind, since],
    );
    return result.rows[0]?.count ?? 0;
  }

  /**
   * Serialises claims of one (user, kind) until the caller's transaction ends, so two overlapping
   * runs cannot both pass the frequency caps before either has claimed.
   */
  async lockRecipient(userId: string, kind: 'NUDGE' | 'DIGEST'): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`notify:${kind}:${userId}`]);
  }

  /**
   * Claims (user, kind, period) before anything is sent: the unique key makes the claim the single
   * winner among overlapping or retried runs. False when the period is already claimed.
   */
  async claim(userId: string, kind: 'NUDGE' | 'DIGEST', period: string, at: Date): Promise<boolean> {
    try {
      const result = await this.db.query(
        'INSERT INTO notification_log (user_id, kind, period, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT ON CONSTRAINT notification_log_claim_key DO NOTHING',
        [userId, kind, period, at],
      );
      return (result.rowCount ?? 0) > 0;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** A send that failed gives its claim back, so the next run may try again. */
  async releaseClaim(userId: string, kind: 'NUDGE' | 'DIGEST', period: string): Promise<void> {
    await this.db.query('DELETE FROM notification_log WHERE user_id = $1 AND kind = $2 AND period = $3', [
      userId,
      kind,
      period,
    ]);
  }

  /** Account deleted: no more nudges or digests, and the old unsubscribe token stops identifying anyone. */
  async disableAll(userId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO notification_preferences (user_id, nudges_enabled, digest_enabled, unsubscribe_token) VALUES ($1, false, false, $2)
       ON CONFLICT (user_id) DO UPDATE SET nudges_enabled = false, digest_enabled = false, unsubscribe_token = EXCLUDED.unsubscribe_token, updated_at = now()`,
      [userId, randomBytes(24).toString('base64url')],
    );
  }
}

export type NotificationStore = PortOf<NotificationRepository>;
