/**
 * Second factors: TOTP (RFC 6238, 30 s steps, ±1 step for clock drift, each step accepted once),
 * single-use recovery codes (stored as HMACs, shown once), and for accounts without TOTP an
 * emailed or texted code. Step-up records a fresh second factor on the session for 10 minutes.
 */
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import { appendAudit } from '../core/db/audit-log.ts';
import type { AuthTx } from './auth.repositories.ts';
import { ConflictError, ValidationError } from '../core/errors.ts';
import type { Caller } from '../core/identity.ts';
import {
  PHONE_SMS_STEP_UP_DELAY_SECONDS,
  STEP_UP_WINDOW_SECONDS,
  limit,
  sendAll,
  type AuthDeps,
  type RequestMeta,
} from './auth-deps.ts';
import { authRateLimits } from './auth-rate-limits.ts';
import { InvalidCodeError } from './auth.errors.ts';
import { emailTemplates, smsTemplates } from './email-templates.ts';
import { OneTimeCodes } from './one-time-codes.ts';
import { normaliseRecoveryCode, recoveryCode } from './secret-box.ts';
import type { SessionService } from './session.service.ts';
import { type UserRow } from './user.repository.ts';

export type SecondFactorMethod = 'totp' | 'recovery_code' | 'email_code' | 'sms_code';

export const RECOVERY_CODE_COUNT = 10;
const TOTP_ISSUER = 'RastUp';

export class MfaService {
  private readonly codes: OneTimeCodes;

  constructor(
    private readonly deps: AuthDeps,
    private readonly sessions: SessionService,
  ) {
    this.codes = new OneTimeCodes(deps);
  }

  /**
   * Which factors an account can present (TOTP accounts may not fall back to email/SMS). SMS only
   * once the phone has been verified for PHONE_SMS_STEP_UP_DELAY_SECONDS: a phone added by a thief
   * holding a stolen session (or just added by anyone) must not open the step-up gates at once.
   */
  methodsFor(user: UserRow): SecondFactorMethod[] {
    if (user.mfa_enabled) return ['totp', 'recovery_code'];
    const phoneSettled =
      user.phone_verified_at &&
      this.deps.clock.nowMs() - user.phone_verified_at.getTime() >= PHONE_SMS_STEP_UP_DELAY_SECONDS * 1000;
    return phoneSettled ? ['email_code', 'sms_code'] : ['email_code'];
  }

  /**
   * Verifies a second factor inside `tx`; returns the amr values it proves, or undefined when the
   * code is wrong (not thrown: the caller commits attempt counts and the audit entry first).
   */
  async verifySecondFactor(
    tx: AuthTx,
    user: UserRow,
    method: SecondFactorMethod,
    code: string,
  ): Promise<string[] | undefined> {
    if (!this.methodsFor(user).includes(method)) return undefined;
    if (method === 'totp') {
      const totp = await tx.mfa.totp(user.id, { forUpdate: true });
      if (!totp?.confirmed_at) return undefined;
      const step = await this.checkTotp(this.deps.box.decrypt(totp.secret_enc), code);
      // Replay of a code already used in this (or an earlier) step is refused.
      if (step === undefined || !(await tx.mfa.useStep(user.id, step))) return undefined;
      return ['otp', 'mfa'];
    }
    if (method === 'recovery_code') {
      const used = await tx.mfa.useRecoveryCode(user.id, this.recoveryHash(user.id, code), this.deps.clock.now());
      if (!used) return undefined;
      await appendAudit(
        tx,
        {
          actor: user.id,
          action: 'auth.mfa.recovery_code_used',
          subject: user.id,
          details: { remaining: await tx.mfa.remainingRecoveryCodes(user.id) },
        },
        this.deps.clock.now(),
      );
      return ['mfa'];
    }
    const row = await this.codes.consumeCode(tx, 'step_up', user.id, code);
    if (!row || row.target !== (method === 'sms_code' ? 'sms' : 'email')) return undefined;
    return method === 'sms_code' ? ['sms', 'mfa'] : ['otp', 'mfa'];
  }

