/**
 * Sessions: a sign-in creates one session (a refresh-token family) on a device. The refresh token
 * (30 days, `__Host-` cookie) is rotated on every use; presenting a retired token again means it
 * was copied, so the whole session is revoked, except the token rotated away from moments ago
 * (concurrent refreshes from two tabs), which gets the same successor (refresh-decision.ts).
 * Idle and absolute timeouts bound every session. The access token (15 min JWT) carries `sid`, so
 * the auth domain can refuse revoked sessions at once, and `step_up_at`, so any domain can check
 * the step-up window from the token alone (core/step-up.ts).
 */
import type { AuthTx } from './auth.repositories.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import { NotFoundError, StepUpRequiredError, UnauthenticatedError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { requireUser, type Caller, type Role, type UserCaller } from '../core/identity.ts';
import { emailTemplates } from './email-templates.ts';
import { isStepUpRecent } from '../core/step-up.ts';
import { STEP_UP_WINDOW_SECONDS, sendAll, type AuthDeps, type RequestMeta } from './auth-deps.ts';
import { decideRefresh, sessionLiveness, type TokenMatch } from './refresh-decision.ts';
import { type SessionRow } from './session.repository.ts';
import { type UserRow } from './user.repository.ts';
import { opaqueToken } from './secret-box.ts';
import { authRateLimits } from './auth-rate-limits.ts';
import { limit } from './auth-deps.ts';

export interface IssuedSession {
  readonly userId: string;
  readonly sessionId: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  readonly refreshTokenMaxAgeSeconds: number;
  /** Set when this sign-in created a device record: the device cookie to store. */
  readonly deviceToken: string | undefined;
  readonly roles: readonly Role[];
  readonly amr: readonly string[];
}

export interface SessionView {
  id: string;
  current: boolean;
  deviceId: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  amr: string[];
}

export interface DeviceView {
  id: string;
  userAgent: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
}

export class SessionService {
  constructor(private readonly deps: AuthDeps) {}

  private refreshHash(token: string): string {
    return this.deps.box.mac('refresh', token);
  }

  private deviceHash(token: string): string {
    return this.deps.box.mac('device', token);
  }

  /** The id of the device record this cookie identifies for this account, if any. */
  async knownDeviceId(userId: string, deviceToken: string): Promise<string | undefined> {
    return (await this.deps.db.sessions.deviceByToken(userId, this.deviceHash(deviceToken)))?.id;
  }

