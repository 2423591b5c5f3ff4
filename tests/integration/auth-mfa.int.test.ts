/**
 * MFA and step-up (NTB-AUTH-007) and password reset (NTB-AUTH-006): TOTP from an
 * authenticator-style generator, recovery codes once, STEP_UP_REQUIRED without a fresh second
 * factor, aliased attempts counted one by one, reset codes single use and never bypassing MFA.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthClient,
  enrolTotp as enrolWithStepUp,
  gql,
  latestCode,
  registeredUser,
  signIn,
  strongPassword,
  totp,
} from '../support/auth-client.ts';

/**
 * Enrols TOTP from a second browser session (enrolment needs a step-up, auth-mfa-enrolment), so
 * the caller's own session stays without a second factor for the step-up checks below.
 */
async function enrolTotp(email: string, password: string) {
  const { accessToken } = await signIn(email, password);
  const enrolled = await enrolWithStepUp(accessToken, email);
  expect(enrolled.otpauthUri).toMatch(/^otpauth:\/\/totp\/RastUp:.+\?.*secret=/);
  expect(enrolled.otpauthUri).toContain('issuer=RastUp');
  return enrolled;
}

/** A code for the next time step: the current one was spent (each step is accepted once). */
function nextStepCode(secret: string): string {
  return totp(secret, Date.now() + 30_000);
}

