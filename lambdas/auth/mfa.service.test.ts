/**
 * MfaService's rules with the real service, real TOTP (otplib) and the real SecretBox, over
 * in-memory fakes of the auth repositories, the session checks, the notifier and the kernel:
 * enrolment (step-up required, confirmed by a first code, recovery codes shown once), replayed
 * codes refused, recovery codes single-use, and which factors an account may present.
 */
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { ConflictError, StepUpRequiredError, ValidationError } from '../core/errors.ts';
import type { UserCaller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import type { EmailMessage, Notifier, RateLimiter } from '../core/ports.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { AuthDeps, AuthSettings } from './auth-deps.ts';
import { InvalidCodeError } from './auth.errors.ts';
import type { CodeStore } from './code.repository.ts';
import type { MfaStore } from './mfa.repository.ts';
import { MfaService, RECOVERY_CODE_COUNT } from './mfa.service.ts';
import { SecretBox } from './secret-box.ts';
import type { SessionStore } from './session.repository.ts';
import type { SessionService } from './session.service.ts';
import type { UserStore } from './user.repository.ts';
import { userRow } from './user-row.fixture.ts';

const NOW = Date.UTC(2026, 0, 10);

/** TOTP enrolments and recovery code hashes in maps, with the repository's contract. */
class InMemoryMfa {
  readonly totps = new Map<string, { secret_enc: Buffer; confirmed_at: Date | null; last_used_step: number }>();
  readonly recovery = new Map<string, Map<string, Date | null>>();
  store(): MfaStore {
    return fake<MfaStore>('mfa', {
      totp: async (userId) => this.totps.get(userId),
      startEnrollment: async (userId, secretEnc) => {
        if (this.totps.get(userId)?.confirmed_at) return false;
        this.totps.set(userId, { secret_enc: secretEnc, confirmed_at: null, last_used_step: 0 });
        return true;
      },
      confirm: async (userId, step, now) =>
        void this.totps.set(userId, { ...this.totps.get(userId)!, confirmed_at: now, last_used_step: step }),
      useStep: async (userId, step) => {
        const row = this.totps.get(userId)!;
        if (row.last_used_step >= step) return false;
        row.last_used_step = step;
        return true;
      },
      replaceRecoveryCodes: async (userId, hashes) =>
        void this.recovery.set(userId, new Map(hashes.map((hash) => [hash, null]))),
      useRecoveryCode: async (userId, hash, now) => {
        const codes = this.recovery.get(userId);
        if (!codes?.has(hash) || codes.get(hash)) return false;
        codes.set(hash, now);
        return true;
      },
      remainingRecoveryCodes: async (userId) =>
        [...(this.recovery.get(userId)?.values() ?? [])].filter((used) => !used).length,
      remove: async (userId) => {
        this.totps.delete(userId);
        this.recovery.delete(userId);
      },
    });
  }
}

function setup({ steppedUp = true } = {}) {
  const clock = new ManualClock(NOW);
  const mfa = new InMemoryMfa();
  const pat = userRow();
  const mail: EmailMessage[] = [];
  const steppedUpSessions: string[] = [];
  const db = fakeUnitOfWork({
    // mfa_enabled is derived from a confirmed enrolment, as the repository's SQL does.
    users: fake<UserStore>('users', {
      byId: async (id) =>
        id === pat.id ? { ...pat, mfa_enabled: Boolean(mfa.totps.get(id)?.confirmed_at) } : undefined,
    }),
    mfa: mfa.store(),
    sessions: fake<SessionStore>('sessions', { markSteppedUp: async (id) => void steppedUpSessions.push(id) }),
    codes: fake<CodeStore>('codes'),
  });
  const deps = fake<AuthDeps>('auth deps', {
    db,
    clock,
    box: new SecretBox(Buffer.alloc(32, 9).toString('base64')),
    logger: createLogger({ service: 'test' }),
    settings: { rateLimitExemptIps: new Set<string>() } as unknown as AuthSettings,
    limiter: fake<RateLimiter>('limiter', {
      consume: async () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }),
    }),
    notifier: fake<Notifier>('notifier', { sendEmail: async (message) => void mail.push(message) }),
  });
  const session = { id: newId('session') };
  const sessions = fake<SessionService>('session service', {
    requireSession: async (c) => ({ user: c as UserCaller, session: session as never }),
    requireStepUp: async (c) => {
      if (!steppedUp) throw new StepUpRequiredError('Confirm with a second factor first (stepUp)', {});
      return { user: c as UserCaller, session: session as never };
    },
    accessTokenFor: async () => ({ accessToken: 'jwt', expiresAt: NOW / 1000 + 900 }),
  });
  const caller: UserCaller = {
    kind: 'user',
    userId: pat.id,
    roles: ['client'],
    amr: ['pwd'],
    authTime: NOW / 1000,
    sessionId: session.id,
    expiresAt: NOW / 1000 + 900,
  };
  return { clock, mfa, pat, mail, db, caller, session, steppedUpSessions, service: new MfaService(deps, sessions) };
}

