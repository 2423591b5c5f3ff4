/**
 * Pre-registration takeover (security review item 1): someone signs up first with the victim's
 * address and a password of their own. The account stays unverified, so the victim's own sign-up
 * replaces that registration (password, roles, name, consents; sessions and codes discarded), and
 * verification binds to the password as well as the emailed code, so the mailbox owner can only
 * ever verify a password they chose. Same answer either way (no enumeration).
 */
import { describe, expect, it } from 'vitest';
import {
  AuthClient,
  CONSENTS,
  gql,
  latestCode,
  messagesTo,
  strongPassword,
  uniqueEmail,
} from '../support/auth-client.ts';

describe('pre-registration takeover', () => {
  it("the owner's later sign-up replaces the squatter's password, roles, name and consents", async () => {
    const email = uniqueEmail('victim');
    const attacker = new AuthClient();
    const attackerPassword = strongPassword();
    const squat = await attacker.post('/auth/signup', {
      email,
      password: attackerPassword,
      role: 'provider',
      displayName: 'Squatter',
      consents: { ...CONSENTS, marketing: true },
    });
    expect(squat.status).toBe(202);

    const owner = new AuthClient();
    const ownerPassword = strongPassword();
    const signUp = await owner.post('/auth/signup', {
      email,
      password: ownerPassword,
      displayName: 'Owner',
      consents: CONSENTS,
    });
    // The same answer a brand-new address gets.
    const fresh = await new AuthClient().post('/auth/signup', {
      email: uniqueEmail(),
      password: strongPassword(),
      consents: CONSENTS,
    });
    expect([signUp.status, signUp.body]).toEqual([fresh.status, fresh.body]);
    expect(await messagesTo(email, 'auth.sign_up_existing')).toHaveLength(0);

    const code = await latestCode(email, 'auth.verify_email');
    expect((await owner.post('/auth/verify-email', { email, code, password: ownerPassword })).status).toBe(200);

    // The squatter's password does not open the account; the owner's does.
    const attackerLogin = await attacker.post('/auth/login', { email, password: attackerPassword });
    expect(attackerLogin.status).toBe(401);
    expect(attackerLogin.body.accessToken).toBeUndefined();
    const login = await owner.post('/auth/login', { email, password: ownerPassword });
    expect(login.status).toBe(200);

    const me = await gql(
      login.body.accessToken,
      '{ me { displayName roles } myConsents { current { kind granted } history { kind } } }',
    );
    expect(me.body.data.me).toEqual({ displayName: 'Owner', roles: ['client'] });
    // Only the owner's consent records remain (the squatter's marketing opt-in went with its registration).
    expect(me.body.data.myConsents.history).toHaveLength(3);
    expect(me.body.data.myConsents.current).toContainEqual({ kind: 'marketing', granted: false });
  });

  it('a squatter signing up again after the owner cannot get their password verified by the owner', async () => {
    const email = uniqueEmail('victim');
    const owner = new AuthClient();
    const ownerPassword = strongPassword();
    await owner.post('/auth/signup', { email, password: ownerPassword, consents: CONSENTS });
    const ownerCode = await latestCode(email, 'auth.verify_email');

    // The squatter re-registers in between: the owner's code is discarded, a new one is mailed.
    const attacker = new AuthClient();
    const attackerPassword = strongPassword();
    expect(
      (await attacker.post('/auth/signup', { email, password: attackerPassword, consents: CONSENTS })).status,
    ).toBe(202);
    expect((await owner.post('/auth/verify-email', { email, code: ownerCode, password: ownerPassword })).status).toBe(
      400,
    );
    await expect.poll(async () => (await messagesTo(email, 'auth.verify_email')).length).toBe(2);
    const newest = await latestCode(email, 'auth.verify_email');

    // The owner enters the newest code with their password: refused, since the password now on the
    // account is not theirs. Nothing is verified, so the squatter cannot sign in either.
    const refused = await owner.post('/auth/verify-email', { email, code: newest, password: ownerPassword });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('AUTH.INVALID_CODE');
    expect((await attacker.post('/auth/login', { email, password: attackerPassword })).status).toBe(403);

    // The owner signs up again and verifies their own password.
    await owner.post('/auth/signup', { email, password: ownerPassword, consents: CONSENTS });
    await expect.poll(async () => (await messagesTo(email, 'auth.verify_email')).length).toBeGreaterThanOrEqual(3);
    const ownCode = await latestCode(email, 'auth.verify_email');
    expect((await owner.post('/auth/verify-email', { email, code: ownCode, password: ownerPassword })).status).toBe(
      200,
    );
    expect((await owner.post('/auth/login', { email, password: ownerPassword })).status).toBe(200);
    expect((await attacker.post('/auth/login', { email, password: attackerPassword })).status).toBe(401);
  });

  it('answers verification for an unknown email, a wrong code and a wrong password alike', async () => {
    const email = uniqueEmail();
    const password = strongPassword();
    const client = new AuthClient();
    await client.post('/auth/signup', { email, password, consents: CONSENTS });
    const code = await latestCode(email, 'auth.verify_email');
    const wrongPassword = await client.post('/auth/verify-email', { email, code, password: strongPassword() });
    const wrongCode = await client.post('/auth/verify-email', {
      email,
      code: code === '000000' ? '111111' : '000000',
      password,
    });
    const unknown = await client.post('/auth/verify-email', { email: uniqueEmail('ghost'), code, password });
    for (const answer of [wrongPassword, wrongCode, unknown]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'AUTH.INVALID_CODE' });
    }
    expect(wrongPassword.body.error.message).toBe(unknown.body.error.message);
    // The code survived the wrong password (it counted as one wrong guess) and still works.
    expect((await client.post('/auth/verify-email', { email, code, password })).status).toBe(200);
  });
});
