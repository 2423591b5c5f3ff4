/** Messaging configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const messagingEnvSchema = baseEnvSchema.extend({
  MESSAGING_TABLE: z.string().min(1),
  PRESENCE_TABLE: z.string().min(1),
  CONTROL_TABLE: z.string().min(1),
  /** Sending moves an attachment's preview from unsent/ to previews/; erasure deletes unsent ones. */
  MESSAGE_PREVIEWS_BUCKET: z.string().min(3),
  /** The AppSync GraphQL URL Lambdas publish realtime events to (AWS_IAM mutations). */
  APPSYNC_GRAPHQL_URL: z.url(),
  /** Messages one sender may send: burst and sustained rate (per second). */
  MESSAGING_SEND_BURST: z.coerce.number().int().min(1).default(60),
  MESSAGING_SEND_PER_SECOND: z.coerce.number().positive().default(1),
  /** New people one sender may contact (first message of a pair): burst and per-day rate. */
  MESSAGING_FIRST_CONTACT_BURST: z.coerce.number().int().min(1).default(20),
  MESSAGING_FIRST_CONTACT_PER_DAY: z.coerce.number().positive().default(20),
});

export type MessagingConfig = z.infer<typeof messagingEnvSchema>;

export const messagingConfig = configOnce(() => parseConfig(messagingEnvSchema));
