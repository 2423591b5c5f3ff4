import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const authEnvSchema = baseEnvSchema.extend({
  /** Public base URL of the auth service: the OIDC issuer AppSync trusts. */
  AUTH_ISSUER: z.string().url(),
  /** `aud` of access tokens; AppSync's OIDC client id. */
  AUTH_AUDIENCE: z.string().min(1).default('rastup-api'),
  /** Base64 of 32 random bytes: encrypts signing keys at rest. From Secrets Manager in AWS. */
  AUTH_KEY_ENCRYPTION_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be base64 of 32 bytes'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  SIGNING_KEY_ROTATION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
});

export type AuthConfig = z.infer<typeof authEnvSchema>;
export const authConfig = configOnce(() => parseConfig(authEnvSchema));