  private async checkTotp(secret: string, code: string): Promise<number | undefined> {
    if (!/^\d{6}$/.test(code.trim())) return undefined;
    const result = await verifyTotp({
      secret,
      token: code.trim(),
      epochTolerance: 30,
      epoch: this.deps.clock.nowSeconds(),
    });
    // The matched RFC 6238 time step (current step + drift), remembered to refuse replays.
    return result.valid ? Math.floor(this.deps.clock.nowSeconds() / 30) + result.delta : undefined;
  }

  private recoveryHash(userId: string, code: string): string {
    return this.deps.box.mac(`recovery:${userId}`, normaliseRecoveryCode(code));
  }

  /**
   * Enrolment needs a step-up (a second factor on this session within 10 minutes; for an account
   * without MFA that is an emailed or texted code, sendStepUpCode + stepUp): otherwise a stolen
   * session could enrol the thief's authenticator, and since a password reset never bypasses MFA,
   * the owner would be locked out for good. Both steps check it, so a step-up that lapses between
   * them is asked for again.
   */
  async startEnrollment(caller: Caller): Promise<{ secret: string; otpauthUri: string }> {
    const { user: me } = await this.sessions.requireStepUp(caller);
    return this.deps.db.transaction(async (tx) => {
      const user = await tx.users.byId(me.userId, { forUpdate: true });
      if (!user) throw new ConflictError('Account not found');
      if (user.mfa_enabled) throw new ConflictError('Two-step verification is already on', 'AUTH.MFA_ALREADY_ENABLED');
      const secret = generateSecret();
      await tx.mfa.startEnrollment(user.id, this.deps.box.encrypt(secret), this.deps.clock.now());
      const label = user.email ?? user.id;
      return { secret, otpauthUri: generateURI({ issuer: TOTP_ISSUER, label, secret }) };
    });
  }

