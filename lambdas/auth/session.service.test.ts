/**
 * SessionService's rules with the real service, the real SecretBox and in-memory fakes of the
 * auth repositories, the token signer, the notifier and the kernel: refresh-token rotation, the
 * two-tab grace answer, reuse of a retired token revoking the whole family, session ownership,
 * the step-up window, and new-device notices.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { NotFoundError, StepUpRequiredError, UnauthenticatedError } from '../core/errors.ts';
import type { UserCaller } from '../core/identity.ts';
import { createLogger } from '../core/log.ts';
import type { EmailMessage, Notifier, RateLimiter } from '../core/ports.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { AuthDeps, AuthSettings } from './auth-deps.ts';
import type { CodeStore } from './code.repository.ts';
import type { MfaStore } from './mfa.repository.ts';
import { SecretBox } from './secret-box.ts';
import type { DeviceRow, SessionRow, SessionStore } from './session.repository.ts';
import { SessionService } from './session.service.ts';
import type { TokenService } from './token.service.ts';
import type { UserRow, UserStore } from './user.repository.ts';
import { userRow } from './user-row.fixture.ts';

const settings: AuthSettings = {
  publicBaseUrl: 'https://auth.test',
  sessionIdleSeconds: 3600,
  sessionAbsoluteSeconds: 30 * 86400,
  refreshReuseGraceSeconds: 10,
  captchaSiteKey: 'site',
  rateLimitExemptIps: new Set(),
};

/** Sessions, retired tokens and devices in maps, with the repository's contract. */
class InMemorySessions {
  readonly sessions = new Map<string, SessionRow>();
  readonly retired = new Map<string, string>();
  readonly devices = new Map<string, DeviceRow & { token_hash: string }>();
  store(): SessionStore {
    const find = (test: (row: SessionRow) => boolean) => [...this.sessions.values()].find(test);
    return fake<SessionStore>('sessions', {
      insert: async (s) => {
        this.sessions.set(s.id, {
          id: s.id,
          user_id: s.userId,
          device_id: s.deviceId,
          amr: [...s.amr],
          auth_time: s.authTime,
          step_up_at: s.stepUpAt,
          current_token_hash: s.tokenHash,
          previous_token_hash: null,
          current_token_enc: null,
          rotated_at: s.now,
          idle_expires_at: s.idleExpiresAt,
          absolute_expires_at: s.absoluteExpiresAt,
          last_seen_at: s.now,
          user_agent: s.userAgent,
          ip: s.ip,
          created_at: s.now,
          revoked_at: null,
          revoke_reason: null,
        });
      },
      byId: async (id) => this.sessions.get(id),
      byCurrentToken: async (hash) => find((row) => row.current_token_hash === hash),
      byPreviousToken: async (hash) => find((row) => row.previous_token_hash === hash),
      sessionOfRetiredToken: async (hash) => this.retired.get(hash),
      rotate: async (id, r) => {
        this.retired.set(r.oldHash, id);
        const row = this.sessions.get(id)!;
        this.sessions.set(id, {
          ...row,
          previous_token_hash: r.oldHash,
          current_token_hash: r.newHash,
          current_token_enc: r.newTokenEnc,
          rotated_at: r.now,
          last_seen_at: r.now,
          idle_expires_at: r.idleExpiresAt,
        });
      },
      revoke: async (id, reason, now) => {
        const row = this.sessions.get(id);
        if (!row || row.revoked_at) return false;
        this.sessions.set(id, { ...row, revoked_at: now, revoke_reason: reason });
        return true;
      },
      deviceByToken: async (userId, hash) =>
        [...this.devices.values()].find((d) => d.user_id === userId && d.token_hash === hash),
      touchDevice: async () => undefined,
      insertDevice: async (d) => {
        this.devices.set(d.id, {
          id: d.id,
          user_id: d.userId,
          token_hash: d.tokenHash,
          user_agent: d.userAgent,
          first_ip: d.ip,
          first_seen_at: d.now,
          last_seen_at: d.now,
        });
      },
      devices: async (userId) => [...this.devices.values()].filter((d) => d.user_id === userId),
    });
  }
}

