/**
 * Configuration of the OIDC discovery function: only what publishing the signing keys needs. It
 * deliberately leaves out the CAPTCHA and Twilio credentials the full auth service requires, so an
 * unfilled or broken provider secret can never take down the JWKS AppSync verifies every token with.
 */
import type * as z from 'zod';
import { baseEnvSchema, parseConfig } from '../core/config.ts';
import { authEnvSchema } from './auth.config.ts';
import { deriveKeyEncryptionKey } from './secret-box.ts';

// The key settings are the auth service's own fields (auth.config.ts), so both read them alike.
const authFields = authEnvSchema.in.shape;

export const discoveryEnvSchema = baseEnvSchema
  .extend({
    AUTH_ISSUER: authFields.AUTH_ISSUER,
    AUTH_KEY_ENCRYPTION_KEY: authFields.AUTH_KEY_ENCRYPTION_KEY,
    AUTH_KEY_ENCRYPTION_SEED: authFields.AUTH_KEY_ENCRYPTION_SEED,
    ACCESS_TOKEN_TTL_SECONDS: authFields.ACCESS_TOKEN_TTL_SECONDS,
    SIGNING_KEY_ROTATION_DAYS: authFields.SIGNING_KEY_ROTATION_DAYS,
  })
  .refine((env) => (env.AUTH_KEY_ENCRYPTION_KEY === undefined) !== (env.AUTH_KEY_ENCRYPTION_SEED === undefined), {
    message:
      'set exactly one of AUTH_KEY_ENCRYPTION_KEY (base64 of 32 bytes) or AUTH_KEY_ENCRYPTION_SEED (from Secrets Manager)',
    path: ['AUTH_KEY_ENCRYPTION_KEY'],
  })
  .transform(({ AUTH_KEY_ENCRYPTION_SEED: seed, AUTH_KEY_ENCRYPTION_KEY: key, ...env }) => ({
    ...env,
    AUTH_KEY_ENCRYPTION_KEY: key ?? deriveKeyEncryptionKey(seed!),
  }));

export type DiscoveryConfig = z.infer<typeof discoveryEnvSchema>;

/** Secrets the discovery function may resolve: the key-encryption key only (auth/keys). */
export const discoverySecretVariables = ['AUTH_KEY_ENCRYPTION_KEY', 'AUTH_KEY_ENCRYPTION_SEED'] as const;

export function discoveryConfig(env: Readonly<Record<string, string | undefined>> = process.env): DiscoveryConfig {
  return parseConfig(discoveryEnvSchema, env);
}