  /**
   * Confirms enrolment with a first code; returns the recovery codes, the only time they are shown.
   * The owner is told by email, so an enrolment they did not make is noticed at once.
   */
  async confirmEnrollment(caller: Caller, code: string, meta: RequestMeta): Promise<{ recoveryCodes: string[] }> {
    const { user: me, session } = await this.sessions.requireStepUp(caller);
    await limit(this.deps, meta, {
      ip: authRateLimits.codeCheckPerIp,
      identity: authRateLimits.codeCheckPerIdentity,
      identityKey: me.userId,
    });
    const result = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const totp = await tx.mfa.totp(me.userId, { forUpdate: true });
      if (!totp || totp.confirmed_at) throw new InvalidCodeError('Start enrolment first');
      const step = await this.checkTotp(this.deps.box.decrypt(totp.secret_enc), code);
      if (step === undefined) throw new InvalidCodeError();
      await tx.mfa.confirm(me.userId, step, now);
      const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
      await tx.mfa.replaceRecoveryCodes(
        me.userId,
        recoveryCodes.map((value) => this.recoveryHash(me.userId, value)),
        now,
      );
      // Enrolling does not renew the step-up: the session keeps the step-up time it had.
      await appendAudit(
        tx,
        {
          actor: me.userId,
          action: 'auth.mfa.enabled',
          subject: me.userId,
          details: { method: 'totp', sessionId: session.id },
        },
        now,
      );
      const user = await tx.users.byId(me.userId);
      return { recoveryCodes, email: user?.email ?? null };
    });
    if (result.email) await sendAll(this.deps, [emailTemplates.mfaChanged(result.email, true)]);
    return { recoveryCodes: result.recoveryCodes };
  }

  async disable(caller: Caller): Promise<boolean> {
    const { user: me, session } = await this.sessions.requireStepUp(caller);
    const email = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      await tx.mfa.remove(me.userId);
      await appendAudit(
        tx,
        { actor: me.userId, action: 'auth.mfa.disabled', subject: me.userId, details: { sessionId: session.id } },
        now,
      );
      return (await tx.users.byId(me.userId))?.email ?? null;
    });
    if (email) await sendAll(this.deps, [emailTemplates.mfaChanged(email, false)]);
    return true;
  }

  async regenerateRecoveryCodes(caller: Caller): Promise<string[]> {
    const { user: me } = await this.sessions.requireStepUp(caller);
    return this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const totp = await tx.mfa.totp(me.userId);
      if (!totp?.confirmed_at) throw new ConflictError('Two-step verification is off', 'AUTH.MFA_NOT_ENABLED');
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
      await tx.mfa.replaceRecoveryCodes(
        me.userId,
        codes.map((value) => this.recoveryHash(me.userId, value)),
        now,
      );
      await appendAudit(
        tx,
        { actor: me.userId, action: 'auth.mfa.recovery_codes_regenerated', subject: me.userId, details: {} },
        now,
      );
      return codes;
    });
  }

  /** Sends an email or SMS step-up code (accounts without TOTP only). */
  async sendStepUpCode(caller: Caller, channel: 'email' | 'sms', meta: RequestMeta): Promise<boolean> {
    const { user: me } = await this.sessions.requireSession(caller);
    await limit(this.deps, meta, { identity: authRateLimits.codeSendPerIdentity, identityKey: me.userId });
    const message = await this.deps.db.transaction(async (tx) => {
      const user = await tx.users.byId(me.userId);
      if (!user) throw new ConflictError('Account not found');
      const method = channel === 'sms' ? 'sms_code' : 'email_code';
      if (!this.methodsFor(user).includes(method)) {
        throw new ValidationError(
          `Use ${user.mfa_enabled ? 'your authenticator app' : 'email'} to confirm${channel === 'sms' && user.phone_verified_at && !user.mfa_enabled ? ' (a phone serves for confirmation 24 hours after it was verified)' : ''}`,
        );
      }
      const code = await this.codes.issueCode(tx, 'step_up', user.id, channel);
      return channel === 'sms'
        ? { ...smsTemplates.stepUp(user.phone!, code), sms: true as const }
        : emailTemplates.stepUpCode(user.email!, code);
    });
    await sendAll(this.deps, [message]);
    return true;
  }

  /**
   * Records a fresh second factor on the caller's session; every attempt counts against the limits.
   * Returns a fresh access token carrying `step_up_at`, so the client can call a protected operation
   * of any domain at once (core/step-up.ts); auth's own fields check the session row instead.
   */
  async stepUp(
    caller: Caller,
    method: SecondFactorMethod,
    code: string,
    meta: RequestMeta,
  ): Promise<{ validUntil: string; amr: string[]; accessToken: string; expiresAt: number }> {
    const { user: me, session } = await this.sessions.requireSession(caller);
    await limit(this.deps, meta, {
      ip: authRateLimits.codeCheckPerIp,
      identity: authRateLimits.codeCheckPerIdentity,
      identityKey: me.userId,
    });
    const result = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const user = await tx.users.byId(me.userId);
      if (!user) throw new ConflictError('Account not found');
      const amr = await this.verifySecondFactor(tx, user, method, code);
      if (!amr) {
        await appendAudit(
          tx,
          {
            actor: user.id,
            action: 'auth.step_up.failed',
            subject: user.id,
            details: { method, sessionId: session.id },
          },
          now,
        );
        return undefined;
      }
      await tx.sessions.markSteppedUp(session.id, now, amr);
      await appendAudit(
        tx,
        {
          actor: user.id,
          action: 'auth.step_up.succeeded',
          subject: user.id,
          details: { method, sessionId: session.id },
        },
        now,
      );
      return { validUntil: new Date(now.getTime() + STEP_UP_WINDOW_SECONDS * 1000).toISOString(), amr };
    });
    if (!result) throw new InvalidCodeError();
    return { ...result, ...(await this.sessions.accessTokenFor(session.id)) };
  }
}
