import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

const csv = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

/** Exported so tests that move session timestamps speak the same numbers as the stack. */
export const SESSION_DEFAULTS = { absoluteSeconds: 30 * 86_400, idleSeconds: 7 * 86_400, refreshReuseGraceSeconds: 30 } as const;

export const authEnvSchema = baseEnvSchema
  .extend({
    /** Public base URL of the auth service: the OIDC issuer AppSync trusts. */
    AUTH_ISSUER: z.string().url(),
    /** `aud` of access tokens; AppSync's OIDC client id. */
    AUTH_AUDIENCE: z.string().min(1).default('rastup-api'),
    /** Base64 of 32 random bytes: encrypts signing keys and TOTP seeds at rest, keys code HMACs. From Secrets Manager in AWS. */
    AUTH_KEY_ENCRYPTION_KEY: z
      .string()
      .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be base64 of 32 bytes'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
    SIGNING_KEY_ROTATION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    /** Refresh-token session lifetime (absolute) and inactivity limit (idle). */
    SESSION_ABSOLUTE_SECONDS: z.coerce.number().int().min(3600).default(SESSION_DEFAULTS.absoluteSeconds),
    SESSION_IDLE_SECONDS: z.coerce.number().int().min(300).default(SESSION_DEFAULTS.idleSeconds),
    /**
     * How long the refresh token a session just rotated away from is still answered (with the same
     * successor) instead of counting as reuse: concurrent refreshes from two tabs. 0 turns it off.
     * Kept short: within it, a copied token yields the session's current token.
     */
    REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(120).default(SESSION_DEFAULTS.refreshReuseGraceSeconds),
    /** Where links in emails point (the web app). */
    PUBLIC_BASE_URL: z.string().url(),
    /** Have I Been Pwned range API (k-anonymity). */
    HIBP_RANGE_URL: z.string().url().default('https://api.pwnedpasswords.com/range'),
    HIBP_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(1500),
    /** Cloudflare Turnstile siteverify (any Turnstile-compatible endpoint). */
    CAPTCHA_VERIFY_URL: z.string().url().default('https://challenges.cloudflare.com/turnstile/v0/siteverify'),
    CAPTCHA_SECRET_KEY: z.string().min(1),
    CAPTCHA_SITE_KEY: z.string().min(1),
    /** Sign in with Google / Apple: accepted client ids (`aud`) and where their keys are. */
    GOOGLE_CLIENT_IDS: csv,
    GOOGLE_ISSUER: z.string().default('https://accounts.google.com'),
    GOOGLE_JWKS_URL: z.string().url().default('https://www.googleapis.com/oauth2/v3/certs'),
    APPLE_CLIENT_IDS: csv,
    APPLE_ISSUER: z.string().default('https://appleid.apple.com'),
    APPLE_JWKS_URL: z.string().url().default('https://appleid.apple.com/auth/keys'),
    /**
     * Local only (refused in every AWS stage): source IPs whose per-IP buckets are skipped, so the
     * login benchmark on loopback measures the service rather than the limiter. Per-identity
     * limits and lockout still apply.
     */
    AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS: csv,
    /** `Secure` is part of `__Host-` cookies; kept configurable only for documentation. */
    AUTH_COOKIE_NAME_PREFIX: z.literal('__Host-').default('__Host-'),
  })
  .refine((env) => env.STAGE === 'local' || env.STAGE === 'test' || env.AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS.length === 0, {
    message: 'AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS is allowed only when STAGE is local or test',
    path: ['AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS'],
  });

export type AuthConfig = z.infer<typeof authEnvSchema>;
export const authConfig = configOnce(() => parseConfig(authEnvSchema));
