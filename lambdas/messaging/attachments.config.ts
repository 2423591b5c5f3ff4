/** Configuration of the attachments Lambda (uploads into threads, scan, download URLs), read once. */
import * as z from 'zod';
import { awsEnvSchema, baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const attachmentsEnvSchema = baseEnvSchema.merge(awsEnvSchema).extend({
  MESSAGING_TABLE: z.string().min(1),
  /** Rate-limit buckets of upload requests and completions. */
  CONTROL_TABLE: z.string().min(1),
  MESSAGE_PREVIEWS_BUCKET: z.string().min(3),
  /** rekognition in AWS; nsfwjs (tfjs on wasm) locally: the media worker's classifier. */
  MODERATION_ADAPTER: z.enum(['rekognition', 'nsfwjs']).default('rekognition'),
  /** The local marker hook of lambdas/adapters/nsfwjs-moderator.ts; refused outside local/test. */
  MODERATION_TEST_MARKER: z.enum(['on', 'off']).default('off'),
});
export type AttachmentsConfig = z.infer<typeof attachmentsEnvSchema>;

export const attachmentsConfig = configOnce((): AttachmentsConfig => {
  const config = parseConfig(attachmentsEnvSchema);
  if (config.MODERATION_TEST_MARKER === 'on' && !['local', 'test'].includes(config.STAGE))
    throw new Error('MODERATION_TEST_MARKER may only be on in local or test stages');
  return config;
});
