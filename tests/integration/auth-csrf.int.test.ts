/**
 * Login CSRF (security review item 3): the cookie-setting and cookie-reading /auth routes take JSON
 * only (415 otherwise: no cross-site HTML form can send JSON without a preflight) and refuse a
 * browser Origin outside ALLOWED_WEB_ORIGINS (403). Allowed origins get credentialed CORS answers,
 * and the preflight (API Gateway's in AWS, the local gateway's here) answers them only.
 */
import { describe, expect, it } from 'vitest';
import { stackInfo } from '../support/clients.ts';
import { AuthClient, registeredUser } from '../support/auth-client.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const EVIL = 'https://evil.example';
const WEB_APP = 'http://localhost:3000';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('login CSRF', () => {
  it('refuses a form-encoded login (what a cross-site <form> posts) with 415 and sets no cookie', async () => {
    const { email, password } = await registeredUser();
    const victim = new AuthClient();
    const posted = await victim.post('/auth/login', form({ email, password }), FORM);
    expect(posted.status).toBe(415);
    expect(posted.body.error.code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
    expect(posted.setCookies).toEqual([]);
    expect(victim.cookies.size).toBe(0);
    // text/plain is the other type a form (enctype) or a no-cors fetch can send without a preflight.
    expect(
      (await victim.post('/auth/login', JSON.stringify({ email, password }), { 'content-type': 'text/plain' })).status,
    ).toBe(415);
    expect(victim.cookies.size).toBe(0);
  });

  it('applies the JSON-only rule to every cookie route', async () => {
    const { client, email } = await registeredUser();
    for (const path of [
      '/auth/token/refresh',
      '/auth/logout',
      '/auth/signup',
      '/auth/mfa/verify',
      '/auth/oauth/google',
      '/auth/oauth/nonce',
      '/auth/password/reset/confirm',
      '/auth/verify-email',
    ]) {
      const answer = await client.post(path, form({ email }), FORM);
      expect(answer.status, path).toBe(415);
    }
    // The session survived all of it.
    expect((await client.post('/auth/token/refresh')).status).toBe(200);
  });

  it('refuses a cross-origin request with 403 and no CORS headers, and serves the web app with credentials', async () => {
    const { client, email, password } = await registeredUser();
    const attacker = new AuthClient();
    const crossSite = await attacker.post('/auth/login', { email, password }, { origin: EVIL });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe('REQUEST.ORIGIN_NOT_ALLOWED');
    expect(crossSite.setCookies).toEqual([]);
    expect(crossSite.headers['access-control-allow-origin']).toBeUndefined();
    expect((await client.post('/auth/token/refresh', {}, { origin: EVIL })).status).toBe(403);
    expect((await client.post('/auth/logout', {}, { origin: 'null' })).status).toBe(403);

    const webApp = await new AuthClient().post('/auth/login', { email, password }, { origin: WEB_APP });
    expect(webApp.status).toBe(200);
    expect(webApp.headers['access-control-allow-origin']).toBe(WEB_APP);
    expect(webApp.headers['access-control-allow-credentials']).toBe('true');
    expect(webApp.headers.vary).toMatch(/origin/i);
    // The stack's own origin is on the list too.
    const own = new URL(stackInfo().endpoints.restUrl).origin;
    expect((await client.post('/auth/token/refresh', {}, { origin: own })).status).toBe(200);
    // Errors reach the web app readable (CORS on refusals too).
    const wrong = await new AuthClient().post(
      '/auth/login',
      { email, password: 'Not-the-password-1!' },
      { origin: WEB_APP },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers['access-control-allow-origin']).toBe(WEB_APP);
  });

  it('answers the preflight for allowed origins only, with credentials', async () => {
    const client = new AuthClient();
    const allowed = await client.send('OPTIONS', '/auth/login', undefined, {
      origin: WEB_APP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': WEB_APP,
      'access-control-allow-credentials': 'true',
    });
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('content-type');
    const refused = await client.send('OPTIONS', '/auth/login', undefined, {
      origin: EVIL,
      'access-control-request-method': 'POST',
    });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps the public discovery documents readable from any origin', async () => {
    expect((await new AuthClient().send('GET', '/.well-known/jwks.json', undefined, { origin: EVIL })).status).toBe(
      200,
    );
  });
});
