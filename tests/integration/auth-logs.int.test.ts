/**
 * No password, code, token or secret appears in any log line (Appendix L): this file runs every
 * sensitive flow with secrets it remembers, then reads the stack's log file and looks for them,
 * plus generic shapes (JWTs, refresh/device cookies, every code sent to the mailbox so far).
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stackInfo } from '../support/clients.ts';
import {
  AuthClient,
  CONSENTS,
  gql,
  latestCode,
  mailbox,
  registeredUser,
  stepUpByEmail,
  strongPassword,
  totp,
  uniqueEmail,
} from '../support/auth-client.ts';

describe('logs', () => {
  it('never contain the passwords, codes, tokens or secrets used in the flows', async () => {
    const secrets: string[] = [];
    const remember = (...values: (string | undefined)[]) =>
      values.forEach((value) => value && value.length >= 6 && secrets.push(value));

    const { client, email, password, accessToken } = await registeredUser();
    remember(password, accessToken, client.cookies.get('__Host-rastup_rt'), client.cookies.get('__Host-rastup_dev'));
    // Failures and refusals are logged too: they must not echo the input.
    const wrong = `Wrong-${randomUUID()}`;
    remember(wrong);
    await new AuthClient().post('/auth/login', { email, password: wrong });
    const weak = `weakpass${Date.now() % 1000}`;
    await new AuthClient().post('/auth/signup', { email: uniqueEmail(), password: weak, consents: CONSENTS });
    remember(weak);
    const refreshed = await client.post('/auth/token/refresh');
    remember(refreshed.body.accessToken, client.cookies.get('__Host-rastup_rt'));
    // Two tabs refreshing with one token at once: the grace answer hands out the sealed successor.
    const tabs = [new AuthClient(client.ip), new AuthClient(client.ip)];
    for (const tab of tabs) tab.cookies.set('__Host-rastup_rt', client.cookies.get('__Host-rastup_rt')!);
    for (const answer of await Promise.all(tabs.map((tab) => tab.post('/auth/token/refresh'))))
      remember(answer.body?.accessToken);
    remember(...tabs.map((tab) => tab.cookies.get('__Host-rastup_rt')));

    // MFA enrolment (after an emailed step-up, whose token is a secret too), secret, recovery codes, step-up.
    remember(await stepUpByEmail(accessToken, email), await latestCode(email, 'auth.step_up'));
    const enrolment = (await gql(accessToken, 'mutation { startTotpEnrollment { secret otpauthUri } }')).body.data
      .startTotpEnrollment;
    remember(enrolment.secret);
    const codes = (
      await gql(accessToken, 'mutation($c: String!) { confirmTotpEnrollment(code: $c) { recoveryCodes } }', {
        c: totp(enrolment.secret),
      })
    ).body.data.confirmTotpEnrollment.recoveryCodes;
    remember(...codes);
    // Step-up hands out an access token in a GraphQL answer (the claim other domains check).
    const stepUp = await gql(
      accessToken,
      'mutation($c: String!) { stepUp(input: { method: TOTP, code: $c }) { accessToken } }',
      { c: totp(enrolment.secret, Date.now() + 30_000) },
    );
    expect(stepUp.body.data.stepUp.accessToken).toBeTruthy();
    remember(stepUp.body.data.stepUp.accessToken);
    const mfa = await new AuthClient().post('/auth/login', { email, password });
    remember(mfa.body.mfaToken);
    await new AuthClient().post('/auth/mfa/verify', {
      mfaToken: mfa.body.mfaToken,
      method: 'recovery_code',
      code: codes[0],
    });

    // Reset with a code; an invalid reset attempt.
    const resetter = new AuthClient();
    await resetter.post('/auth/password/reset/request', { email });
    const resetCode = await latestCode(email, 'auth.reset_password');
    const newPassword = strongPassword();
    remember(resetCode, newPassword);
    await resetter.post('/auth/password/reset/confirm', { email, code: resetCode, newPassword });
    await resetter.post('/auth/password/reset/confirm', { email, code: resetCode, newPassword });

    // A malformed body with a password in it (validation errors must not echo values).
    const leaked = `Leak-${randomUUID()}`;
    remember(leaked);
    await new AuthClient().post('/auth/login', { email: 'not-an-email', password: leaked });
    // Refused before parsing (415 form body, 403 foreign origin): the body is not echoed either.
    await new AuthClient().post('/auth/login', `email=${encodeURIComponent(email)}&password=${leaked}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    await new AuthClient().post('/auth/login', { email, password: leaked }, { origin: 'https://evil.example' });

    // Give the async log writes a moment, then read every line written so far.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = readFileSync(stackInfo().logFile, 'utf8');
    // More than the stack's ready line (written at start): the flows above logged.
    expect(
      log.split('\n').filter((line) => line.trim() !== '' && !line.includes('"local stack ready"')).length,
    ).toBeGreaterThan(0);
    for (const secret of secrets)
      expect(log.includes(secret), `a secret of ${secret.length} characters is in the log`).toBe(false);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./); // no JWT from any test
    expect(log).not.toContain(email);
    // Every code any test received by email or SMS so far.
    for (const message of await mailbox()) {
      // A leaked code stands alone; digit runs inside ids, hashes, timestamps or JSON numbers are not codes.
      for (const code of message.text.match(/\b\d{6}\b/g) ?? [])
        expect(log).not.toMatch(new RegExp(`(?<![A-Za-z0-9_.:-])${code}(?![A-Za-z0-9_.:-])`));
      for (const token of message.text.match(/token=([A-Za-z0-9_%-]{20,})/g) ?? [])
        expect(log).not.toContain(decodeURIComponent(token.slice(6)));
    }
  });
});
