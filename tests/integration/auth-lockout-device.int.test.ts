/**
 * Targeted lockout (security review item 4): wrong guesses from anywhere spend the identity's
 * bucket and lockout. A browser holding a device cookie this account issued has its own bucket and
 * lockout, so the owner still gets in; and the emailed unlock link refills the identity bucket
 * as well as ending the lockout.
 */
import { describe, expect, it } from 'vitest';
import { AuthClient, latestMessage, registeredUser } from '../support/auth-client.ts';

// Worst case: the attacker solves every CAPTCHA (a farm), so the guesses reach the password check.
const TURNSTILE_PASSING_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';

/** 25 wrong guesses, each from its own IP: five failures lock, the rest drain the identity bucket. */
async function trickleGuesses(email: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 25; i++) {
    const answer = await new AuthClient().post('/auth/login', {
      email,
      password: `Guess-${i}-not-the-password!`,
      captchaToken: TURNSTILE_PASSING_TOKEN,
    });
    statuses.push(answer.status);
  }
  return statuses;
}

describe('targeted lockout', () => {
  it('25 wrong guesses from other IPs do not keep the owner out of their known browser', async () => {
    const { client: owner, email, password } = await registeredUser();
    expect(owner.cookies.has('__Host-rastup_dev')).toBe(true);
    const statuses = await trickleGuesses(email);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses).toContain(423);
    expect(statuses.at(-1)).toBe(429);
    // A browser this account does not know is still held back (identity bucket and lockout)...
    expect([423, 429]).toContain(
      (await new AuthClient().post('/auth/login', { email, password, captchaToken: TURNSTILE_PASSING_TOKEN })).status,
    );
    // ...but the owner's browser, with its device cookie, signs in without a CAPTCHA.
    const login = await owner.post('/auth/login', { email, password });
    expect(login.status).toBe(200);
    expect(login.body.accessToken).toBeTruthy();
  });

  it("a device cookie of another account, or a made-up one, gets the identity's limits", async () => {
    const { email } = await registeredUser();
    const other = await registeredUser();
    await trickleGuesses(email);
    const borrowed = new AuthClient();
    borrowed.cookies.set('__Host-rastup_dev', other.client.cookies.get('__Host-rastup_dev')!);
    const forged = new AuthClient();
    forged.cookies.set('__Host-rastup_dev', 'made-up-device-token-0123456789');
    for (const client of [borrowed, forged]) {
      expect([423, 429]).toContain(
        (
          await client.post('/auth/login', {
            email,
            password: 'Another-guess-123!',
            captchaToken: TURNSTILE_PASSING_TOKEN,
          })
        ).status,
      );
    }
  });

  it('the emailed unlock link ends the lockout and refills the identity bucket', async () => {
    const { email, password } = await registeredUser();
    await trickleGuesses(email);
    const browser = new AuthClient();
    expect((await browser.post('/auth/login', { email, password, captchaToken: TURNSTILE_PASSING_TOKEN })).status).toBe(
      429,
    );

    const mail = await latestMessage(email, 'auth.locked');
    const link = new URL(/(http\S+\/auth\/unlock\?token=\S+)/.exec(mail.text)![1]!);
    expect((await browser.get(link.pathname + link.search)).status).toBe(200);
    const login = await browser.post('/auth/login', { email, password });
    expect(login.status).toBe(200);
    expect(login.body.accessToken).toBeTruthy();
  });
});
