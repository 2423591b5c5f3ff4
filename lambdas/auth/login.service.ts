/**
 * Signing in: password login without account enumeration, lockout with exponential back-off and
 * an emailed unlock link, a risk score that demands a CAPTCHA, the MFA challenge, password reset
 * by emailed code, and Google / Apple ID-token sign-in.
 */
import { appendAudit } from '../core/db/audit-log.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import type { AuthTx } from './auth.repositories.ts';
import { ConflictError, UnauthenticatedError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import {
  CURRENT_PRIVACY_VERSION,
  CURRENT_TERMS_VERSION,
  limit,
  normaliseEmail,
  sendAll,
  type AuthDeps,
  type RequestMeta,
} from './auth-deps.ts';
import { authRateLimits } from './auth-rate-limits.ts';
import {
  AccountLockedError,
  CaptchaRequiredError,
  EmailNotVerifiedError,
  InvalidCodeError,
  InvalidCredentialsError,
} from './auth.errors.ts';
import { emailTemplates } from './email-templates.ts';
import type { SocialProvider } from './id-token-verifier.ts';
import type { MfaService, SecondFactorMethod } from './mfa.service.ts';
import { OneTimeCodes } from './one-time-codes.ts';
import { normalisePassword } from './password-policy.ts';
import type { IssuedSession, SessionService } from './session.service.ts';
import { type ThrottleRow, type UserRow } from './user.repository.ts';
import type { RateLimitPolicy } from '../core/ports.ts';

export const MAX_FAILURES = 5;
/** Prefix of the code subject checked for an email without an account (never a real user id). */
const UNKNOWN_ACCOUNT_SUBJECT = 'unknown:';
/**
 * Lockout lasts 1, 2, 4, 8, then 15 minutes: long enough to stop guessing, short enough that a malicious
 * lockout does not keep the owner out for long (and the unlock link ends it at once).
 */
export function lockoutSeconds(level: number): number {
  return Math.min(15 * 60, 60 * 2 ** Math.max(0, level - 1));
}
/** Failures and lockout levels older than this are forgotten. */
const THROTTLE_MEMORY_MS = 24 * 3600_000;
export const CAPTCHA_RISK_THRESHOLD = 50;

export function captchaRequired(risk: number): boolean {
  return risk >= CAPTCHA_RISK_THRESHOLD;
}

/** A day without failures (and no lockout running) forgets the failures and the lockout level. */
export function freshThrottle(row: ThrottleRow | undefined, now: Date): ThrottleRow | undefined {
  if (!row) return undefined;
  if (
    row.last_failure_at &&
    now.getTime() - row.last_failure_at.getTime() > THROTTLE_MEMORY_MS &&
    (!row.locked_until || row.locked_until <= now)
  ) {
    return { ...row, failures: 0, lockout_level: 0 };
  }
  return row;
}

/**
 * The throttle after one more failed sign-in: the MAX_FAILURES-th failure locks the identifier at
 * the next level (1, 2, 4, 8, 15, 15, ... minutes) and starts counting afresh, so every further
 * lock needs another MAX_FAILURES wrong guesses.
 */
export function afterFailure(
  current: ThrottleRow | undefined,
  identifier: string,
  now: Date,
): { row: ThrottleRow; lock: { level: number; seconds: number } | undefined } {
  const row = freshThrottle(current, now) ?? {
    identifier_hash: identifier,
    failures: 0,
    lockout_level: 0,
    locked_until: null,
    last_failure_at: null,
  };
  const failures = row.failures + 1;
  if (failures < MAX_FAILURES) return { row: { ...row, failures, last_failure_at: now }, lock: undefined };
  const level = row.lockout_level + 1;
  const seconds = lockoutSeconds(level);
  return {
    row: {
      identifier_hash: identifier,
      failures: 0,
      lockout_level: level,
      locked_until: new Date(now.getTime() + seconds * 1000),
      last_failure_at: now,
    },
    lock: { level, seconds },
  };
}

export type LoginOutcome =
  | { readonly kind: 'session'; readonly session: IssuedSession }
  | {
      readonly kind: 'mfa_required';
      readonly mfaToken: string;
      readonly methods: readonly SecondFactorMethod[];
      readonly expiresInSeconds: number;
    };

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  readonly captchaToken?: string | undefined;
  readonly deviceToken?: string | undefined;
}

