import * as z from 'zod';
import { idPattern } from '../core/ids.ts';
import { safeText } from '../core/text.ts';
import { MAX_ELEVATION_MINUTES, STAFF_ROLES } from './staff-policy.ts';

const reason = safeText().trim().min(3).max(500);
const staffRole = z.enum(STAFF_ROLES.map((role) => role.toUpperCase()) as ['SUPPORT', 'TRUST', 'FINANCE', 'ADMIN']);

export const proposeRefundArgs = z.object({
  input: z.object({
    paymentGroupId: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a payment group id'),
    amountCents: z.number().int().min(1).max(100_000_000),
    reason,
  }),
});
export type ProposeRefundInput = z.infer<typeof proposeRefundArgs>['input'];

export const proposeRoleGrantArgs = z.object({
  input: z.object({
    userId: z.string().regex(idPattern('user'), 'must be a user id'),
    role: staffRole.transform((role) => role.toLowerCase() as (typeof STAFF_ROLES)[number]),
    /** Absent: a standing grant. Present: a just-in-time elevation that lapses after this long. */
    durationMinutes: z.number().int().min(5).max(MAX_ELEVATION_MINUTES).nullish(),
    reason,
  }),
});
export type ProposeRoleGrantInput = z.infer<typeof proposeRoleGrantArgs>['input'];

export const decideProposalArgs = z.object({
  input: z.object({
    proposalId: z.string().regex(idPattern('staffProposal'), 'must be a proposal id'),
    approve: z.boolean(),
    note: safeText().trim().max(500).nullish(),
  }),
});
export type DecideProposalInput = z.infer<typeof decideProposalArgs>['input'];

export const staffProposalsArgs = z.object({
  status: z.enum(['PROPOSED', 'APPROVED', 'REJECTED', 'EXPIRED']).nullish(),
  first: z.number().int().min(1).max(100).nullish(),
});

export const staffProposalArgs = z.object({ id: z.string().min(1).max(100) });
