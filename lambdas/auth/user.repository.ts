/** SQL for accounts, linked identities, consents and login throttling. Rows are validated on the way out. */
import * as z from 'zod';
import type { Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { parseRows } from '../core/db/database.ts';
import type { Role } from '../core/identity.ts';
import { ROLES } from '../core/identity.ts';

export const userRowSchema = z.object({
  id: z.string(),
  email: z.string().nullable(),
  email_verified_at: z.date().nullable(),
  password_hash: z.string().nullable(),
  password_changed_at: z.date().nullable(),
  display_name: z.string().nullable(),
  phone: z.string().nullable(),
  phone_verified_at: z.date().nullable(),
  roles: z.array(z.enum(ROLES)),
  status: z.enum(['active', 'deleted']),
  created_at: z.date(),
  deleted_at: z.date().nullable(),
  last_export_at: z.date().nullable(),
  mfa_enabled: z.boolean(),
});
export type UserRow = z.infer<typeof userRowSchema>;

const USER_COLUMNS = `u.id, u.email::text AS email, u.email_verified_at, u.password_hash, u.password_changed_at, u.display_name, u.phone, u.phone_verified_at,
  u.roles, u.status, u.created_at, u.deleted_at, u.last_export_at,
  EXISTS (SELECT 1 FROM mfa_totp t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS mfa_enabled`;

const throttleRowSchema = z.object({
  identifier_hash: z.string(),
  failures: z.number(),
  lockout_level: z.number(),
  locked_until: z.date().nullable(),
  last_failure_at: z.date().nullable(),
});
export type ThrottleRow = z.infer<typeof throttleRowSchema>;

const consentRowSchema = z.object({
  kind: z.enum(['terms', 'privacy', 'marketing']),
  version: z.string(),
  granted: z.boolean(),
  recorded_at: z.date(),
});
export type ConsentRow = z.infer<typeof consentRowSchema>;

export type ConsentKind = ConsentRow['kind'];

export class UserRepository {
  constructor(private readonly db: Queryable) {}

  async byEmail(email: string): Promise<UserRow | undefined> {
    const result = await this.db.query(
      `SELECT ${USER_COLUMNS} FROM users u WHERE u.email = $1 AND u.status = 'active'`,
      [email],
    );
    return parseRows(userRowSchema, result.rows)[0];
  }

  async byId(id: string, options: { forUpdate?: boolean } = {}): Promise<UserRow | undefined> {
    const result = await this.db.query(
      `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1${options.forUpdate ? ' FOR UPDATE OF u' : ''}`,
      [id],
    );
    return parseRows(userRowSchema, result.rows)[0];
  }

  async insert(user: {
    id: string;
    email: string | null;
    passwordHash: string | null;
    roles: readonly Role[];
    emailVerifiedAt: Date | null;
    displayName: string | null;
    now: Date;
  }): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO users (id, email, password_hash, password_changed_at, roles, email_verified_at, display_name, created_at)
       VALUES ($1, $2, $3, CASE WHEN $3::text IS NULL THEN NULL ELSE $7::timestamptz END, $4, $5, $6, $7)
       ON CONFLICT (email) DO NOTHING`,
      [user.id, user.email, user.passwordHash, user.roles, user.emailVerifiedAt, user.displayName, user.now],
    );
    return (result.rowCount ?? 0) === 1;
  }

  /**
   * A new sign-up for an address nobody has verified yet replaces the earlier one's credentials and
   * profile (pre-registration takeover: the first registrant may not be the mailbox owner). Only
   * while unverified; false when the account was verified meanwhile.
   */
  async replaceUnverifiedRegistration(
    userId: string,
    registration: { passwordHash: string; roles: readonly Role[]; displayName: string | null; now: Date },
  ): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE users SET password_hash = $2, password_changed_at = $5, roles = $3, display_name = $4
       WHERE id = $1 AND email_verified_at IS NULL AND status = 'active'`,
      [userId, registration.passwordHash, registration.roles, registration.displayName, registration.now],
    );
    return (result.rowCount ?? 0) === 1;
  }

  /** Consent proofs of a replaced registration were given by someone else: they go with it. */
  async deleteConsents(userId: string): Promise<void> {
    await this.db.query('DELETE FROM consent_records WHERE user_id = $1', [userId]);
  }

  async markEmailVerified(userId: string, now: Date): Promise<void> {
    await this.db.query('UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1', [
      userId,
      now,
    ]);
  }

  async setPassword(userId: string, passwordHash: string, now: Date): Promise<void> {
    await this.db.query('UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1', [
      userId,
      passwordHash,
      now,
    ]);
  }

  async setEmail(userId: string, email: string, now: Date): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE users SET email = $2, email_verified_at = $3 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $2)`,
      [userId, email, now],
    );
    return (result.rowCount ?? 0) === 1;
  }

  async setPhone(userId: string, phone: string, now: Date): Promise<void> {
    await this.db.query('UPDATE users SET phone = $2, phone_verified_at = $3 WHERE id = $1', [userId, phone, now]);
  }

  async setRoles(userId: string, roles: readonly Role[]): Promise<boolean> {
    const result = await this.db.query(`UPDATE users SET roles = $2 WHERE id = $1 AND status = 'active'`, [
      userId,
      roles,
    ]);
    return (result.rowCount ?? 0) === 1;
  }

  async markExported(userId: string, now: Date): Promise<void> {
    await this.db.query('UPDATE users SET last_export_at = $2 WHERE id = $1', [userId, now]);
  }

  /** Erasure: contact data and credentials go; the pseudonymous id stays (ledgers, audit chain). */
  async erase(userId: string, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE users SET email = NULL, email_verified_at = NULL, password_hash = NULL, display_name = NULL, phone = NULL, phone_verified_at = NULL,
         status = 'deleted', deleted_at = $2 WHERE id = $1`,
      [userId, now],
    );
    await this.db.query('DELETE FROM user_identities WHERE user_id = $1', [userId]);
    await this.db.query('DELETE FROM mfa_totp WHERE user_id = $1', [userId]);
    await this.db.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
    await this.db.query('DELETE FROM auth_codes WHERE user_id = $1', [userId]);
    await this.db.query('DELETE FROM auth_sessions WHERE user_id = $1', [userId]);
    await this.db.query('DELETE FROM auth_devices WHERE user_id = $1', [userId]);
    await this.db.query('UPDATE consent_records SET ip = NULL, user_agent = NULL WHERE user_id = $1', [userId]);
  }

  // Linked identities -------------------------------------------------------------------------

  async identity(provider: string, subject: string): Promise<{ user_id: string } | undefined> {
    const result = await this.db.query<{ user_id: string }>(
      'SELECT user_id FROM user_identities WHERE provider = $1 AND provider_subject = $2',
      [provider, subject],
    );
    return result.rows[0];
  }

  async linkIdentity(link: {
    provider: string;
    subject: string;
    userId: string;
    email: string | null;
    privateRelay: boolean;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO user_identities (provider, provider_subject, user_id, email, private_relay) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider, provider_subject) DO NOTHING`,
      [link.provider, link.subject, link.userId, link.email, link.privateRelay],
    );
  }

  async identities(userId: string): Promise<{ provider: string; email: string | null; created_at: Date }[]> {
    const result = await this.db.query<{ provider: string; email: string | null; created_at: Date }>(
      'SELECT provider, email::text AS email, created_at FROM user_identities WHERE user_id = $1 ORDER BY created_at',
      [userId],
    );
    return result.rows;
  }

  // Consents ----------------------------------------------------------------------------------

  async recordConsent(consent: {
    userId: string;
    kind: ConsentKind;
    version: string;
    granted: boolean;
    ip: string | null;
    userAgent: string | null;
    now: Date;
  }): Promise<void> {
    await this.db.query(
      'INSERT INTO consent_records (user_id, kind, version, granted, ip, user_agent, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        consent.userId,
        consent.kind,
        consent.version,
        consent.granted,
        consent.ip,
        consent.userAgent?.slice(0, 300) ?? null,
        consent.now,
      ],
    );
  }

  /** The latest record of each consent kind (the index on user_id, kind, recorded_at serves it). */
  async latestConsents(userId: string): Promise<ConsentRow[]> {
    const result = await this.db.query(
      `SELECT DISTINCT ON (kind) kind, version, granted, recorded_at FROM consent_records
        WHERE user_id = $1 ORDER BY kind, recorded_at DESC, id DESC`,
      [userId],
    );
    return parseRows(consentRowSchema, result.rows);
  }

  /** Newest first; `limit` caps what an API answer lists (the data export passes none: it is complete). */
  async consentHistory(userId: string, limit?: number): Promise<ConsentRow[]> {
    const result = await this.db.query(
      `SELECT kind, version, granted, recorded_at FROM consent_records WHERE user_id = $1 ORDER BY recorded_at DESC, id DESC${
        limit ? ' LIMIT $2' : ''
      }`,
      limit ? [userId, limit] : [userId],
    );
    return parseRows(consentRowSchema, result.rows);
  }

  // Login throttle ----------------------------------------------------------------------------

  /**
   * The identifier's throttle row. `forUpdate` locks it for the rest of the transaction; with
   * `createIfAbsent` a zero row is inserted first, so there is always a row to lock: `FOR UPDATE`
   * on a missing row locks nothing, and concurrent first failures would each start from zero and
   * overwrite one another (lost updates, a lock skipped or erased). Concurrent inserts wait for each
   * other on the primary key, so every caller then reads the latest committed count.
   */
  async throttle(
    identifierHash: string,
    options: { forUpdate?: boolean; createIfAbsent?: boolean } = {},
  ): Promise<ThrottleRow | undefined> {
    if (options.createIfAbsent)
      await this.db.query(
        'INSERT INTO auth_login_throttle (identifier_hash) VALUES ($1) ON CONFLICT (identifier_hash) DO NOTHING',
        [identifierHash],
      );
    const result = await this.db.query(
      `SELECT * FROM auth_login_throttle WHERE identifier_hash = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [identifierHash],
    );
    return parseRows(throttleRowSchema, result.rows)[0];
  }

  async saveThrottle(row: ThrottleRow): Promise<void> {
    await this.db.query(
      `INSERT INTO auth_login_throttle (identifier_hash, failures, lockout_level, locked_until, last_failure_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (identifier_hash) DO UPDATE SET failures = $2, lockout_level = $3, locked_until = $4, last_failure_at = $5`,
      [row.identifier_hash, row.failures, row.lockout_level, row.locked_until, row.last_failure_at],
    );
  }

  async clearThrottle(identifierHash: string): Promise<void> {
    await this.db.query('DELETE FROM auth_login_throttle WHERE identifier_hash = $1', [identifierHash]);
  }
}

export type UserStore = PortOf<UserRepository>;
