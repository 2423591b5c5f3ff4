import * as z from 'zod';
import { safeText } from '../core/text.ts';

export const featureFlagsArgs = z.object({
  city: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{2}-[a-z0-9-]{2,30}$/, 'must be a city code such as us-nyc'),
});

export const setFeatureFlagArgs = z.object({
  input: z.object({
    city: featureFlagsArgs.shape.city,
    key: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_.]{1,63}$/, 'must look like area.feature'),
    enabled: z.boolean(),
    description: safeText().trim().max(200).nullish(),
  }),
});
export type SetFeatureFlagInput = z.infer<typeof setFeatureFlagArgs>['input'];