describe('TOTP enrolment and MFA sign-in', () => {
  it('enrols with an otpauth URI, then sign-in asks for the code and amr says otp', async () => {
    const { accessToken, email, password } = await registeredUser();
    const { secret, recoveryCodes } = await enrolTotp(email, password);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await gql(accessToken, '{ me { mfaEnabled } }')).body.data.me.mfaEnabled).toBe(true);

    const client = new AuthClient();
    const first = await client.post('/auth/login', { email, password });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code'] });
    expect(first.body.accessToken).toBeUndefined();
    expect(client.cookies.has('__Host-rastup_rt')).toBe(false);

    const wrong = await client.post('/auth/mfa/verify', {
      mfaToken: first.body.mfaToken,
      method: 'totp',
      code: '000000' === totp(secret) ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    const second = await client.post('/auth/mfa/verify', {
      mfaToken: first.body.mfaToken,
      method: 'totp',
      code: nextStepCode(secret),
    });
    expect(second.status).toBe(200);
    expect(second.body.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    const viewer = await gql(second.body.accessToken, '{ viewer { amr } }');
    expect(viewer.body.data.viewer.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
    // The challenge is spent.
    expect(
      (
        await client.post('/auth/mfa/verify', {
          mfaToken: first.body.mfaToken,
          method: 'totp',
          code: nextStepCode(secret),
        })
      ).status,
    ).toBe(400);
  });

  it('accepts each recovery code once', async () => {
    const { email, password } = await registeredUser();
    const { recoveryCodes } = await enrolTotp(email, password);
    const client = new AuthClient();
    const login = async () => (await client.post('/auth/login', { email, password })).body.mfaToken as string;
    const used = await client.post('/auth/mfa/verify', {
      mfaToken: await login(),
      method: 'recovery_code',
      code: recoveryCodes[0]!.toLowerCase(),
    });
    expect(used.status).toBe(200);
    const reused = await client.post('/auth/mfa/verify', {
      mfaToken: await login(),
      method: 'recovery_code',
      code: recoveryCodes[0],
    });
    expect(reused.status).toBe(400);
  });
});

describe('step-up', () => {
  const changePassword = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) }';

  it('refuses a protected mutation without a fresh second factor and accepts it with one (TOTP)', async () => {
    const { accessToken, email, password } = await registeredUser();
    const { secret } = await enrolTotp(email, password);
    // This session signed in with a password only: no second factor yet.
    const refused = await gql(accessToken, changePassword, {
      input: { currentPassword: password, newPassword: strongPassword() },
    });
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0]).toMatchObject({ errorType: 'STEP_UP_REQUIRED', path: ['changePassword'] });

    const stepped = await gql(
      accessToken,
      'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil amr } }',
      { input: { method: 'TOTP', code: nextStepCode(secret) } },
    );
    expect(stepped.body.errors).toBeUndefined();
    expect(stepped.body.data.stepUp.amr).toContain('otp');
    const newPassword = strongPassword();
    const changed = await gql(accessToken, changePassword, { input: { currentPassword: password, newPassword } });
    expect(changed.body.data.changePassword).toBe(true);
    expect((await new AuthClient().post('/auth/login', { email, password: newPassword })).body.mfaRequired).toBe(true);
  });

  it('steps up with an emailed code when the account has no TOTP; a wrong code is refused', async () => {
    const { accessToken, email, password } = await registeredUser();
    const refused = await gql(
      accessToken,
      'mutation { deleteAccount(input: { confirm: "DELETE", declineExport: true }) }',
    );
    expect(refused.body.errors[0].errorType).toBe('STEP_UP_REQUIRED');
    await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
    const code = await latestCode(email, 'auth.step_up');
    const wrong = await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil } }', {
      input: { method: 'EMAIL_CODE', code: code === '000000' ? '111111' : '000000' },
    });
    expect(wrong.body.errors[0].errorType).toBe('INVALID_CODE');
    // TOTP is not available to this account.
    const noTotp = await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil } }', {
      input: { method: 'TOTP', code: '123456' },
    });
    expect(noTotp.body.errors[0].errorType).toBe('INVALID_CODE');
    const ok = await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil amr } }', {
      input: { method: 'EMAIL_CODE', code },
    });
    expect(ok.body.errors).toBeUndefined();
    expect(new Date(ok.body.data.stepUp.validUntil).getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
    const changed = await gql(accessToken, 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) }', {
      input: { currentPassword: password, newPassword: strongPassword() },
    });
    expect(changed.body.data.changePassword).toBe(true);
  });

  it('counts aliased step-up attempts in one GraphQL document one by one', async () => {
    const { accessToken } = await registeredUser();
    const aliases = Array.from(
      { length: 14 },
      (_, i) => `a${i}: stepUp(input: { method: EMAIL_CODE, code: "${String(100000 + i)}" }) { validUntil }`,
    ).join('\n');
    const answer = await gql(accessToken, `mutation { ${aliases} }`);
    const types = answer.body.errors.map((error: any) => error.errorType);
    expect(types.filter((type: string) => type === 'INVALID_CODE')).toHaveLength(10);
    expect(types.filter((type: string) => type === 'RATE_LIMITED')).toHaveLength(4);
    const limited = answer.body.errors.find((error: any) => error.errorType === 'RATE_LIMITED');
    expect(limited.errorInfo.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('disabling MFA needs step-up; an MFA sign-in counts as one', async () => {
    const { accessToken, email, password } = await registeredUser();
    const { secret } = await enrolTotp(email, password);
    expect((await gql(accessToken, 'mutation { disableMfa }')).body.errors[0].errorType).toBe('STEP_UP_REQUIRED');
    const client = new AuthClient();
    const first = await client.post('/auth/login', { email, password });
    const second = await client.post('/auth/mfa/verify', {
      mfaToken: first.body.mfaToken,
      method: 'totp',
      code: nextStepCode(secret),
    });
    const disabled = await gql(second.body.accessToken, 'mutation { disableMfa }');
    expect(disabled.body.data.disableMfa).toBe(true);
    expect((await gql(accessToken, '{ me { mfaEnabled } }')).body.data.me.mfaEnabled).toBe(false);
  });
});

describe('password reset by emailed code', () => {
  it('resets once with the code, revokes sessions, and a second use is refused', async () => {
    const { client, email, accessToken } = await registeredUser();
    const reset = new AuthClient();
    expect((await reset.post('/auth/password/reset/request', { email })).status).toBe(202);
    const code = await latestCode(email, 'auth.reset_password');
    const newPassword = strongPassword();
    const done = await reset.post('/auth/password/reset/confirm', { email, code, newPassword });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ reset: true, signInRequired: true });
    const twice = await reset.post('/auth/password/reset/confirm', { email, code, newPassword: strongPassword() });
    expect(twice.status).toBe(400);
    expect(twice.body.error.code).toBe('AUTH.INVALID_CODE');
    // Every session was revoked.
    expect((await client.post('/auth/token/refresh')).status).toBe(401);
    expect((await gql(accessToken, '{ me { id } }')).body.errors[0].errorType).toBe('UNAUTHENTICATED');
    expect((await reset.post('/auth/login', { email, password: newPassword })).status).toBe(200);
  });

  it('answers the same for an unknown email', async () => {
    const answer = await new AuthClient().post('/auth/password/reset/request', {
      email: `nobody-${Date.now()}@example.test`,
    });
    expect(answer.status).toBe(202);
  });

  it('never bypasses MFA: after a reset, sign-in still asks for the second factor', async () => {
    const { email, password } = await registeredUser();
    await enrolTotp(email, password);
    const reset = new AuthClient();
    await reset.post('/auth/password/reset/request', { email });
    const code = await latestCode(email, 'auth.reset_password');
    const newPassword = strongPassword();
    const done = await reset.post('/auth/password/reset/confirm', { email, code, newPassword });
    expect(done.status).toBe(200);
    expect(done.body.accessToken).toBeUndefined();
    expect(reset.cookies.has('__Host-rastup_rt')).toBe(false);
    const login = await reset.post('/auth/login', { email, password: newPassword });
    expect(login.body.mfaRequired).toBe(true);
  });

  it('refuses a weak new password without burning the code', async () => {
    const { email } = await registeredUser();
    const reset = new AuthClient();
    await reset.post('/auth/password/reset/request', { email });
    const code = await latestCode(email, 'auth.reset_password');
    expect((await reset.post('/auth/password/reset/confirm', { email, code, newPassword: 'password1' })).status).toBe(
      400,
    );
    expect(
      (await reset.post('/auth/password/reset/confirm', { email, code, newPassword: strongPassword() })).status,
    ).toBe(200);
  });
});