export class LoginService {
  private readonly codes: OneTimeCodes;

  constructor(
    private readonly deps: AuthDeps,
    private readonly sessions: SessionService,
    private readonly mfa: MfaService,
  ) {
    this.codes = new OneTimeCodes(deps);
  }

  private identifier(email: string): string {
    return this.deps.box.mac('login-identifier', email);
  }

  /**
   * Risk 0–100 from what we know before checking the password, identical for known and unknown
   * emails: recent failures on the identifier, the IP's sign-in velocity, an unrecognised device.
   */
  async riskScore(
    throttle: ThrottleRow | undefined,
    meta: RequestMeta,
    deviceToken: string | undefined,
  ): Promise<number> {
    let score = 0;
    score += 25 * Math.min(4, throttle?.failures ?? 0);
    if (meta.ip && !this.deps.settings.rateLimitExemptIps.has(meta.ip)) {
      const velocity = await this.deps.limiter.consume(authRateLimits.loginVelocityPerIp, meta.ip);
      if (!velocity.allowed) score += 50;
    }
    if (!deviceToken) score += 10;
    return Math.min(100, score);
  }

  /**
   * Targeted lockout: guesses from anywhere spend the identity's bucket and lockout, so an attacker
   * trickling wrong passwords from many IPs could keep the owner out. A browser presenting a device
   * cookie this account issued (it signed in here before) is judged on its own: a per-device bucket
   * and a per-device lockout (OWASP "device cookies"). The price: each known device has a budget
   * of its own, so a stolen device cookie buys guesses in addition to the identity's (MAX_FAILURES
   * per back-off step and the device bucket, each device lockout mailed to the owner), and several
   * stolen cookies add up. Device cookies are HttpOnly and removable (removeDevice), which bounds it.
   */
  private async throttleKeyFor(
    user: UserRow | undefined,
    deviceToken: string | undefined,
    identifier: string,
  ): Promise<{ key: string; policy: RateLimitPolicy; knownDevice: boolean }> {
    const deviceId = user && deviceToken ? await this.sessions.knownDeviceId(user.id, deviceToken) : undefined;
    if (deviceId)
      return {
        key: this.deps.box.mac('login-device', deviceId),
        policy: authRateLimits.loginPerDevice,
        knownDevice: true,
      };
    return { key: identifier, policy: authRateLimits.loginPerIdentity, knownDevice: false };
  }

  async login(input: LoginInput, meta: RequestMeta): Promise<LoginOutcome> {
    const email = normaliseEmail(input.email);
    const identifier = this.identifier(email);
    const user = await this.deps.db.users.byEmail(email);
    const throttleKey = await this.throttleKeyFor(user, input.deviceToken, identifier);
    await limit(this.deps, meta, {
      ip: authRateLimits.loginPerIp,
      identity: throttleKey.policy,
      identityKey: throttleKey.key,
    });
    const now = this.deps.clock.now();
    const throttle = freshThrottle(await this.deps.db.users.throttle(throttleKey.key), now);
    if (throttle?.locked_until && throttle.locked_until > now)
      throw new AccountLockedError((throttle.locked_until.getTime() - now.getTime()) / 1000);

    const risk = await this.riskScore(throttle, meta, throttleKey.knownDevice ? input.deviceToken : undefined);
    if (captchaRequired(risk)) {
      if (!input.captchaToken) throw new CaptchaRequiredError(this.deps.settings.captchaSiteKey, false);
      if (!(await this.deps.captcha.verify(input.captchaToken, meta.ip ?? '')))
        throw new CaptchaRequiredError(this.deps.settings.captchaSiteKey, true);
    }

    const password = normalisePassword(input.password);
    let valid = false;
    if (user?.password_hash) valid = await this.deps.hasher.verify(user.password_hash, password);
    else await this.deps.hasher.burn(password); // same work as a real verification
    if (!user || !valid) {
      await this.recordFailure(throttleKey.key, user, meta);
      throw new InvalidCredentialsError();
    }
    if (!user.email_verified_at) {
      const code = await this.deps.db.transaction((tx) => this.codes.issueCode(tx, 'verify_email', user.id, null));
      await sendAll(this.deps, [emailTemplates.verifyEmail(email, code)]);
      throw new EmailNotVerifiedError();
    }
    await this.clearThrottleUnlessLocked(throttleKey.key);
    if (this.deps.hasher.needsRehash(user.password_hash!)) {
      await this.deps.db.users.setPassword(
        user.id,
        await this.deps.hasher.hash(password),
        user.password_changed_at ?? now,
      );
    }
    return this.completeFirstFactor(user, 'password', ['pwd'], input.deviceToken, meta);
  }

