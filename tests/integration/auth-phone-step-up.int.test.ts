/**
 * Security re-review (HIGH): a stolen session must not obtain a step-up by adding the thief's own
 * phone. Adding or replacing a phone needs a step-up by a factor the account already had; the owner
 * is emailed; and a phone verified within the last 24 hours is neither offered nor accepted for SMS
 * step-up. Plus the bodiless cookie routes, callable without a Content-Type (low item).
 */
import { describe, expect, it } from 'vitest';
import { stackInfo } from '../support/clients.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { gql, latestMessage, messagesTo, registeredUser, stepUpByEmail } from '../support/auth-client.ts';

const START = 'mutation($p: String!) { startPhoneVerification(phone: $p) }';
const CONFIRM = 'mutation($c: String!) { confirmPhone(code: $c) { phoneVerified phone } }';
const SEND_SMS = 'mutation { sendStepUpCode(channel: SMS) }';
const STEP_UP_SMS = 'mutation($c: String!) { stepUp(input: { method: SMS_CODE, code: $c }) { amr } }';

function randomPhone(): string {
  return `+1555${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;
}

async function textedCode(phone: string): Promise<string> {
  return /\b(\d{6})\b/.exec((await latestMessage(phone, 'twilio')).text)![1]!;
}

async function addPhone(accessToken: string, phone: string): Promise<void> {
  expect((await gql(accessToken, START, { p: phone })).body.errors).toBeUndefined();
  const confirmed = await gql(accessToken, CONFIRM, { c: await textedCode(phone) });
  expect(confirmed.body.errors).toBeUndefined();
  expect(confirmed.body.data.confirmPhone.phoneVerified).toBe(true);
}

async function agePhone(userId: string, hours: number): Promise<void> {
  const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
  try {
    await db.query(`UPDATE users SET phone_verified_at = phone_verified_at - $2 * interval '1 hour' WHERE id = $1`, [
      userId,
      hours,
    ]);
  } finally {
    await db.close();
  }
}

describe('adding a phone needs a step-up by an existing factor', () => {
  it('refuses a plain session (start and confirm), then works after an emailed step-up and emails the owner', async () => {
    const { accessToken, email } = await registeredUser();
    const phone = randomPhone();
    const refused = await gql(accessToken, START, { p: phone });
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0]).toMatchObject({ errorType: 'STEP_UP_REQUIRED', path: ['startPhoneVerification'] });
    expect((await gql(accessToken, CONFIRM, { c: '123456' })).body.errors[0]).toMatchObject({
      errorType: 'STEP_UP_REQUIRED',
      path: ['confirmPhone'],
    });
    expect(await messagesTo(phone)).toHaveLength(0);
    expect((await gql(accessToken, '{ me { phoneVerified } }')).body.data.me.phoneVerified).toBe(false);

    await stepUpByEmail(accessToken, email);
    await addPhone(accessToken, phone);
    const mail = await latestMessage(email, 'auth.phone_added');
    expect(mail.subject).toBe('A phone number was added to your RastUp account');
    expect(mail.text).toContain(phone.slice(-4));
    expect(mail.text).not.toContain(phone);
  });

  it('does not offer or accept SMS step-up for a phone verified in the last 24 hours', async () => {
    const { accessToken, email, userId } = await registeredUser();
    await stepUpByEmail(accessToken, email);
    const phone = randomPhone();
    await addPhone(accessToken, phone);

    const sent = await gql(accessToken, SEND_SMS);
    expect(sent.body.errors[0].errorType).toBe('BAD_REQUEST');
    expect((await messagesTo(phone)).filter((message) => /confirmation code/.test(message.text))).toHaveLength(0);
    expect((await gql(accessToken, STEP_UP_SMS, { c: '123456' })).body.errors[0].errorType).toBe('INVALID_CODE');

    // 23 hours on: still refused. 25 hours on: offered and accepted.
    await agePhone(userId, 23);
    expect((await gql(accessToken, SEND_SMS)).body.errors[0].errorType).toBe('BAD_REQUEST');
    await agePhone(userId, 2);
    expect((await gql(accessToken, SEND_SMS)).body.errors).toBeUndefined();
    const stepped = await gql(accessToken, STEP_UP_SMS, { c: await textedCode(phone) });
    expect(stepped.body.errors).toBeUndefined();
    expect(stepped.body.data.stepUp.amr).toContain('sms');
  });

  it('replacing the phone emails the owner and restarts the 24 hours (an SMS code sent before does not count)', async () => {
    const { accessToken, email, userId } = await registeredUser();
    await stepUpByEmail(accessToken, email);
    const oldPhone = randomPhone();
    await addPhone(accessToken, oldPhone);
    await agePhone(userId, 25);
    expect((await gql(accessToken, SEND_SMS)).body.errors).toBeUndefined();
    const pending = await textedCode(oldPhone);

    const newPhone = randomPhone();
    await addPhone(accessToken, newPhone); // the session's emailed step-up is still recent
    const mail = await latestMessage(email, 'auth.phone_added');
    expect(mail.subject).toBe('The phone number of your RastUp account was changed');
    expect(mail.text).toContain(newPhone.slice(-4));
    expect((await gql(accessToken, STEP_UP_SMS, { c: pending })).body.errors[0].errorType).toBe('INVALID_CODE');
    expect((await gql(accessToken, SEND_SMS)).body.errors[0].errorType).toBe('BAD_REQUEST');
  });
});

describe('bodiless cookie routes', () => {
  it('answer without a Content-Type when there is no body; a form body is still 415', async () => {
    const { client } = await registeredUser();
    const bare = (path: string, headers: Record<string, string> = {}) => client.send('POST', path, undefined, headers);
    expect((await bare('/auth/oauth/nonce')).status).toBe(200);
    expect(
      (await client.send('POST', '/auth/token/refresh', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }))
        .status,
    ).toBe(415);
    expect(
      (await client.send('POST', '/auth/logout', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }))
        .status,
    ).toBe(415);
    expect((await bare('/auth/token/refresh', { origin: 'https://evil.example' })).status).toBe(403);
    const refreshed = await bare('/auth/token/refresh');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.accessToken).toBeTruthy();
    expect((await bare('/auth/logout')).status).toBe(204);
    expect((await bare('/auth/token/refresh')).status).toBe(401);
  });
});
