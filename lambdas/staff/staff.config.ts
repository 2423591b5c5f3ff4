/** Staff back-office configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const staffEnvSchema = baseEnvSchema.extend({
  /** A refund above this many cents needs a second staff member (dual control, NTB-ADMIN-001). */
  STAFF_REFUND_DUAL_CONTROL_CENTS: z.coerce.number().int().min(0).default(50_000),
  /** An undecided proposal lapses after this many hours. */
  STAFF_PROPOSAL_TTL_HOURS: z.coerce.number().int().min(1).max(168).default(24),
});

export type StaffConfig = z.infer<typeof staffEnvSchema>;

export const staffConfig = configOnce(() => parseConfig(staffEnvSchema));
