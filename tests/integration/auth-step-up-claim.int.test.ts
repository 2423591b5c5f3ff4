/**
 * Step-up for every domain (core/step-up.ts): after Mutation.stepUp (or an MFA sign-in) the auth
 * service hands out an access token carrying `step_up_at`, and a domain that never imports auth
 * decides from that token alone. The "payouts" check below is what such a domain does: it gets the
 * claims the way AppSync (here: the local gateway's OIDC verifier against the stack's JWKS) hands
 * them over, builds the Caller with core/identity.ts and calls requireRecentStepUp.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../../lambdas/core/clock.ts';
import { StepUpRequiredError } from '../../lambdas/core/errors.ts';
import { callerFromClaims } from '../../lambdas/core/identity.ts';
import { STEP_UP_MAX_AGE_SECONDS, requireRecentStepUp } from '../../lambdas/core/step-up.ts';
import { createOidcVerifier } from '../../infra/local/gateway/oidc-verifier.ts';
import { stackInfo } from '../support/clients.ts';
import { AuthClient, enrolTotp, gql, latestCode, registeredUser, signIn, totp } from '../support/auth-client.ts';

/** A stand-in payouts domain: "change payout destination" needs a second factor in the last 10 minutes. */
async function changePayoutDestination(accessToken: string, clock: Clock = systemClock): Promise<string> {
  const issuer = stackInfo().issuer;
  const verify = createOidcVerifier({ issuer, audience: 'rastup-api', jwksUrl: `${issuer}/.well-known/jwks.json` });
  const caller = callerFromClaims((await verify(accessToken)).claims);
  return requireRecentStepUp(caller, clock).userId;
}

const STEP_UP = 'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil amr accessToken expiresAt } }';

describe('step-up claim for other domains', () => {
  it('is absent after a password sign-in, and stepUp returns a token another domain accepts at once', async () => {
    const { accessToken, email, userId, client } = await registeredUser();
    expect((await gql(accessToken, '{ viewer { stepUpAt } }')).body.data.viewer.stepUpAt).toBeNull();
    await expect(changePayoutDestination(accessToken)).rejects.toThrow(StepUpRequiredError);

    await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
    const stepped = await gql(accessToken, STEP_UP, {
      input: { method: 'EMAIL_CODE', code: await latestCode(email, 'auth.step_up') },
    });
    expect(stepped.body.errors).toBeUndefined();
    const { accessToken: fresh, expiresAt } = stepped.body.data.stepUp;
    expect(fresh).not.toBe(accessToken);
    expect(expiresAt).toBeGreaterThan(Date.now() / 1000 + 600);

    // Through the gateway the claim reaches domain Lambdas as Caller.stepUpAt.
    const stepUpAt = (await gql(fresh, '{ viewer { stepUpAt } }')).body.data.viewer.stepUpAt as number;
    expect(Math.abs(stepUpAt - Date.now() / 1000)).toBeLessThan(30);
    expect(await changePayoutDestination(fresh)).toBe(userId);
    // The token, not the session, is what other domains see: the pre-step-up token stays refused there
    // (auth's own fields, which read the session row, accept it: covered in auth-mfa).
    await expect(changePayoutDestination(accessToken)).rejects.toThrow(StepUpRequiredError);

    // Ten minutes later the same token no longer passes.
    const later = new ManualClock((stepUpAt + STEP_UP_MAX_AGE_SECONDS + 1) * 1000);
    await expect(changePayoutDestination(fresh, later)).rejects.toThrow(StepUpRequiredError);

    // A refresh keeps the session's step-up time in the new token (it does not renew it).
    const refreshed = await client.post('/auth/token/refresh');
    expect(refreshed.status).toBe(200);
    expect((await gql(refreshed.body.accessToken, '{ viewer { stepUpAt } }')).body.data.viewer.stepUpAt).toBe(stepUpAt);
    expect(await changePayoutDestination(refreshed.body.accessToken)).toBe(userId);
  });

  it('is set by an MFA sign-in (TOTP), which is a second factor just now', async () => {
    const { accessToken, email, password, userId } = await registeredUser();
    // Enrolment itself needs a step-up (here an emailed code on a second session).
    const { secret } = await enrolTotp((await signIn(email, password)).accessToken, email);
    // This session never proved a second factor: its token lacks the claim.
    await expect(changePayoutDestination(accessToken)).rejects.toThrow(StepUpRequiredError);

    const browser = new AuthClient();
    const challenge = await browser.post('/auth/login', { email, password });
    expect(challenge.body.mfaRequired).toBe(true);
    // The enrolment spent the current step; use the next one (each step is accepted once).
    const session = await browser.post('/auth/mfa/verify', {
      mfaToken: challenge.body.mfaToken,
      method: 'totp',
      code: totp(secret, Date.now() + 30_000),
    });
    expect(session.status).toBe(200);
    expect(await changePayoutDestination(session.body.accessToken)).toBe(userId);
  });
});
