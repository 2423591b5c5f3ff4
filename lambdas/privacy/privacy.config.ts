/** Privacy (DSAR export) configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const privacyEnvSchema = baseEnvSchema.extend({
  /** Where finished export bundles are written (private; objects expire after a day). */
  PRIVACY_EXPORTS_BUCKET: z.string().min(3),
  /** The account's own originals are linked from the export (presigned GET). */
  MEDIA_ORIGINALS_BUCKET: z.string().min(3),
  /** Messaging's single table (the account's threads and messages). */
  MESSAGING_TABLE: z.string().min(1),
  /** How long a download link works (seconds). */
  PRIVACY_EXPORT_URL_SECONDS: z.coerce.number().int().min(60).max(3600).default(300),
  /** Exports one account may request per 24 hours (each one reads every domain). */
  PRIVACY_EXPORTS_PER_DAY: z.coerce.number().int().min(1).max(100).default(3),
});
export type PrivacyConfig = z.infer<typeof privacyEnvSchema>;

export const privacyConfig = configOnce((): PrivacyConfig => parseConfig(privacyEnvSchema));
