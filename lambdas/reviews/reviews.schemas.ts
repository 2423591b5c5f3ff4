/** Inputs of the reviews fields: the only definition of each input type. */
import * as z from 'zod';
import { idSchema } from '../core/ids.ts';
import { safeText } from '../core/text.ts';
import { REPORT_REASONS } from './review.repository.ts';

const listingId = z
  .string()
  .refine((value) => /^(prf|std)_[0-9A-HJKMNP-TV-Z]{26}$/.test(value), { message: 'must be a prf_ or std_ id' });

export const submitReviewArgs = z.object({
  input: z.object({
    legId: idSchema('bookingLeg'),
    rating: z.number().int().min(1).max(5),
    body: safeText().trim().min(1).max(2000),
  }),
});
export type SubmitReviewInput = z.infer<typeof submitReviewArgs>['input'];

export const legArgs = z.object({ legId: idSchema('bookingLeg') });

export const listingReviewsArgs = z.object({
  listingId,
  first: z.number().int().min(1).max(50).nullish(),
});

export const reportReviewArgs = z.object({
  input: z.object({
    reviewId: idSchema('review'),
    reason: z.enum(REPORT_REASONS),
    note: safeText().trim().max(1000).nullish(),
  }),
});
export type ReportReviewInput = z.infer<typeof reportReviewArgs>['input'];