const account = () => userRow();

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sessions = new InMemorySessions();
  const users = new Map<string, UserRow>();
  const mail: EmailMessage[] = [];
  const db = fakeUnitOfWork({
    sessions: sessions.store(),
    users: fake<UserStore>('users', { byId: async (id) => users.get(id) }),
    codes: fake<CodeStore>('codes'),
    mfa: fake<MfaStore>('mfa'),
  });
  const deps = fake<AuthDeps>('auth deps', {
    db,
    clock,
    settings,
    box: new SecretBox(Buffer.alloc(32, 7).toString('base64')),
    logger: createLogger({ service: 'test' }),
    limiter: fake<RateLimiter>('limiter', {
      consume: async () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }),
    }),
    notifier: fake<Notifier>('notifier', { sendEmail: async (message) => void mail.push(message) }),
    tokens: fake<TokenService>('tokens', {
      issueAccessToken: async (input) => ({ token: `jwt:${input.sessionId}`, expiresAt: clock.nowSeconds() + 900 }),
    }),
  });
  const service = new SessionService(deps);
  const signIn = async (user: UserRow, deviceToken?: string, stepUp = false) => {
    users.set(user.id, user);
    const created = await db.transaction((tx) =>
      service.create(tx, user, {
        amr: ['pwd'],
        method: 'password',
        deviceToken,
        meta: { ip: '203.0.113.9', userAgent: 'test' },
        stepUp,
      }),
    );
    await created.after();
    return service.sign(created.issued, created.authTime, created.stepUpAt);
  };
  return { clock, sessions, db, service, signIn, mail };
}

const meta = { ip: '203.0.113.9', userAgent: 'test' };
const caller = (userId: string, sessionId: string): UserCaller => ({
  kind: 'user',
  userId,
  roles: ['client'],
  amr: ['pwd'],
  authTime: 0,
  sessionId,
  expiresAt: 0,
});

describe('SessionService.refresh', () => {
  it('rotates the refresh token; the one just rotated away from gets the same successor within the grace window', async () => {
    const { service, signIn, clock } = setup();
    const first = await signIn(account());
    const second = await service.refresh(first.refreshToken, meta);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    clock.advance(5_000);
    // A second tab refreshing with the old token at the same moment: the same successor, no new branch.
    expect((await service.refresh(first.refreshToken, meta)).refreshToken).toBe(second.refreshToken);
  });

  it('revokes the whole family when a retired token comes back after the grace window', async () => {
    const { service, signIn, clock, sessions, db } = setup();
    const first = await signIn(account());
    const second = await service.refresh(first.refreshToken, meta);
    clock.advance(60_000);
    await expect(service.refresh(first.refreshToken, meta)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(sessions.sessions.get(first.sessionId)!.revoke_reason).toBe('refresh_token_reuse');
    expect(db.kernel.auditActions()).toContain('auth.session.refresh_reuse_detected');
    // The legitimate holder's newer token dies with the family.
    await expect(service.refresh(second.refreshToken, meta)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('refuses a missing or unknown token, and a session past its idle limit', async () => {
    const { service, signIn, clock } = setup();
    await expect(service.refresh(undefined, meta)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(service.refresh('made-up', meta)).rejects.toBeInstanceOf(UnauthenticatedError);
    const issued = await signIn(account());
    clock.advance((settings.sessionIdleSeconds + 1) * 1000);
    await expect(service.refresh(issued.refreshToken, meta)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe('SessionService sessions and devices', () => {
  it("lets an account revoke its own sessions only; another account's session answers NOT_FOUND", async () => {
    const { service, signIn, sessions } = setup();
    const pat = account();
    const sam = account();
    const mine = await signIn(pat);
    const theirs = await signIn(sam);
    await expect(service.revoke(caller(pat.id, mine.sessionId), theirs.sessionId)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(sessions.sessions.get(theirs.sessionId)!.revoked_at).toBeNull();
    expect(await service.revoke(caller(pat.id, mine.sessionId), mine.sessionId)).toBe(true);
    // Revocation applies at once: the access token's session is checked on every call.
    await expect(service.list(caller(pat.id, mine.sessionId))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('needs a second factor on the session within the step-up window', async () => {
    const { service, signIn, clock } = setup();
    const pat = account();
    const plain = await signIn(pat);
    await expect(service.requireStepUp(caller(pat.id, plain.sessionId))).rejects.toBeInstanceOf(StepUpRequiredError);
    const stepped = await signIn(pat, plain.deviceToken, true);
    await expect(service.requireStepUp(caller(pat.id, stepped.sessionId))).resolves.toBeDefined();
    clock.advance(11 * 60_000);
    await expect(service.requireStepUp(caller(pat.id, stepped.sessionId))).rejects.toBeInstanceOf(StepUpRequiredError);
  });

  it('records a device per browser and mails the owner about every unknown device after the first', async () => {
    const { signIn, mail, sessions } = setup();
    const pat = account();
    const first = await signIn(pat);
    expect(first.deviceToken).toBeDefined();
    const again = await signIn(pat, first.deviceToken);
    expect(again.deviceToken).toBeUndefined(); // known device: no new cookie
    expect(mail).toEqual([]);
    await signIn(pat); // another browser
    expect(mail.map((message) => message.template)).toEqual(['auth.new_device']);
    expect(sessions.devices.size).toBe(2);
  });
});
