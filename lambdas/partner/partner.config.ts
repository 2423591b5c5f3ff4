/**
 * Partner API configuration, read once per container. Token signing uses the issuer's own key
 * settings (auth's discovery schema: issuer, key-encryption key, rotation), so partner tokens and
 * user tokens come from one issuer and one JWKS.
 */
import * as z from 'zod';
import { awsEnvSchema, baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';
import { discoveryEnvSchema, type DiscoveryConfig } from '../auth/index.ts';

export const partnerEnvSchema = baseEnvSchema.merge(awsEnvSchema).extend({
  CONTROL_TABLE: z.string().min(3),
  MEDIA_PUBLIC_BASE_URL: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, '')),
  /** `aud` of partner access tokens: distinct from the web app's, so neither token opens the other API. */
  PARTNER_TOKEN_AUDIENCE: z.string().min(1).default('rastup-partner'),
  PARTNER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(600),
  /** Token verdict cache lifetime (seed 000 §1.27.8: 5–10 minutes). */
  PARTNER_VERDICT_TTL_SECONDS: z.coerce.number().int().min(300).max(600).default(300),
  /**
   * How long a container trusts a verdict it read before reading it again: the bound on how late a
   * suspension or token revocation reaches a container (0: read the shared verdict on every call).
   */
  PARTNER_VERDICT_LOCAL_TTL_SECONDS: z.coerce.number().min(0).max(10).default(2),
  /** Webhook retries: attempts in all, first backoff (doubling, full jitter), cap. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  WEBHOOK_BACKOFF_BASE_SECONDS: z.coerce.number().min(0.01).default(30),
  WEBHOOK_BACKOFF_CAP_SECONDS: z.coerce
    .number()
    .min(1)
    .default(6 * 3600),
  /** An endpoint failing without a single success for this long is disabled. */
  WEBHOOK_DISABLE_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(3 * 86_400),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(10_000),
  /** How long the previous signing secret keeps signing after a rotation. */
  WEBHOOK_SECRET_OVERLAP_SECONDS: z.coerce.number().int().min(0).default(86_400),
});

export type PartnerConfig = z.infer<typeof partnerEnvSchema> & {
  readonly issuer: DiscoveryConfig;
  /** http and private addresses as webhook targets: only on a developer's machine and in tests. */
  readonly allowPrivateWebhookTargets: boolean;
};

export function parsePartnerConfig(env: Readonly<Record<string, string | undefined>> = process.env): PartnerConfig {
  const config = parseConfig(partnerEnvSchema, env);
  return {
    ...config,
    issuer: parseConfig(discoveryEnvSchema, env),
    allowPrivateWebhookTargets: config.STAGE === 'local' || config.STAGE === 'test',
  };
}

export const partnerConfig = configOnce(() => parsePartnerConfig());
