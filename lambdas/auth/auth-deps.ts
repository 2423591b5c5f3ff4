/**
 * What every auth service needs, in one object built by auth.module.ts (and by unit tests with
 * fakes), plus the small shared helpers: rate limiting with the local-only IP exemption,
 * email normalisation, audit + notification after commit.
 */
import type { StaffAuthority } from '../core/staff-authority.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { EmailMessage, Notifier, RateLimitPolicy, RateLimiter, SmsMessage } from '../core/ports.ts';
import { enforceRateLimits } from '../core/rate-limit.ts';
import { STEP_UP_MAX_AGE_SECONDS } from '../core/step-up.ts';
import type { AuthData } from './auth.repositories.ts';
import type { CaptchaVerifier } from './turnstile-captcha-verifier.ts';
import type { IdTokenVerifier } from './id-token-verifier.ts';
import type { PasswordHasher } from './password-hasher.ts';
import type { PasswordPolicy } from './password-policy.ts';
import type { SecretBox } from './secret-box.ts';
import type { TokenService } from './token.service.ts';

export interface AuthSettings {
  readonly publicBaseUrl: string;
  readonly sessionIdleSeconds: number;
  readonly sessionAbsoluteSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  readonly captchaSiteKey: string;
  readonly rateLimitExemptIps: ReadonlySet<string>;
}

export interface AuthDeps {
  readonly db: AuthData;
  readonly clock: Clock;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly captcha: CaptchaVerifier;
  readonly idTokens: IdTokenVerifier;
  readonly notifier: Notifier;
  readonly limiter: RateLimiter;
  readonly tokens: TokenService;
  readonly box: SecretBox;
  readonly logger: Logger;
  readonly settings: AuthSettings;
  /** Who holds a staff role now (elevations included): the staff domain's, injected by auth.module.ts. */
  readonly staff: StaffAuthority;
}

/** Who is asking, as the edge saw it (for rate limits, risk, device records and consent proofs). */
export interface RequestMeta {
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
}

/** The kernel's step-up window, so auth's session check and every domain's claim check agree. */
export const STEP_UP_WINDOW_SECONDS = STEP_UP_MAX_AGE_SECONDS;
/**
 * A phone verified less than this long ago is not accepted as an SMS step-up factor (neither
 * offered nor checked): a phone someone just added, even legitimately after a step-up, cannot at
 * once be used to escalate, and the owner has a day to react to the "phone added" email.
 */
export const PHONE_SMS_STEP_UP_DELAY_SECONDS = 24 * 3600;
export const CURRENT_TERMS_VERSION = '2026-01-01';
export const CURRENT_PRIVACY_VERSION = '2026-01-01';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Per-IP and per-identity buckets; IP buckets are skipped only for local-only exempt IPs. */
export async function limit(
  deps: AuthDeps,
  meta: RequestMeta,
  checks: { ip?: RateLimitPolicy; identity?: RateLimitPolicy; identityKey?: string },
): Promise<void> {
  const ipKey = meta.ip && !deps.settings.rateLimitExemptIps.has(meta.ip) ? meta.ip : undefined;
  await enforceRateLimits(deps.limiter, [
    ...(checks.ip ? [{ policy: checks.ip, key: ipKey }] : []),
    ...(checks.identity ? [{ policy: checks.identity, key: checks.identityKey }] : []),
  ]);
}

/** Messages go out after the transaction commits; a failed send is logged, never undoes the change. */
export async function sendAll(
  deps: AuthDeps,
  messages: readonly (EmailMessage | (SmsMessage & { sms: true }))[],
): Promise<void> {
  for (const message of messages) {
    try {
      if ('sms' in message) await deps.notifier.sendSms(message);
      else await deps.notifier.sendEmail(message);
    } catch (error) {
      deps.logger.error('notification failed', { template: message.template, error });
    }
  }
}
