/**
 * Sign-up, email verification, password rules, login without enumeration, lockout with unlock
 * link, CAPTCHA on risk, rate limits — over HTTP against the local stack (NTB-AUTH-001/004/005/010).
 */
import { describe, expect, it } from 'vitest';
import {
  AuthClient,
  CONSENTS,
  gql,
  latestCode,
  latestMessage,
  messagesTo,
  registeredUser,
  strongPassword,
  uniqueEmail,
} from '../support/auth-client.ts';

const TURNSTILE_PASSING_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';

describe('sign-up and email verification', () => {
  it('signs up, verifies by emailed code, and the login token works as the bearer for viewer', async () => {
    const { accessToken, userId, client } = await registeredUser({ role: 'provider' });
    expect(userId).toMatch(/^usr_/);
    const viewer = await gql(
      accessToken,
      '{ viewer { sub roles amr authTime } me { id emailVerified roles mfaEnabled } }',
    );
    expect(viewer.body.errors).toBeUndefined();
    expect(viewer.body.data.viewer).toMatchObject({ sub: userId, roles: ['provider'], amr: ['pwd'] });
    expect(viewer.body.data.me).toMatchObject({
      id: userId,
      emailVerified: true,
      roles: ['provider'],
      mfaEnabled: false,
    });
    expect(client.cookies.has('__Host-rastup_rt')).toBe(true);
  });

  it('refuses short, common, weak and breached passwords with feedback', async () => {
    const client = new AuthClient();
    const email = uniqueEmail();
    const attempt = (password: string) => client.post('/auth/signup', { email, password, consents: CONSENTS });
    const short = await attempt('Ab1!xyz');
    expect(short.status).toBe(400);
    expect(short.body.error.details.issues[0].message).toMatch(/at least 8/);
    const common = await attempt('password123');
    expect(common.status).toBe(400);
    expect(common.body.error.message).toMatch(/common/);
    const weak = await attempt('aaaaaaaaaaaa');
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.issues[0].message.length).toBeGreaterThan(5);
    // Strong by zxcvbn's estimate, but in the (fake) Have I Been Pwned corpus.
    const breached = await attempt('rastup-breached-passphrase-2019');
    expect(breached.status).toBe(400);
    expect(breached.body.error.message).toMatch(/breach/);
    // 64+ characters and Unicode are allowed; no composition rules.
    const long = await attempt(`${'déjà vu '.repeat(8)}${strongPassword()}`);
    expect(long.status).toBe(202);
  });

  it('answers a sign-up for a taken email exactly like a new one, and tells the owner', async () => {
    const { email } = await registeredUser();
    const client = new AuthClient();
    const again = await client.post('/auth/signup', { email, password: strongPassword(), consents: CONSENTS });
    const fresh = await client.post('/auth/signup', {
      email: uniqueEmail(),
      password: strongPassword(),
      consents: CONSENTS,
    });
    expect(again.status).toBe(fresh.status);
    expect(again.body).toEqual(fresh.body);
    await latestMessage(email, 'auth.sign_up_existing');
  });

  it('refuses a wrong verification code, and the right one only once', async () => {
    const client = new AuthClient();
    const email = uniqueEmail();
    const password = strongPassword();
    await client.post('/auth/signup', { email, password, consents: CONSENTS });
    const code = await latestCode(email, 'auth.verify_email');
    const wrong = await client.post('/auth/verify-email', {
      email,
      code: code === '000000' ? '111111' : '000000',
      password,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('AUTH.INVALID_CODE');
    expect((await client.post('/auth/verify-email', { email, code, password })).status).toBe(200);
    expect((await client.post('/auth/verify-email', { email, code, password })).status).toBe(400);
  });

  it('requires the current terms and privacy versions', async () => {
    const answer = await new AuthClient().post('/auth/signup', {
      email: uniqueEmail(),
      password: strongPassword(),
      consents: { ...CONSENTS, terms: '2020-01-01' },
    });
    expect(answer.status).toBe(400);
  });
});

describe('login without enumeration', () => {
  it('answers an unknown email and a wrong password with the same status and body', async () => {
    const { email } = await registeredUser();
    const client = new AuthClient();
    const wrongPassword = await client.post('/auth/login', { email, password: strongPassword() });
    const unknown = await client.post('/auth/login', { email: uniqueEmail(), password: strongPassword() });
    expect(wrongPassword.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (body: any) => ({ ...body, error: { ...body.error, requestId: undefined } });
    expect(strip(unknown.body)).toEqual(strip(wrongPassword.body));
    expect(unknown.body.error.code).toBe('AUTH.INVALID_CREDENTIALS');
  });
});

describe('lockout, unlock link and CAPTCHA', () => {
  it('demands a CAPTCHA once the risk is high, and verifies it through the Turnstile adapter', async () => {
    const { email, password } = await registeredUser();
    const client = new AuthClient();
    for (let i = 0; i < 2; i++)
      expect((await client.post('/auth/login', { email, password: 'Wrong-password-1234!' })).status).toBe(401);
    const challenged = await client.post('/auth/login', { email, password });
    expect(challenged.status).toBe(401);
    expect(challenged.body.error).toMatchObject({
      code: 'AUTH.CAPTCHA_REQUIRED',
      details: { captcha: { provider: 'turnstile', siteKey: expect.any(String) } },
    });
    const badToken = await client.post('/auth/login', { email, password, captchaToken: 'forged-token' });
    expect(badToken.body.error.code).toBe('AUTH.CAPTCHA_REQUIRED');
    const passed = await client.post('/auth/login', { email, password, captchaToken: TURNSTILE_PASSING_TOKEN });
    expect(passed.status).toBe(200);
    expect(passed.body.accessToken).toBeTruthy();
  });

  it('locks the identity on the sixth attempt after five wrong passwords, and the emailed link unlocks it', async () => {
    const { email, password } = await registeredUser();
    const client = new AuthClient();
    for (let i = 0; i < 5; i++) {
      const wrong = await client.post('/auth/login', {
        email,
        password: `Wrong-password-${i}-xyz!`,
        captchaToken: TURNSTILE_PASSING_TOKEN,
      });
      expect(wrong.status).toBe(401);
    }
    const sixth = await client.post('/auth/login', { email, password, captchaToken: TURNSTILE_PASSING_TOKEN });
    expect(sixth.status).toBe(423);
    expect(sixth.body.error.code).toBe('AUTH.LOCKED');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);

    const mail = await latestMessage(email, 'auth.locked');
    const link = /(http\S+\/auth\/unlock\?token=\S+)/.exec(mail.text)![1]!;
    const unlock = await client.get(new URL(link).pathname + new URL(link).search);
    expect(unlock.status).toBe(200);
    const after = await client.post('/auth/login', { email, password, captchaToken: TURNSTILE_PASSING_TOKEN });
    expect(after.status).toBe(200);
    // The link works once.
    expect((await client.get(new URL(link).pathname + new URL(link).search)).status).toBe(400);
  });

  it('locks unknown emails the same way (locking reveals nothing)', async () => {
    const client = new AuthClient();
    const email = uniqueEmail('ghost');
    for (let i = 0; i < 5; i++)
      await client.post('/auth/login', {
        email,
        password: `Wrong-password-${i}-xyz!`,
        captchaToken: TURNSTILE_PASSING_TOKEN,
      });
    const sixth = await client.post('/auth/login', {
      email,
      password: strongPassword(),
      captchaToken: TURNSTILE_PASSING_TOKEN,
    });
    expect(sixth.status).toBe(423);
    expect(await messagesTo(email)).toEqual([]);
  });
});

describe('rate limits (per IP and per identity)', () => {
  it('answers 429 with Retry-After once the per-identity reset bucket is empty, whatever the IP', async () => {
    const email = uniqueEmail();
    const statuses: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 7; i++) {
      const answer = await new AuthClient().post('/auth/password/reset/request', { email });
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter = answer.headers['retry-after'];
    }
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('limits sign-ups per IP', async () => {
    const client = new AuthClient();
    const statuses: number[] = [];
    // Cheap requests: the limit is taken before any hashing, and a refused password still spends a token.
    for (let i = 0; i < 22; i++)
      statuses.push(
        (await client.post('/auth/signup', { email: uniqueEmail(), password: 'short', consents: CONSENTS })).status,
      );
    expect(statuses.filter((status) => status === 400)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });

  it('refuses a batch of attempts in one request body', async () => {
    const answer = await new AuthClient().post('/auth/login', [
      { email: uniqueEmail(), password: 'x' },
      { email: uniqueEmail(), password: 'y' },
    ]);
    expect(answer.status).toBe(400);
  });
});
