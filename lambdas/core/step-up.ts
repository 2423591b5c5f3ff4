/**
 * Step-up for any domain: sensitive operations (payout destination changes, email or password
 * changes, MFA removal, account deletion, ...) need a second factor within the last 10 minutes.
 *
 * The auth service stamps `step_up_at` (epoch seconds) into the access token when a session proves
 * a second factor (MFA sign-in or Mutation.stepUp, which returns the fresh token) and carries it
 * across refreshes. The token is verified at the edge (AppSync OIDC / the local gateway), so a
 * domain decides from the claims alone: no call to the auth domain, no database, no AWS SDK.
 * The trade-off: a session revoked after the step-up keeps passing until its access token expires
 * (15 minutes at most); the auth domain itself additionally checks its session row.
 */
import type { Clock } from './clock.ts';
import { StepUpRequiredError } from './errors.ts';
import { requireUser, type Caller, type UserCaller } from './identity.ts';

/** NTB-AUTH step-up window. */
export const STEP_UP_MAX_AGE_SECONDS = 600;

/**
 * A `step_up_at` more than this far in the future is not trusted as recent: our own signer sets it
 * from its clock, so anything beyond ordinary clock skew between containers means a bad token.
 */
const FUTURE_SKEW_SECONDS = 60;

/** The one rule, shared by the claim check below and the auth domain's session-row check. */
export function isStepUpRecent(
  stepUpAtSeconds: number | undefined,
  nowSeconds: number,
  maxAgeSeconds: number = STEP_UP_MAX_AGE_SECONDS,
): boolean {
  if (stepUpAtSeconds === undefined) return false;
  const age = nowSeconds - stepUpAtSeconds;
  return age <= maxAgeSeconds && age >= -FUTURE_SKEW_SECONDS;
}

/**
 * The signed-in caller, if their access token shows a second factor within `maxAgeSeconds`;
 * otherwise StepUpRequiredError (GraphQL `STEP_UP_REQUIRED`, HTTP 403), whose details tell the
 * client to call Mutation.stepUp and retry with the access token it returns.
 */
export function requireRecentStepUp(
  caller: Caller,
  clock: Clock,
  maxAgeSeconds: number = STEP_UP_MAX_AGE_SECONDS,
): UserCaller {
  const user = requireUser(caller);
  if (!isStepUpRecent(user.stepUpAt, clock.nowSeconds(), maxAgeSeconds)) {
    throw new StepUpRequiredError(
      'Confirm with a second factor first (stepUp), then retry with the access token it returns',
      {
        windowSeconds: maxAgeSeconds,
        stepUp: 'Mutation.stepUp',
      },
    );
  }
  return user;
}
