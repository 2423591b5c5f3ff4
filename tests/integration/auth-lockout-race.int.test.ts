/**
 * Lockout under concurrency (issue 9): guesses for one account arriving together, each from its own
 * address, are counted one by one. At most five are judged (401) before the lock holds; the rest
 * are refused as locked (423), including those already past the lock check when the lock was set;
 * the lock is set once (one unlock mail) and no concurrent failure erases it.
 */
import { describe, expect, it } from 'vitest';
import { AuthClient, messagesTo, randomLoopbackIp, registeredUser } from '../support/auth-client.ts';

// The attacker solves every CAPTCHA (a farm), so every guess reaches the password check.
const TURNSTILE_PASSING_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';

async function guessTogether(email: string, count: number): Promise<number[]> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const ip = randomLoopbackIp();
      return new AuthClient(ip).post(
        '/auth/login',
        { email, password: `Wrong-guess-${i}-together!`, captchaToken: TURNSTILE_PASSING_TOKEN },
        { 'x-forwarded-for': ip },
      );
    }),
  );
  return answers.map((answer) => answer.status);
}

describe('lockout under concurrency', () => {
  it('10 wrong passwords at once: at most 5 judged, the rest locked, one unlock mail, then the right password is refused', async () => {
    const { email, password } = await registeredUser();
    const statuses = await guessTogether(email, 10);
    const judged = statuses.filter((status) => status === 401).length;
    expect(judged, `statuses ${statuses.join(',')}`).toBeLessThanOrEqual(5);
    expect(judged).toBeGreaterThan(0);
    expect(
      statuses.filter((status) => status !== 401).every((status) => status === 423),
      statuses.join(','),
    ).toBe(true);

    // Mail goes out after the commit: wait for it, then make sure no second one follows.
    const deadline = Date.now() + 3_000;
    while ((await messagesTo(email, 'auth.locked')).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await messagesTo(email, 'auth.locked')).toHaveLength(1);

    const owner = await new AuthClient().post('/auth/login', {
      email,
      password,
      captchaToken: TURNSTILE_PASSING_TOKEN,
    });
    expect(owner.status).toBe(423);
    expect(owner.body.error.code).toBe('AUTH.LOCKED');
  });

  it('a second wave while locked changes nothing: still locked, still one mail', async () => {
    const { email, password } = await registeredUser();
    await guessTogether(email, 10);
    // 8, not 10: the identity bucket (20 per 15 minutes) would answer the 21st attempt 429.
    const again = await guessTogether(email, 8);
    expect(
      again.every((status) => status === 423),
      again.join(','),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await messagesTo(email, 'auth.locked')).toHaveLength(1);
    expect(
      (await new AuthClient().post('/auth/login', { email, password, captchaToken: TURNSTILE_PASSING_TOKEN })).status,
    ).toBe(423);
  });
});