  /**
   * Creates the session inside the caller's transaction. `stepUp` when a second factor was just
   * used (MFA sign-in), so a sensitive change right after signing in needs no second prompt.
   */
  async create(
    tx: AuthTx,
    user: UserRow,
    input: {
      amr: readonly string[];
      method: string;
      deviceToken: string | undefined;
      meta: RequestMeta;
      stepUp: boolean;
    },
  ): Promise<{
    issued: Omit<IssuedSession, 'accessToken' | 'accessTokenExpiresAt'>;
    authTime: Date;
    stepUpAt: Date | null;
    after: () => Promise<void>;
  }> {
    const now = this.deps.clock.now();
    let deviceId: string | undefined;
    let newDeviceToken: string | undefined;
    if (input.deviceToken) {
      const device = await tx.sessions.deviceByToken(user.id, this.deviceHash(input.deviceToken));
      if (device) {
        deviceId = device.id;
        await tx.sessions.touchDevice(device.id, now);
      }
    }
    if (!deviceId) {
      // A device token is per account, so a shared browser does not link two accounts' devices.
      newDeviceToken = opaqueToken();
      deviceId = newId('device');
      await tx.sessions.insertDevice({
        id: deviceId,
        userId: user.id,
        tokenHash: this.deviceHash(newDeviceToken),
        userAgent: input.meta.userAgent ?? null,
        ip: input.meta.ip ?? null,
        now,
      });
      await appendAudit(
        tx,
        {
          actor: user.id,
          action: 'auth.device.new',
          subject: user.id,
          details: { deviceId, ip: input.meta.ip ?? null },
        },
        now,
      );
    }
    const refreshToken = opaqueToken();
    const sessionId = newId('session');
    const absolute = new Date(now.getTime() + this.deps.settings.sessionAbsoluteSeconds * 1000);
    const idle = new Date(Math.min(absolute.getTime(), now.getTime() + this.deps.settings.sessionIdleSeconds * 1000));
    await tx.sessions.insert({
      id: sessionId,
      userId: user.id,
      deviceId,
      amr: input.amr,
      authTime: now,
      stepUpAt: input.stepUp ? now : null,
      tokenHash: this.refreshHash(refreshToken),
      idleExpiresAt: idle,
      absoluteExpiresAt: absolute,
      userAgent: input.meta.userAgent ?? null,
      ip: input.meta.ip ?? null,
      now,
    });
    await appendAudit(
      tx,
      {
        actor: user.id,
        action: 'auth.login.succeeded',
        subject: user.id,
        details: {
          method: input.method,
          amr: [...input.amr],
          sessionId,
          deviceId,
          newDevice: Boolean(newDeviceToken),
          ip: input.meta.ip ?? null,
        },
      },
      now,
    );
    const isFirstDevice = newDeviceToken !== undefined && (await tx.sessions.devices(user.id)).length === 1;
    const after = async () => {
      // The first device is the sign-up itself; every later unknown device is worth an email.
      if (newDeviceToken && !isFirstDevice && user.email)
        await sendAll(this.deps, [
          emailTemplates.newDevice(user.email, input.meta.userAgent ?? 'unknown browser', now.toISOString()),
        ]);
    };
    return {
      issued: {
        userId: user.id,
        sessionId,
        refreshToken,
        refreshTokenMaxAgeSeconds: this.deps.settings.sessionAbsoluteSeconds,
        deviceToken: newDeviceToken,
        roles: user.roles,
        amr: input.amr,
      },
      authTime: now,
      stepUpAt: input.stepUp ? now : null,
      after,
    };
  }

  /**
   * Signs the access token for a session just created, refreshed or stepped up. `stepUpAt` is the
   * session's last second factor; it rides along even when old, because the reader decides the
   * window (core/step-up.ts), and a refresh must not make a fresh step-up disappear.
   */
  async sign(
    issued: Omit<IssuedSession, 'accessToken' | 'accessTokenExpiresAt'>,
    authTime: Date,
    stepUpAt: Date | null,
  ): Promise<IssuedSession> {
    const { token, expiresAt } = await this.deps.tokens.issueAccessToken({
      userId: issued.userId,
      roles: issued.roles,
      amr: issued.amr,
      authTime: Math.floor(authTime.getTime() / 1000),
      sessionId: issued.sessionId,
      stepUpAt: stepUpAt ? Math.floor(stepUpAt.getTime() / 1000) : undefined,
    });
    return { ...issued, accessToken: token, accessTokenExpiresAt: expiresAt };
  }

  /** A fresh access token for a live session (after a step-up), without touching its refresh token. */
  async accessTokenFor(sessionId: string): Promise<{ accessToken: string; expiresAt: number }> {
    const session = await this.deps.db.sessions.byId(sessionId);
    const user = session ? await this.deps.db.users.byId(session.user_id) : undefined;
    if (!session || !user || user.status !== 'active' || !this.isLive(session, this.deps.clock.now()))
      throw new UnauthenticatedError('Session expired or revoked');
    const { accessToken, accessTokenExpiresAt } = await this.sign(
      {
        userId: user.id,
        sessionId: session.id,
        refreshToken: '',
        refreshTokenMaxAgeSeconds: 0,
        deviceToken: undefined,
        roles: user.roles,
        amr: session.amr,
      },
      session.auth_time,
      session.step_up_at,
    );
    return { accessToken, expiresAt: accessTokenExpiresAt };
  }

  private limits() {
    return {
      idleSeconds: this.deps.settings.sessionIdleSeconds,
      absoluteSeconds: this.deps.settings.sessionAbsoluteSeconds,
    };
  }

  /** Binds the sealed successor token to its session, so it cannot be replayed into another row. */
  private successorContext(sessionId: string): string {
    return `refresh:${sessionId}`;
  }

