/**
 * Sessions (NTB-AUTH-008): `__Host-` refresh cookie rotated on every use with reuse detection,
 * logout, listing and revoking sessions and devices, new-device notification.
 */
import { describe, expect, it } from 'vitest';
import { AuthClient, gql, latestMessage, messagesTo, registeredUser } from '../support/auth-client.ts';

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

  it('revokes the whole family when a rotated-away refresh token is presented again', async () => {
    const { client, accessToken } = await registeredUser();
    const stolen = client.cookies.get('__Host-rastup_rt')!;
    expect((await client.post('/auth/token/refresh')).status).toBe(200); // the legitimate user rotates

    const attacker = new AuthClient();
    attacker.cookies.set('__Host-rastup_rt', stolen);
    const reuse = await attacker.post('/auth/token/refresh');
    expect(reuse.status).toBe(401);

    // The legitimate holder's current token dies with the family, and so does the session.
    expect((await client.post('/auth/token/refresh')).status).toBe(401);
    const me = await gql(accessToken, '{ me { id } }');
    expect(me.body.errors[0].errorType).toBe('UNAUTHENTICATED');
  });

  it('logs out: the cookie is cleared and the session is gone', async () => {
    const { client, accessToken } = await registeredUser();
    const token = client.cookies.get('__Host-rastup_rt')!;
    const logout = await client.post('/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.setCookies.some((line) => line.startsWith('__Host-rastup_rt=;') && /Max-Age=0/.test(line))).toBe(true);
    const again = new AuthClient();
    again.cookies.set('__Host-rastup_rt', token);
    expect((await again.post('/auth/token/refresh')).status).toBe(401);
    expect((await gql(accessToken, '{ mySessions { id } }')).body.errors[0].errorType).toBe('UNAUTHENTICATED');
  });

  it('refuses a refresh without a cookie', async () => {
    expect((await new AuthClient().post('/auth/token/refresh')).status).toBe(401);
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

    const revoke = await gql(accessToken, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: other.body.sessionId });
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
