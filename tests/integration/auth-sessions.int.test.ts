/**
 * Sessions (NTB-AUTH-008): `__Host-` refresh cookie rotated on every use with reuse detection (and
 * a short grace window for concurrent tabs), idle and absolute timeouts, logout, listing and
 * revoking sessions and devices, new-device notification. Time is moved by rewriting the
 * session's timestamps in Postgres, as if it had all happened that much earlier.
 */
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { SESSION_DEFAULTS } from '../../lambdas/auth/auth.config.ts';
import { stackInfo } from '../support/clients.ts';
import { AuthClient, gql, latestMessage, messagesTo, registeredUser } from '../support/auth-client.ts';

const RT = '__Host-rastup_rt';
// The local stack runs with the defaults (infra/local/stack.ts sets none of these).
const { idleSeconds: IDLE, absoluteSeconds: ABSOLUTE, refreshReuseGraceSeconds: GRACE } = SESSION_DEFAULTS;

async function withDb<T>(work: (db: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
  const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Moves the named timestamp columns of a session `seconds` into the past. */
async function shiftSession(sessionId: string, seconds: number, columns: readonly string[]): Promise<void> {
  const sets = columns.map((column) => `${column} = ${column} - $2 * interval '1 second'`).join(', ');
  await withDb((db) => db.query(`UPDATE auth_sessions SET ${sets} WHERE id = $1`, [sessionId, seconds]));
}

/** The whole session (sign-in and last use) happened `seconds` earlier, and nothing since. */
const EVERY_TIMESTAMP = [
  'created_at',
  'auth_time',
  'step_up_at',
  'rotated_at',
  'last_seen_at',
  'idle_expires_at',
  'absolute_expires_at',
];
/** Signed in `seconds` earlier but used all along (last refresh just now). */
const SIGN_IN_TIMESTAMPS = ['created_at', 'auth_time', 'absolute_expires_at'];

async function sessionRow(sessionId: string) {
  return withDb(
    async (db) =>
      (
        await db.query<{
          idle_expires_at: Date;
          absolute_expires_at: Date;
          revoked_at: Date | null;
          revoke_reason: string | null;
        }>('SELECT idle_expires_at, absolute_expires_at, revoked_at, revoke_reason FROM auth_sessions WHERE id = $1', [
          sessionId,
        ])
      ).rows[0]!,
  );
}

async function auditActions(userId: string): Promise<string[]> {
  return withDb(async (db) =>
    (
      await db.query<{ action: string }>('SELECT action FROM audit_log WHERE subject = $1 ORDER BY seq', [userId])
    ).rows.map((row) => row.action),
  );
}

function maxAge(setCookies: string[]): number {
  const line = setCookies.find((cookie) => cookie.startsWith(`${RT}=`))!;
  return Number(/Max-Age=(\d+)/.exec(line)![1]);
}

describe('refresh tokens', () => {
  it('sets the refresh cookie as __Host-, HttpOnly, Secure, SameSite=Lax, 30 days', async () => {
    const { client, email, password } = await registeredUser();
    const login = await client.post('/auth/login', { email, password });
    const refresh = login.setCookies.find((line) => line.startsWith('__Host-rastup_rt='))!;
    expect(refresh).toMatch(/; Path=\/;/);
    expect(refresh).toMatch(/HttpOnly/);
    expect(refresh).toMatch(/Secure/);
    expect(refresh).toMatch(/SameSite=Lax/);
    expect(refresh).toMatch(/Max-Age=2592000/);
    expect(refresh).not.toMatch(/Domain=/i);
    expect(login.text).not.toContain(client.cookies.get('__Host-rastup_rt'));
  });

  it('rotates the refresh token on every use and issues a fresh access token', async () => {
    const { client, userId } = await registeredUser();
    const first = client.cookies.get('__Host-rastup_rt');
    const refreshed = await client.post('/auth/token/refresh');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.userId).toBe(userId);
    const second = client.cookies.get('__Host-rastup_rt');
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    const viewer = await gql(refreshed.body.accessToken, '{ viewer { sub } }');
    expect(viewer.body.data.viewer.sub).toBe(userId);
  });

  it('revokes the whole family when a rotated-away refresh token is presented again after the grace window', async () => {
    const { client, accessToken, sessionId, userId } = await registeredUser();
    const stolen = client.cookies.get('__Host-rastup_rt')!;
    expect((await client.post('/auth/token/refresh')).status).toBe(200); // the legitimate user rotates
    await shiftSession(sessionId, GRACE + 5, ['rotated_at']); // ...more than GRACE seconds ago

    const attacker = new AuthClient();
    attacker.cookies.set('__Host-rastup_rt', stolen);
    const reuse = await attacker.post('/auth/token/refresh');
    expect(reuse.status).toBe(401);

    // The legitimate holder's current token dies with the family, and so does the session.
    expect((await client.post('/auth/token/refresh')).status).toBe(401);
    const me = await gql(accessToken, '{ me { id } }');
    expect(me.body.errors[0].errorType).toBe('UNAUTHENTICATED');
    expect((await sessionRow(sessionId)).revoke_reason).toBe('refresh_token_reuse');
    expect(await auditActions(userId)).toContain('auth.session.refresh_reuse_detected');
  });

  it('answers concurrent refreshes with one token (two tabs at once) with the same successor, without forking or revoking', async () => {
    const { client, sessionId, userId } = await registeredUser();
    const presented = client.cookies.get(RT)!;
    // Three tabs of one browser: same cookie jar contents, same address, all at the same moment.
    const tabs = [0, 1, 2].map(() => {
      const tab = new AuthClient(client.ip);
      for (const [name, value] of client.cookies) tab.cookies.set(name, value);
      return tab;
    });
    const answers = await Promise.all(tabs.map((tab) => tab.post('/auth/token/refresh')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const successors = new Set(tabs.map((tab) => tab.cookies.get(RT)));
    expect(successors.size).toBe(1); // one successor, not a branch per tab
    expect(successors.has(presented)).toBe(false);
    for (const answer of answers) {
      expect(answer.body.sessionId).toBe(sessionId);
      expect((await gql(answer.body.accessToken, '{ me { id } }')).body.data.me.id).toBe(userId);
    }

    // The family goes on from the one successor; nothing was revoked or flagged.
    const next = await tabs[1]!.post('/auth/token/refresh');
    expect(next.status).toBe(200);
    expect(
      (await gql(next.body.accessToken, '{ mySessions { id } }')).body.data.mySessions.map((s: any) => s.id),
    ).toEqual([sessionId]);
    expect((await sessionRow(sessionId)).revoked_at).toBeNull();
    expect(await auditActions(userId)).not.toContain('auth.session.refresh_reuse_detected');
  });

  it('still treats a token two rotations old as reuse, even inside the grace window', async () => {
    const { client, sessionId } = await registeredUser();
    const oldest = client.cookies.get(RT)!;
    expect((await client.post('/auth/token/refresh')).status).toBe(200);
    expect((await client.post('/auth/token/refresh')).status).toBe(200);
    const straggler = new AuthClient(client.ip);
    straggler.cookies.set(RT, oldest);
    expect((await straggler.post('/auth/token/refresh')).status).toBe(401);
    expect((await client.post('/auth/token/refresh')).status).toBe(401);
    expect((await sessionRow(sessionId)).revoke_reason).toBe('refresh_token_reuse');
  });

  it('logs out: the cookie is cleared and the session is gone', async () => {
    const { client, accessToken } = await registeredUser();
    const token = client.cookies.get('__Host-rastup_rt')!;
    const logout = await client.post('/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.setCookies.some((line) => line.startsWith('__Host-rastup_rt=;') && /Max-Age=0/.test(line))).toBe(
      true,
    );
    const again = new AuthClient();
    again.cookies.set('__Host-rastup_rt', token);
    expect((await again.post('/auth/token/refresh')).status).toBe(401);
    expect((await gql(accessToken, '{ mySessions { id } }')).body.errors[0].errorType).toBe('UNAUTHENTICATED');
  });

  it('refuses a refresh without a cookie', async () => {
    expect((await new AuthClient().post('/auth/token/refresh')).status).toBe(401);
  });
});

describe('session timeouts', () => {
  it(`ends a session idle for longer than SESSION_IDLE_SECONDS (${IDLE} s)`, async () => {
    const idle = await registeredUser();
    await shiftSession(idle.sessionId, IDLE + 60, EVERY_TIMESTAMP);
    expect((await idle.client.post('/auth/token/refresh')).status).toBe(401);
    expect((await gql(idle.accessToken, '{ me { id } }')).body.errors[0].errorType).toBe('UNAUTHENTICATED');

    // Just inside the limit the same refresh works and restarts the idle clock.
    const recent = await registeredUser();
    await shiftSession(recent.sessionId, IDLE - 60, EVERY_TIMESTAMP);
    const refreshed = await recent.client.post('/auth/token/refresh');
    expect(refreshed.status).toBe(200);
    const idleExpiresAt = (await sessionRow(recent.sessionId)).idle_expires_at.getTime();
    expect(Math.abs(idleExpiresAt - (Date.now() + IDLE * 1000))).toBeLessThan(60_000);
  });

  it(`ends a session older than SESSION_ABSOLUTE_SECONDS (${ABSOLUTE} s) even when it was used all along`, async () => {
    const old = await registeredUser();
    await shiftSession(old.sessionId, ABSOLUTE + 60, SIGN_IN_TIMESTAMPS);
    expect((await old.client.post('/auth/token/refresh')).status).toBe(401);
    expect((await gql(old.accessToken, '{ me { id } }')).body.errors[0].errorType).toBe('UNAUTHENTICATED');

    // Two minutes before the limit it still refreshes, but the cookie and the idle limit stop at it.
    const ageing = await registeredUser();
    await shiftSession(ageing.sessionId, ABSOLUTE - 120, SIGN_IN_TIMESTAMPS);
    const refreshed = await ageing.client.post('/auth/token/refresh');
    expect(refreshed.status).toBe(200);
    expect(maxAge(refreshed.setCookies)).toBeGreaterThan(0);
    expect(maxAge(refreshed.setCookies)).toBeLessThanOrEqual(120);
    const row = await sessionRow(ageing.sessionId);
    expect(row.idle_expires_at.getTime()).toBeLessThanOrEqual(row.absolute_expires_at.getTime());
  });
});

describe('sessions and devices', () => {
  it('lists sessions, revokes another one, and signs out the others', async () => {
    const { email, password, accessToken, sessionId } = await registeredUser();
    const laptop = new AuthClient();
    const other = await laptop.post('/auth/login', { email, password });
    expect(other.status).toBe(200);

    const list = await gql(accessToken, '{ mySessions { id current userAgent amr } myDevices { id userAgent } }');
    expect(list.body.data.mySessions).toHaveLength(2);
    expect(list.body.data.mySessions.find((s: any) => s.id === sessionId).current).toBe(true);
    expect(list.body.data.myDevices).toHaveLength(2);

    const revoke = await gql(accessToken, 'mutation($id: ID!) { revokeSession(id: $id) }', {
      id: other.body.sessionId,
    });
    expect(revoke.body.data.revokeSession).toBe(true);
    expect((await laptop.post('/auth/token/refresh')).status).toBe(401);
    expect((await gql(accessToken, '{ mySessions { id } }')).body.data.mySessions).toHaveLength(1);
  });

  it("cannot revoke someone else's session", async () => {
    const alice = await registeredUser();
    const bob = await registeredUser();
    const answer = await gql(alice.accessToken, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: bob.sessionId });
    expect(answer.body.errors[0].errorType).toBe('NOT_FOUND');
  });

  it('recognises a known device and notifies the owner of a new one', async () => {
    const { client, email, password } = await registeredUser();
    // Same browser (device cookie): no new-device email.
    await client.post('/auth/login', { email, password });
    expect(await messagesTo(email, 'auth.new_device')).toHaveLength(0);
    // A new browser: logged and emailed.
    await new AuthClient().post('/auth/login', { email, password });
    const mail = await latestMessage(email, 'auth.new_device');
    expect(mail.text).toContain('rastup-tests/1.0');
  });

  it('removing a device signs out its sessions', async () => {
    const { email, password, accessToken } = await registeredUser();
    const phone = new AuthClient();
    await phone.post('/auth/login', { email, password });
    const sessions = (await gql(accessToken, '{ mySessions { id current deviceId } }')).body.data.mySessions;
    const phoneDevice = sessions.find((s: any) => !s.current).deviceId;
    const removed = await gql(accessToken, 'mutation($id: ID!) { removeDevice(id: $id) }', { id: phoneDevice });
    expect(removed.body.data.removeDevice).toBe(true);
    expect((await phone.post('/auth/token/refresh')).status).toBe(401);
    expect((await gql(accessToken, '{ myDevices { id } }')).body.data.myDevices).toHaveLength(1);
  });
});
