/** Reviews configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const reviewsEnvSchema = baseEnvSchema.extend({
  /** How long after a completed leg both parties may review (days; NTB-PROF-006 says 14). */
  REVIEWS_WINDOW_DAYS: z.coerce.number().int().min(1).max(60).default(14),
  /** Below this many reviews a listing shows its distribution but no average. */
  REVIEWS_MIN_FOR_AVERAGE: z.coerce.number().int().min(1).max(100).default(5),
});
export type ReviewsConfig = z.infer<typeof reviewsEnvSchema>;

export const reviewsConfig = configOnce((): ReviewsConfig => parseConfig(reviewsEnvSchema));