  /** After the first factor: an MFA challenge when the account has TOTP, else a session. */
  private async completeFirstFactor(
    user: UserRow,
    method: string,
    amr: readonly string[],
    deviceToken: string | undefined,
    meta: RequestMeta,
  ): Promise<LoginOutcome> {
    if (user.mfa_enabled) {
      const mfaToken = await this.deps.db.transaction(async (tx) => {
        const token = await this.codes.issueSecret(tx, 'mfa_challenge', user.id, JSON.stringify({ amr, method }));
        await appendAudit(
          tx,
          {
            actor: user.id,
            action: 'auth.login.mfa_challenged',
            subject: user.id,
            details: { method, ip: meta.ip ?? null },
          },
          this.deps.clock.now(),
        );
        return token;
      });
      return { kind: 'mfa_required', mfaToken, methods: this.mfa.methodsFor(user), expiresInSeconds: 300 };
    }
    return { kind: 'session', session: await this.startSession(user, method, amr, deviceToken, meta, false) };
  }

  private async startSession(
    user: UserRow,
    method: string,
    amr: readonly string[],
    deviceToken: string | undefined,
    meta: RequestMeta,
    stepUp: boolean,
  ): Promise<IssuedSession> {
    const { issued, authTime, stepUpAt, after } = await this.deps.db.transaction((tx) =>
      this.sessions.create(tx, user, { amr, method, deviceToken, meta, stepUp }),
    );
    await after();
    return this.sessions.sign(issued, authTime, stepUpAt);
  }

  /** Second step of an MFA sign-in: the challenge token from /auth/login plus a TOTP or recovery code. */
  async completeMfa(
    input: { mfaToken: string; method: SecondFactorMethod; code: string; deviceToken?: string | undefined },
    meta: RequestMeta,
  ): Promise<IssuedSession> {
    await limit(this.deps, meta, { ip: authRateLimits.codeCheckPerIp });
    const outcome = await this.deps.db.transaction(async (tx) => {
      const challenge = await this.codes.peekSecret(tx, 'mfa_challenge', input.mfaToken);
      const user = challenge.user_id ? await tx.users.byId(challenge.user_id) : undefined;
      if (!user || user.status !== 'active') throw new InvalidCodeError();
      // Limit per account too, so a stolen password cannot brute-force TOTP through many challenges.
      await limit(this.deps, {} as RequestMeta, {
        identity: authRateLimits.codeCheckPerIdentity,
        identityKey: user.id,
      });
      const proved = await this.mfa.verifySecondFactor(tx, user, input.method, input.code);
      if (!proved) {
        await this.codes.countAttempt(tx, challenge);
        await appendAudit(
          tx,
          {
            actor: user.id,
            action: 'auth.login.mfa_failed',
            subject: user.id,
            details: { method: input.method, ip: meta.ip ?? null },
          },
          this.deps.clock.now(),
        );
        return { kind: 'invalid' as const };
      }
      await this.codes.consumeRow(tx, challenge);
      const first = JSON.parse(challenge.target ?? '{}') as { amr?: string[]; method?: string };
      const amr = [...new Set([...(first.amr ?? []), ...proved])];
      const created = await this.sessions.create(tx, user, {
        amr,
        method: `${first.method ?? 'password'}+${input.method}`,
        deviceToken: input.deviceToken,
        meta,
        stepUp: true,
      });
      return { kind: 'ok' as const, ...created };
    });
    if (outcome.kind === 'invalid') throw new InvalidCodeError();
    await outcome.after();
    // An MFA sign-in is a second factor just now: the token says so, for every domain's step-up check.
    return this.sessions.sign(outcome.issued, outcome.authTime, outcome.stepUpAt);
  }

