/**
 * Reset-confirm enumeration (security review item 5): the code is checked before anything else,
 * so a known email with a wrong code answers exactly like an unknown email, whatever new password
 * is sent (the password policy runs only for a caller holding a valid code).
 */
import { describe, expect, it } from 'vitest';
import { AuthClient, latestCode, registeredUser, strongPassword, uniqueEmail } from '../support/auth-client.ts';

const withoutRequestId = (body: any) => ({ ...body, error: { ...body.error, requestId: undefined } });

describe('password reset confirm without enumeration', () => {
  it('answers a known email with a wrong code like an unknown email, for weak and strong new passwords', async () => {
    const { email } = await registeredUser();
    const client = new AuthClient();
    await client.post('/auth/password/reset/request', { email });
    const code = await latestCode(email, 'auth.reset_password');
    const wrong = code === '000000' ? '111111' : '000000';
    for (const newPassword of ['password1', 'short', strongPassword()]) {
      const known = await client.post('/auth/password/reset/confirm', { email, code: wrong, newPassword });
      const unknown = await client.post('/auth/password/reset/confirm', {
        email: uniqueEmail('ghost'),
        code: wrong,
        newPassword,
      });
      expect(known.status).toBe(400);
      expect(known.body.error.code).toBe('AUTH.INVALID_CODE');
      expect([known.status, withoutRequestId(known.body)]).toEqual([unknown.status, withoutRequestId(unknown.body)]);
    }
    // Three wrong guesses spent, the code still works (five are allowed), and a weak password is
    // still refused with feedback once the code is right, without burning the code.
    expect(
      (await client.post('/auth/password/reset/confirm', { email, code, newPassword: 'password1' })).body.error.code,
    ).toBe('REQUEST.INVALID');
    expect(
      (await client.post('/auth/password/reset/confirm', { email, code, newPassword: strongPassword() })).status,
    ).toBe(200);
  });
});
