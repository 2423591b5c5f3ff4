/** Notifications configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const notificationsEnvSchema = baseEnvSchema.extend({
  /** The messaging single table (unread counts for the digest, through messaging's door). */
  MESSAGING_TABLE: z.string().min(1),
  /** Links in messages point here. */
  PUBLIC_WEB_BASE_URL: z.string().url().default('http://localhost:3000'),
});

export type NotificationsConfig = z.infer<typeof notificationsEnvSchema>;

export const notificationsConfig = configOnce(() => parseConfig(notificationsEnvSchema));
