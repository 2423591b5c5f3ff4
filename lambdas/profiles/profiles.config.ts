/** Profiles configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const profilesEnvSchema = baseEnvSchema.extend({
  /** The web app origin for canonical URLs and JSON-LD (https://rastup.com). */
  PUBLIC_WEB_BASE_URL: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, '')),
  /** This API's public origin, for unsubscribe links. */
  PUBLIC_BASE_URL: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, '')),
  MEDIA_PUBLIC_BASE_URL: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, '')),
});

export const profilesConfig = configOnce(() => parseConfig(profilesEnvSchema));

/**
 * Where the public-page evictions go (the AWS_IAM mutation evictPublicListing): set by the CDK on the
 * functions whose domain `publishes` it (API and consumers), not on scheduled jobs, which never evict;
 * so it is read when the first eviction is made, not with the rest at cold start.
 */
export const evictionEnvSchema = z.object({ APPSYNC_GRAPHQL_URL: z.url(), AWS_REGION: z.string().min(1) });
