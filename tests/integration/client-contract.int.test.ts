/**
 * What docs/client-developers.md promises a client developer, checked against the local stack:
 * the public consent versions (`GET /auth/consents`) are what sign-up accepts, `/dev/mailbox`
 * lists messages newest first in the documented shape, and the documented error codes for a weak
 * password and a revoked session.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthClient,
  latestCode,
  mailbox,
  registeredUser,
  strongPassword,
  uniqueEmail,
} from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';

const WEB_APP = 'http://localhost:3000';

describe('GET /auth/consents', () => {
  it('is public, readable by the web app, and names the versions sign-up accepts', async () => {
    const response = await fetch(`${stackInfo().endpoints.restUrl}/auth/consents`, { headers: { origin: WEB_APP } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(WEB_APP);
    const versions = (await response.json()) as { terms: string; privacy: string };
    expect(versions).toEqual({ terms: expect.any(String), privacy: expect.any(String) });

    const client = new AuthClient();
    const email = uniqueEmail('consents');
    const accepted = await client.post('/auth/signup', {
      email,
      password: strongPassword(),
      consents: { ...versions, marketing: false },
    });
    expect(accepted.status).toBe(202);
    const stale = await new AuthClient().post('/auth/signup', {
      email: uniqueEmail('consents'),
      password: strongPassword(),
      consents: { terms: '1999-01-01', privacy: versions.privacy, marketing: false },
    });
    expect(stale.status).toBe(400);
  });
});

describe('GET /dev/mailbox', () => {
  it('lists captured messages newest first, in the documented shape', async () => {
    const client = new AuthClient();
    const email = uniqueEmail('mailbox');
    const versions = (await (await fetch(`${stackInfo().endpoints.restUrl}/auth/consents`)).json()) as object;
    await client.post('/auth/signup', {
      email,
      password: strongPassword(),
      consents: { ...versions, marketing: false },
    });
    await latestCode(email, 'auth.verify_email');
    await client.post('/auth/verify-email/resend', { email });
    await latestCode(email, 'auth.verify_email');
    const mine = (await mailbox()).filter((message) => message.to === email);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const message of mine)
      expect(Object.keys(message).sort()).toEqual(['channel', 'sentAt', 'subject', 'template', 'text', 'to']);
    expect(mine[0]).toMatchObject({ channel: 'email', template: 'auth.verify_email' });
    const times = mine.map((message) => Date.parse(message.sentAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });
});

describe('documented error codes', () => {
  it('a weak password: 400 REQUEST.INVALID with details.issues[].path "password"', async () => {
    const answer = await new AuthClient().post('/auth/signup', {
      email: uniqueEmail('weak'),
      password: 'password1234',
      consents: {
        ...((await (await fetch(`${stackInfo().endpoints.restUrl}/auth/consents`)).json()) as object),
        marketing: false,
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('REQUEST.INVALID');
    expect(answer.body.error.details.issues[0].path).toBe('password');
  });

  it('a revoked session: refresh answers 401 AUTH.UNAUTHENTICATED', async () => {
    const user = await registeredUser();
    const stolen = new Map(user.client.cookies);
    expect((await user.client.post('/auth/logout')).status).toBe(204);
    const replay = new AuthClient(user.client.ip);
    for (const [name, value] of stolen) replay.cookies.set(name, value);
    const answer = await replay.post('/auth/token/refresh');
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('AUTH.UNAUTHENTICATED');
  });
});
