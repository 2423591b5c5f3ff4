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
  /** How long a container serves a public page from memory. */
  PUBLIC_PAGE_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
});

export const profilesConfig = configOnce(() => parseConfig(profilesEnvSchema));
