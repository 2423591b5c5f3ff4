/**
 * Rate-limit policies of the auth domain (NTB-AUTH-010, Appendix R): token buckets per source IP
 * and per identity (normalised email, or account id) for every attempt at sign-up, sign-in,
 * reset and any code check. Checked inside the service operation, so an aliased GraphQL document
 * or a retried request spends one token per attempt, not one per HTTP request.
 * The numbers live in the one rate-limit matrix (lambdas/core/rate-limit-matrix.ts).
 */
import { rateLimitPolicy } from '../core/rate-limit-matrix.ts';

export const authRateLimits = {
  signUpPerIp: rateLimitPolicy('auth.signup.ip'),
  signUpPerEmail: rateLimitPolicy('auth.signup.email'),
  loginPerIp: rateLimitPolicy('auth.login.ip'),
  loginPerIdentity: rateLimitPolicy('auth.login.identity'),
  /** A browser with this account's device cookie: its own bucket, so others' guesses cannot drain it. */
  loginPerDevice: rateLimitPolicy('auth.login.device'),
  resetPerIp: rateLimitPolicy('auth.reset.ip'),
  resetPerIdentity: rateLimitPolicy('auth.reset.identity'),
  codeCheckPerIp: rateLimitPolicy('auth.code.ip'),
  codeCheckPerIdentity: rateLimitPolicy('auth.code.identity'),
  codeSendPerIdentity: rateLimitPolicy('auth.code_send.identity'),
  refreshPerIp: rateLimitPolicy('auth.refresh.ip'),
  /** Not a limit: IP velocity feeds the login risk score (CAPTCHA). */
  loginVelocityPerIp: rateLimitPolicy('auth.login.velocity'),
} as const;
