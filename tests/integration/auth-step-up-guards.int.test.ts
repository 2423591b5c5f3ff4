/**
 * Step-up where a stolen session would otherwise be enough (security review items 2 and 7), and
 * account deletion ending every session at once:
 *  - TOTP enrolment needs a second factor on the session within 10 minutes (a thief enrolling
 *    their own authenticator would lock the owner out: a reset never bypasses MFA); the owner is
 *    emailed when MFA is switched on;
 *  - the data export (full phone, IP history, linked identities' emails) needs one too.
 */
import { describe, expect, it } from 'vitest';
import { AuthClient, gql, messagesTo, registeredUser, signIn, stepUpByEmail, totp } from '../support/auth-client.ts';

const START = 'mutation { startTotpEnrollment { secret otpauthUri } }';
const CONFIRM = 'mutation($code: String!) { confirmTotpEnrollment(code: $code) { recoveryCodes } }';

describe('TOTP enrolment needs a step-up', () => {
  it('refuses a session without a recent second factor, then enrols after an emailed step-up and tells the owner', async () => {
    const { accessToken, email } = await registeredUser();
    const refused = await gql(accessToken, START);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0]).toMatchObject({ errorType: 'STEP_UP_REQUIRED', path: ['startTotpEnrollment'] });
    expect((await gql(accessToken, CONFIRM, { code: '123456' })).body.errors[0].errorType).toBe('STEP_UP_REQUIRED');
    expect((await gql(accessToken, '{ me { mfaEnabled } }')).body.data.me.mfaEnabled).toBe(false);

    await stepUpByEmail(accessToken, email);
    const started = await gql(accessToken, START);
    expect(started.body.errors).toBeUndefined();
    const confirmed = await gql(accessToken, CONFIRM, { code: totp(started.body.data.startTotpEnrollment.secret) });
    expect(confirmed.body.errors).toBeUndefined();
    expect(confirmed.body.data.confirmTotpEnrollment.recoveryCodes).toHaveLength(10);
    expect((await gql(accessToken, '{ me { mfaEnabled } }')).body.data.me.mfaEnabled).toBe(true);
    await expect.poll(async () => (await messagesTo(email, 'auth.mfa_enabled')).length).toBe(1);
  });

  it('a stolen session (no second factor) cannot finish an enrolment another session started', async () => {
    const { accessToken: stolen, email, password } = await registeredUser();
    const { accessToken: owner } = await signIn(email, password);
    await stepUpByEmail(owner, email);
    const { secret } = (await gql(owner, START)).body.data.startTotpEnrollment;
    const hijack = await gql(stolen, CONFIRM, { code: totp(secret) });
    expect(hijack.body.errors[0].errorType).toBe('STEP_UP_REQUIRED');
    expect((await gql(owner, '{ me { mfaEnabled } }')).body.data.me.mfaEnabled).toBe(false);
  });
});

describe('data export needs a step-up', () => {
  it('refuses requestDataExport without a recent second factor and accepts it after one', async () => {
    const { accessToken, email } = await registeredUser();
    const refused = await gql(accessToken, 'mutation { requestDataExport { id status } }');
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0]).toMatchObject({ errorType: 'STEP_UP_REQUIRED', path: ['requestDataExport'] });
    const stepped = await stepUpByEmail(accessToken, email);
    const accepted = await gql(stepped, 'mutation { requestDataExport { id status } }');
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data.requestDataExport.status).toBe('BUILDING');
    // The old synchronous auth-only query is gone from the schema.
    const gone = await gql(stepped, '{ myDataExport }');
    expect(gone.body.errors[0].message).toMatch(/FieldUndefined/);
  });
});

describe('account deletion', () => {
  it('ends every session of the account at once (refresh cookies and access tokens in auth)', async () => {
    const { client, accessToken, email, password } = await registeredUser();
    const other = await signIn(email, password);
    await stepUpByEmail(accessToken, email);
    const deleted = await gql(
      accessToken,
      'mutation { deleteAccount(input: { confirm: "DELETE", declineExport: true }) }',
    );
    expect(deleted.body.data.deleteAccount).toBe(true);
    for (const browser of [client, other.client]) expect((await browser.post('/auth/token/refresh')).status).toBe(401);
    for (const token of [accessToken, other.accessToken])
      expect((await gql(token, '{ me { id } mySessions { id } }')).body.errors[0].errorType).toBe('UNAUTHENTICATED');
    expect((await new AuthClient().post('/auth/login', { email, password })).status).toBe(401);
  });
});