  /**
   * Rotates the refresh token. A retired token presented again revokes its family, except the one
   * rotated away from within the grace window, which is answered with the same successor.
   */
  async refresh(refreshToken: string | undefined, meta: RequestMeta): Promise<IssuedSession> {
    await limit(this.deps, meta, { ip: authRateLimits.refreshPerIp });
    if (!refreshToken) throw new UnauthenticatedError('No session');
    const hash = this.refreshHash(refreshToken);
    const outcome = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      // Row locks (FOR UPDATE) serialise concurrent refreshes of one session: the loser waits for the
      // winner's rotation to commit, then finds its token as the session's previous one.
      let match: TokenMatch = 'current';
      let session = await tx.sessions.byCurrentToken(hash);
      if (!session) {
        match = 'previous';
        session = await tx.sessions.byPreviousToken(hash);
      }
      if (!session) {
        const retiredSessionId = await tx.sessions.sessionOfRetiredToken(hash);
        match = retiredSessionId ? 'retired' : 'none';
        session = retiredSessionId ? await tx.sessions.byId(retiredSessionId, { forUpdate: true }) : undefined;
      }
      const decision = decideRefresh({
        match,
        session,
        now,
        graceSeconds: this.deps.settings.refreshReuseGraceSeconds,
        limits: this.limits(),
      });
      if (decision.kind === 'invalid' || !session) return { kind: 'invalid' as const };
      if (decision.kind === 'reuse') {
        const revoked = await tx.sessions.revoke(session.id, 'refresh_token_reuse', now);
        await appendAudit(
          tx,
          {
            actor: 'system:auth',
            action: 'auth.session.refresh_reuse_detected',
            subject: session.user_id,
            details: { sessionId: session.id, revoked, ip: meta.ip ?? null },
          },
          now,
        );
        return { kind: 'reuse' as const };
      }
      const user = await tx.users.byId(session.user_id);
      if (!user || user.status !== 'active') return { kind: 'invalid' as const };
      if (decision.kind === 'grace') {
        // Nothing is written: the winner already rotated; the loser gets the same successor.
        // (rotate() writes previous_token_hash and the sealed successor together, so it is there.)
        if (!session.current_token_enc) return { kind: 'invalid' as const };
        return {
          kind: 'ok' as const,
          session,
          user,
          next: this.deps.box.decrypt(session.current_token_enc, this.successorContext(session.id)),
        };
      }
      const next = opaqueToken();
      const idle = new Date(
        Math.min(session.absolute_expires_at.getTime(), now.getTime() + this.deps.settings.sessionIdleSeconds * 1000),
      );
      await tx.sessions.rotate(session.id, {
        oldHash: hash,
        newHash: this.refreshHash(next),
        newTokenEnc: this.deps.box.encrypt(next, this.successorContext(session.id)),
        idleExpiresAt: idle,
        now,
      });
      return { kind: 'ok' as const, session, user, next };
    });
    if (outcome.kind !== 'ok')
      throw new UnauthenticatedError(outcome.kind === 'reuse' ? 'Session revoked' : 'Session expired or invalid');
    const remaining = Math.max(
      0,
      Math.floor((outcome.session.absolute_expires_at.getTime() - this.deps.clock.nowMs()) / 1000),
    );
    return this.sign(
      {
        userId: outcome.user.id,
        sessionId: outcome.session.id,
        refreshToken: outcome.next,
        refreshTokenMaxAgeSeconds: remaining,
        deviceToken: undefined,
        roles: outcome.user.roles,
        amr: outcome.session.amr,
      },
      outcome.session.auth_time,
      outcome.session.step_up_at,
    );
  }

  async logout(refreshToken: string | undefined): Promise<void> {
    if (!refreshToken) return;
    const hash = this.refreshHash(refreshToken);
    await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const session = await tx.sessions.byCurrentToken(hash);
      if (!session) return;
      if (await tx.sessions.revoke(session.id, 'logout', now)) {
        await appendAudit(
          tx,
          {
            actor: session.user_id,
            action: 'auth.logout',
            subject: session.user_id,
            details: { sessionId: session.id },
          },
          now,
        );
      }
    });
  }

  private isLive(session: SessionRow, now: Date): boolean {
    return sessionLiveness(session, now, this.limits()) === 'live';
  }

  /** The signed-in caller, with a session that is still live (logout and revocation apply at once). */
  async requireSession(caller: Caller): Promise<{ user: UserCaller; session: SessionRow }> {
    const user = requireUser(caller);
    if (!user.sessionId) throw new UnauthenticatedError('Session required');
    const session = await this.deps.db.sessions.byId(user.sessionId);
    if (!session || session.user_id !== user.userId || !this.isLive(session, this.deps.clock.now()))
      throw new UnauthenticatedError('Session expired or revoked');
    return { user, session };
  }

  /** Sensitive changes need a second factor on this session within the last 10 minutes. */
  async requireStepUp(caller: Caller): Promise<{ user: UserCaller; session: SessionRow }> {
    const found = await this.requireSession(caller);
    // The session row, not the token: it also sees revocations, and tokens issued before the
    // step-up (the client may not have swapped in the fresh one yet) still work here.
    const stepUpAt = found.session.step_up_at ? Math.floor(found.session.step_up_at.getTime() / 1000) : undefined;
    if (!isStepUpRecent(stepUpAt, this.deps.clock.nowSeconds(), STEP_UP_WINDOW_SECONDS)) {
      throw new StepUpRequiredError('Confirm with a second factor first (stepUp)', {
        windowSeconds: STEP_UP_WINDOW_SECONDS,
      });
    }
    return found;
  }

  async list(caller: Caller): Promise<SessionView[]> {
    const { user, session: current } = await this.requireSession(caller);
    const rows = await this.deps.db.sessions.activeForUser(user.userId, this.deps.clock.now());
    return rows.map((row) => ({
      id: row.id,
      current: row.id === current.id,
      deviceId: row.device_id,
      createdAt: row.created_at.toISOString(),
      lastSeenAt: row.last_seen_at.toISOString(),
      expiresAt: row.idle_expires_at.toISOString(),
      userAgent: row.device_user_agent ?? row.user_agent,
      ip: row.ip,
      amr: row.amr,
    }));
  }

  async devices(caller: Caller): Promise<DeviceView[]> {
    const { user } = await this.requireSession(caller);
    const rows = await this.deps.db.sessions.devices(user.userId);
    return rows.map((row) => ({
      id: row.id,
      userAgent: row.user_agent,
      firstSeenAt: row.first_seen_at.toISOString(),
      lastSeenAt: row.last_seen_at.toISOString(),
    }));
  }

  async revoke(caller: Caller, sessionId: string): Promise<boolean> {
    const { user } = await this.requireSession(caller);
    return this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const session = await tx.sessions.byId(sessionId, { forUpdate: true });
      // Someone else's session answers like a missing one.
      if (!session || session.user_id !== user.userId) throw new NotFoundError('Session not found');
      const revoked = await tx.sessions.revoke(sessionId, 'revoked_by_user', now);
      if (revoked)
        await appendAudit(
          tx,
          { actor: user.userId, action: 'auth.session.revoked', subject: user.userId, details: { sessionId } },
          now,
        );
      return revoked;
    });
  }

  async revokeOthers(caller: Caller): Promise<number> {
    const { user, session } = await this.requireSession(caller);
    return this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const count = await tx.sessions.revokeAllForUser(user.userId, 'revoked_by_user', now, session.id);
      await appendAudit(
        tx,
        { actor: user.userId, action: 'auth.session.revoked_others', subject: user.userId, details: { count } },
        now,
      );
      return count;
    });
  }

  async removeDevice(caller: Caller, deviceId: string): Promise<boolean> {
    const { user } = await this.requireSession(caller);
    return this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const removed = await tx.sessions.deleteDevice(user.userId, deviceId, now);
      if (!removed) throw new NotFoundError('Device not found');
      await appendAudit(
        tx,
        { actor: user.userId, action: 'auth.device.removed', subject: user.userId, details: { deviceId } },
        now,
      );
      return true;
    });
  }
}