  /**
   * After the right password: forgets the failures, unless a lock was set since the check at the
   * start of this request (guesses arriving together); then this sign-in is refused like any other
   * while locked, and the lock stays.
   */
  private async clearThrottleUnlessLocked(identifier: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const row = await tx.users.throttle(identifier, { forUpdate: true });
      if (!row) return;
      if (row.locked_until && row.locked_until > now)
        throw new AccountLockedError((row.locked_until.getTime() - now.getTime()) / 1000);
      await tx.users.clearThrottle(identifier);
    });
  }

  /**
   * Counts a failure on the identifier (known or not); the fifth locks it and mails the owner an
   * unlock link. Serialised per identifier on its throttle row (created if absent, then locked), so
   * concurrent guesses count one by one: at most MAX_FAILURES are judged before the lock holds, a
   * guess that finds the lock already set (it passed the check at the start before the lock) is
   * refused as locked and not counted, and nothing here ever shortens or clears a lock.
   */
  private async recordFailure(identifier: string, user: UserRow | undefined, meta: RequestMeta): Promise<void> {
    const messages = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const current = await tx.users.throttle(identifier, { forUpdate: true, createIfAbsent: true });
      if (current?.locked_until && current.locked_until > now)
        throw new AccountLockedError((current.locked_until.getTime() - now.getTime()) / 1000);
      const { row, lock } = afterFailure(current, identifier, now);
      await tx.users.saveThrottle(row);
      const out = [];
      if (lock) {
        const { level, seconds } = lock;
        await appendAudit(
          tx,
          {
            actor: 'system:auth',
            action: 'auth.login.locked',
            subject: user?.id ?? null,
            details: { level, seconds, ip: meta.ip ?? null },
          },
          now,
        );
        if (user?.email) {
          const token = await this.codes.issueSecret(tx, 'unlock', user.id, identifier);
          out.push(
            emailTemplates.locked(
              user.email,
              `${this.deps.settings.publicBaseUrl}/auth/unlock?token=${encodeURIComponent(token)}`,
              Math.round(seconds / 60),
            ),
          );
        }
      } else if (user) {
        await appendAudit(
          tx,
          {
            actor: 'system:auth',
            action: 'auth.login.failed',
            subject: user.id,
            details: { failures: row.failures, ip: meta.ip ?? null },
          },
          now,
        );
      }
      return out;
    });
    await sendAll(this.deps, messages);
  }

  /**
   * The emailed unlock link: ends the lockout, forgets the failures and refills the sign-in bucket
   * of what was locked (identity or device). Otherwise an attacker who drained the bucket would
   * keep the owner out for its refill time even after the owner proved control of the mailbox.
   */
  async unlock(token: string, meta: RequestMeta): Promise<void> {
    await limit(this.deps, meta, { ip: authRateLimits.codeCheckPerIp });
    const target = await this.deps.db.transaction(async (tx) => {
      const row = await this.codes.consumeSecret(tx, 'unlock', token);
      if (row.target) await tx.users.clearThrottle(row.target);
      await appendAudit(
        tx,
        {
          actor: row.user_id ?? 'system:auth',
          action: 'auth.login.unlocked',
          subject: row.user_id,
          details: { ip: meta.ip ?? null },
        },
        this.deps.clock.now(),
      );
      return row.target;
    });
    if (target) {
      // The key names either an identity or a device; resetting both policies for it is exact.
      await this.deps.limiter.reset(authRateLimits.loginPerIdentity, target);
      await this.deps.limiter.reset(authRateLimits.loginPerDevice, target);
    }
  }

  // Password reset --------------------------------------------------------------------------

  /** Always answers the same; a code goes out only when the account exists. */
  async requestPasswordReset(rawEmail: string, meta: RequestMeta): Promise<void> {
    const email = normaliseEmail(rawEmail);
    await limit(this.deps, meta, {
      ip: authRateLimits.resetPerIp,
      identity: authRateLimits.resetPerIdentity,
      identityKey: this.identifier(email),
    });
    const user = await this.deps.db.users.byEmail(email);
    if (!user) return;
    const code = await this.deps.db.transaction(async (tx) => {
      const issued = await this.codes.issueCode(tx, 'reset_password', user.id, null);
      await appendAudit(
        tx,
        {
          actor: 'system:auth',
          action: 'auth.password_reset.requested',
          subject: user.id,
          details: { ip: meta.ip ?? null },
        },
        this.deps.clock.now(),
      );
      return issued;
    });
    await sendAll(this.deps, [emailTemplates.resetPassword(email, code)]);
  }

  /**
   * Sets a new password with the emailed code (single use, 15 minutes) and revokes every session.
   * It never signs the user in, so MFA is never bypassed: the next sign-in asks for it as usual.
   *
   * The code is checked first, for known and unknown emails alike (same lookup, same HMAC, same
   * INVALID_CODE), so the answer and its timing say nothing about whether the address has an
   * account; the password policy (and its breach check) runs only for a caller holding a valid
   * code. The code is consumed only once the new password is accepted, so a refused password does
   * not burn it.
   */
  async confirmPasswordReset(
    input: { email: string; code: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<void> {
    const email = normaliseEmail(input.email);
    await limit(this.deps, meta, {
      ip: authRateLimits.codeCheckPerIp,
      identity: authRateLimits.codeCheckPerIdentity,
      identityKey: this.identifier(email),
    });
    const user = await this.deps.db.users.byEmail(email);
    // An unknown email checks against an id no code can exist for: the same query and HMAC work.
    const subject = user?.id ?? `${UNKNOWN_ACCOUNT_SUBJECT}${this.identifier(email)}`;
    const valid = await this.deps.db.transaction((tx) =>
      this.codes.checkCode(tx, 'reset_password', subject, input.code),
    );
    if (!user || !valid) throw new InvalidCodeError();
    await this.deps.policy.assertAcceptable(input.newPassword, [email, user.display_name ?? '']);
    const hash = await this.deps.hasher.hash(normalisePassword(input.newPassword));
    const ok = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      // Consumed with the change, and checked again: a concurrent confirm may have used it.
      const row = await this.codes.consumeCode(tx, 'reset_password', user.id, input.code);
      if (!row) return false;
      await tx.users.setPassword(user.id, hash, now);
      await tx.users.markEmailVerified(user.id, now); // the code proved the mailbox
      await tx.users.clearThrottle(this.identifier(email));
      const revoked = await tx.sessions.revokeAllForUser(user.id, 'password_reset', now);
      await appendAudit(
        tx,
        {
          actor: user.id,
          action: 'auth.password_reset.completed',
          subject: user.id,
          details: { revokedSessions: revoked, ip: meta.ip ?? null },
        },
        now,
      );
      return true;
    });
    if (!ok) throw new InvalidCodeError();
    await sendAll(this.deps, [emailTemplates.passwordChanged(email)]);
  }

  // Google / Apple --------------------------------------------------------------------------

  /** A single-use nonce for the provider's sign-in request; the ID token must carry it. */
  async issueNonce(meta: RequestMeta): Promise<{ nonce: string; expiresInSeconds: number }> {
    await limit(this.deps, meta, { ip: authRateLimits.loginPerIp });
    const nonce = await this.deps.db.transaction((tx) => this.codes.issueSecret(tx, 'oauth_nonce', null, null));
    return { nonce, expiresInSeconds: 600 };
  }

  async socialLogin(
    provider: SocialProvider,
    input: {
      idToken: string;
      nonce: string;
      deviceToken?: string | undefined;
      consents?: { terms: string; privacy: string; marketing: boolean } | undefined;
    },
    meta: RequestMeta,
  ): Promise<LoginOutcome> {
    await limit(this.deps, meta, { ip: authRateLimits.loginPerIp });
    // The nonce is spent whether or not the token verifies: a captured token cannot be replayed.
    await this.deps.db
      .transaction((tx) => this.codes.consumeSecret(tx, 'oauth_nonce', input.nonce))
      .catch(() => {
        throw new UnauthenticatedError('Invalid ID token');
      });
    const identity = await this.deps.idTokens.verify(provider, input.idToken, input.nonce);
    const result = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const linked = await tx.users.identity(provider, identity.subject);
      if (linked) {
        const user = await tx.users.byId(linked.user_id);
        if (!user || user.status !== 'active') throw new UnauthenticatedError('Invalid ID token');
        return { user, created: false };
      }
      const existing = identity.email ? await tx.users.byEmail(identity.email) : undefined;
      if (existing) {
        // Link only when both sides have verified the address; otherwise an attacker who controls
        // an unverified provider email could take over the account (pre-hijacking).
        if (!identity.emailVerified || !existing.email_verified_at) {
          throw new ConflictError(
            'An account with this email exists; sign in with your password first to link it',
            'AUTH.LINK_REQUIRES_VERIFIED_EMAIL',
          );
        }
        await tx.users.linkIdentity({
          provider,
          subject: identity.subject,
          userId: existing.id,
          email: identity.email,
          privateRelay: identity.privateRelay,
        });
        await appendAudit(
          tx,
          {
            actor: existing.id,
            action: 'auth.identity.linked',
            subject: existing.id,
            details: { provider, privateRelay: identity.privateRelay },
          },
          now,
        );
        return { user: existing, created: false };
      }
      const userId = newId('user');
      const email = identity.email && identity.emailVerified ? identity.email : null;
      await tx.users.insert({
        id: userId,
        email,
        passwordHash: null,
        roles: ['client'],
        emailVerifiedAt: email ? now : null,
        displayName: identity.name,
        now,
      });
      await tx.users.linkIdentity({
        provider,
        subject: identity.subject,
        userId,
        email: identity.email,
        privateRelay: identity.privateRelay,
      });
      await this.recordSignUpConsents(tx, userId, input.consents, meta);
      await appendAudit(
        tx,
        {
          actor: userId,
          action: 'auth.signup',
          subject: userId,
          details: { method: provider, privateRelay: identity.privateRelay },
        },
        now,
      );
      await enqueueEvent(tx, buildEvent('user.registered', { userId, method: provider }));
      const user = await tx.users.byId(userId);
      return { user: user!, created: true };
    });
    return this.completeFirstFactor(result.user, provider, ['fed'], input.deviceToken, meta);
  }

  private async recordSignUpConsents(
    tx: AuthTx,
    userId: string,
    consents: { terms: string; privacy: string; marketing: boolean } | undefined,
    meta: RequestMeta,
  ): Promise<void> {
    if (!consents) return;
    const now = this.deps.clock.now();
    const base = { userId, ip: meta.ip ?? null, userAgent: meta.userAgent ?? null, now };
    await tx.users.recordConsent({
      ...base,
      kind: 'terms',
      version: consents.terms || CURRENT_TERMS_VERSION,
      granted: true,
    });
    await tx.users.recordConsent({
      ...base,
      kind: 'privacy',
      version: consents.privacy || CURRENT_PRIVACY_VERSION,
      granted: true,
    });
    await tx.users.recordConsent({
      ...base,
      kind: 'marketing',
      version: CURRENT_PRIVACY_VERSION,
      granted: consents.marketing,
    });
  }
}
