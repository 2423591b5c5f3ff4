/**
 * Rate-limit policies of the auth domain (NTB-AUTH-010, Appendix R): token buckets per source IP
 * and per identity (normalised email, or account id) for every attempt at sign-up, sign-in,
 * reset and any code check. Checked inside the service operation, so an aliased GraphQL document
 * or a retried request spends one token per attempt, not one per HTTP request.
 */
import type { RateLimitPolicy } from '../core/ports.ts';

const perMinutes = (name: string, capacity: number, minutes: number): RateLimitPolicy => ({
  name,
  capacity,
  refillPerSecond: capacity / (minutes * 60),
});

export const authRateLimits = {
  signUpPerIp: perMinutes('auth.signup.ip', 20, 60),
  signUpPerEmail: perMinutes('auth.signup.email', 5, 60),
  loginPerIp: perMinutes('auth.login.ip', 60, 10),
  loginPerIdentity: perMinutes('auth.login.identity', 20, 15),
  /** A browser with this account's device cookie: its own bucket, so others' guesses cannot drain it. */
  loginPerDevice: perMinutes('auth.login.device', 20, 15),
  resetPerIp: perMinutes('auth.reset.ip', 20, 60),
  resetPerIdentity: perMinutes('auth.reset.identity', 5, 60),
  codeCheckPerIp: perMinutes('auth.code.ip', 60, 10),
  codeCheckPerIdentity: perMinutes('auth.code.identity', 10, 10),
  codeSendPerIdentity: perMinutes('auth.code_send.identity', 5, 15),
  refreshPerIp: perMinutes('auth.refresh.ip', 300, 10),
  /** Not a limit: IP velocity feeds the login risk score (CAPTCHA). */
  loginVelocityPerIp: perMinutes('auth.login.velocity', 10, 10),
} as const;
