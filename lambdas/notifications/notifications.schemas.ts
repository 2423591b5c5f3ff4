import * as z from 'zod';
import { idPattern } from '../core/ids.ts';
import { CATEGORIES, CHANNELS } from './notifications.policy.ts';

const hour = z.number().int().min(0).max(23);

export const updateNotificationSettingsArgs = z.object({
  input: z.object({
    timeZone: z.string().trim().min(1).max(64).nullish(),
    quietStartHour: hour.nullish(),
    quietEndHour: hour.nullish(),
    consents: z
      .array(z.object({ channel: z.enum(CHANNELS), category: z.enum(CATEGORIES), allowed: z.boolean() }))
      .max(CHANNELS.length * CATEGORIES.length)
      .nullish(),
  }),
});
export type NotificationSettingsInput = z.infer<typeof updateNotificationSettingsArgs>['input'];

export const myNotificationsArgs = z.object({ first: z.number().int().min(1).max(100).nullish() });

export const markNotificationsReadArgs = z.object({
  ids: z
    .array(z.string().regex(idPattern('notification'), 'must be a notification id'))
    .max(100)
    .nullish(),
});
