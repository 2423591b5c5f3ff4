/** Media configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { awsEnvSchema, baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const mediaEnvSchema = baseEnvSchema.merge(awsEnvSchema).extend({
  MEDIA_ORIGINALS_BUCKET: z.string().min(3),
  MEDIA_PUBLIC_BUCKET: z.string().min(3),
  /** CloudFront in AWS (https://media.example.com); the s3rver bucket URL locally. No trailing slash. */
  MEDIA_PUBLIC_BASE_URL: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, '')),
  /** rekognition in AWS; nsfwjs (tfjs on wasm) locally. */
  MODERATION_ADAPTER: z.enum(['rekognition', 'nsfwjs']).default('rekognition'),
  /**
   * Local test hook (documented in nsfwjs-moderator.ts): when `on`, images carrying the marker
   * pattern are classified explicit without running the model. Refused outside local/test.
   */
  MODERATION_TEST_MARKER: z.enum(['on', 'off']).default('off'),
});
export type MediaConfig = z.infer<typeof mediaEnvSchema>;

/** Where media objects live: private originals and variants, public (SFW) copies and their base URL. */
export interface MediaBuckets {
  readonly originals: string;
  readonly public: string;
  readonly publicBaseUrl: string;
}

export const mediaConfig = configOnce((): MediaConfig => {
  const config = parseConfig(mediaEnvSchema);
  if (config.MODERATION_TEST_MARKER === 'on' && !['local', 'test'].includes(config.STAGE)) {
    throw new Error('MODERATION_TEST_MARKER may only be on in local or test stages');
  }
  return config;
});

/** The buckets from the validated configuration. */
export function mediaBuckets(): MediaBuckets {
  const config = mediaConfig();
  return {
    originals: config.MEDIA_ORIGINALS_BUCKET,
    public: config.MEDIA_PUBLIC_BUCKET,
    publicBaseUrl: config.MEDIA_PUBLIC_BASE_URL,
  };
}