const meta = { ip: '203.0.113.9', userAgent: 'test' };
const codeAt = (secret: string, clock: ManualClock) => generate({ secret, epoch: clock.nowSeconds() });

describe('MfaService enrolment', () => {
  it('needs a recent step-up to start', async () => {
    const { service, caller, mfa } = setup({ steppedUp: false });
    await expect(service.startEnrollment(caller)).rejects.toBeInstanceOf(StepUpRequiredError);
    expect(mfa.totps.size).toBe(0);
  });

  it('is confirmed by a first valid code: recovery codes once, audited, the owner told; not twice', async () => {
    const { service, caller, clock, mfa, mail, db, pat } = setup();
    const { secret, otpauthUri } = await service.startEnrollment(caller);
    expect(otpauthUri).toContain('issuer=RastUp');
    expect(mfa.totps.get(pat.id)!.secret_enc.toString()).not.toContain(secret); // stored sealed
    await expect(service.confirmEnrollment(caller, '000000', meta)).rejects.toBeInstanceOf(InvalidCodeError);
    expect(mfa.totps.get(pat.id)!.confirmed_at).toBeNull();

    const { recoveryCodes } = await service.confirmEnrollment(caller, await codeAt(secret, clock), meta);
    expect(new Set(recoveryCodes).size).toBe(RECOVERY_CODE_COUNT);
    // Only hashes are kept.
    expect([...mfa.recovery.get(pat.id)!.keys()].some((hash) => recoveryCodes.includes(hash))).toBe(false);
    expect(db.kernel.auditActions()).toEqual(['auth.mfa.enabled']);
    expect(mail.map((message) => message.template)).toEqual(['auth.mfa_enabled']);
    await expect(service.startEnrollment(caller)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('MfaService.stepUp', () => {
  async function enrolled() {
    const ctx = setup();
    const { secret } = await ctx.service.startEnrollment(ctx.caller);
    const { recoveryCodes } = await ctx.service.confirmEnrollment(ctx.caller, await codeAt(secret, ctx.clock), meta);
    ctx.clock.advance(60_000);
    return { ...ctx, secret, recoveryCodes };
  }

  it('accepts a TOTP code once: the same code again is a replay and is refused (and audited)', async () => {
    const { service, caller, secret, clock, db, steppedUpSessions, session } = await enrolled();
    const code = await codeAt(secret, clock);
    const result = await service.stepUp(caller, 'totp', code, meta);
    expect(result.amr).toEqual(['otp', 'mfa']);
    expect(steppedUpSessions).toEqual([session.id]);
    await expect(service.stepUp(caller, 'totp', code, meta)).rejects.toBeInstanceOf(InvalidCodeError);
    expect(db.kernel.auditActions().slice(-2)).toEqual(['auth.step_up.succeeded', 'auth.step_up.failed']);
  });

  it('accepts each recovery code once, and refuses email codes for an account with an authenticator', async () => {
    const { service, caller, recoveryCodes, db } = await enrolled();
    expect((await service.stepUp(caller, 'recovery_code', recoveryCodes[0]!, meta)).amr).toEqual(['mfa']);
    await expect(service.stepUp(caller, 'recovery_code', recoveryCodes[0]!, meta)).rejects.toBeInstanceOf(
      InvalidCodeError,
    );
    expect(db.kernel.audit.find((entry) => entry.action === 'auth.mfa.recovery_code_used')!.details).toEqual({
      remaining: RECOVERY_CODE_COUNT - 1,
    });
    await expect(service.sendStepUpCode(caller, 'email', meta)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('MfaService.methodsFor', () => {
  it('offers SMS only a day after the phone was verified, and only to accounts without an authenticator', () => {
    const { service, pat, clock } = setup();
    expect(service.methodsFor(pat)).toEqual(['email_code']);
    const phoned = { ...pat, phone: '+15550100', phone_verified_at: new Date(clock.nowMs() - 3600_000) };
    expect(service.methodsFor(phoned)).toEqual(['email_code']);
    clock.advance(24 * 3600_000);
    expect(service.methodsFor(phoned)).toEqual(['email_code', 'sms_code']);
    expect(service.methodsFor({ ...phoned, mfa_enabled: true })).toEqual(['totp', 'recovery_code']);
  });
});
