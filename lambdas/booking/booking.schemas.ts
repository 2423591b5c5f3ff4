/** GraphQL inputs of the booking domain: the only definition of each (z.infer gives the types). */
import * as z from 'zod';
import { idSchema } from '../core/ids.ts';
import { safeText } from '../core/text.ts';
import { availabilitySchema } from './availability.ts';
import { BOOKING_ACTIONS } from './booking-state.ts';
import { cancellationPolicySchema } from './cancellation.ts';

const resourceId = z
  .string()
  .refine((value) => /^(prf|std)_[0-9A-HJKMNP-TV-Z]{26}$/.test(value), { message: 'must be a prf_ or std_ id' });
const idempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, '8–128 characters of A–Z a–z 0–9 . _ : -')
  .describe('client-chosen; a replay with the same key returns the first answer');
const instant = z.iso.datetime({ offset: true });
const duration = z
  .number()
  .int()
  .min(15)
  .max(24 * 60);

/** GraphQL sends omitted optional input fields as absent or null; the defaults apply to both. */
const withoutNulls = (value: unknown) =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== null))
    : value;

export const setAvailabilityArgs = z.object({
  input: z
    .object({
      resourceId,
      availability: z.preprocess(withoutNulls, availabilitySchema),
      cancellationPolicy: cancellationPolicySchema.nullish().transform((policy) => policy ?? 'MODERATE'),
    })
    .strict(),
});
export type SetAvailabilityInput = z.infer<typeof setAvailabilityArgs>['input'];

export const resourceArgs = z.object({ resourceId }).strict();

export const slotsArgs = z.object({
  input: z
    .object({
      profileId: idSchema('profile').nullish(),
      studioId: idSchema('studio').nullish(),
      durationMinutes: duration,
      from: instant.nullish(),
      days: z.number().int().min(1).max(14).nullish(),
    })
    .strict()
    .refine((input) => input.profileId || input.studioId, { message: 'profileId or studioId is required' }),
});
export type SlotsInput = z.infer<typeof slotsArgs>['input'];

export const requestBookingArgs = z.object({
  input: z
    .object({
      idempotencyKey,
      profileId: idSchema('profile').nullish(),
      studioId: idSchema('studio').nullish(),
      startsAt: instant,
      durationMinutes: duration,
      /** The terms the client was shown (from the cached bookingTerms): a mismatch refuses with TERMS_CHANGED. */
      expectedCancellationPolicy: cancellationPolicySchema.nullish(),
      expectedInstantBook: z.boolean().nullish(),
    })
    .strict()
    .refine((input) => input.profileId || input.studioId, { message: 'profileId or studioId is required' }),
});
export type RequestBookingInput = z.infer<typeof requestBookingArgs>['input'];

export const bookingActionArgs = z.object({
  input: z.object({ idempotencyKey, groupId: idSchema('booking'), action: z.enum(BOOKING_ACTIONS) }).strict(),
});
export type BookingActionInput = z.infer<typeof bookingActionArgs>['input'];

export const bookingIdArgs = z.object({ id: idSchema('booking') }).strict();

export const myBookingsArgs = z.object({ as: z.enum(['CLIENT', 'OWNER']) }).strict();

// ---- calendars and reschedule ---------------------------------------------------------------------

export const addCalendarFeedArgs = z.object({
  input: z
    .object({
      resourceId,
      /** https (or webcal) URL of an external calendar; checked by the SSRF guard in the service. */
      url: safeText().trim().min(8).max(2048),
    })
    .strict(),
});
export type AddCalendarFeedInput = z.infer<typeof addCalendarFeedArgs>['input'];

export const calendarFeedIdArgs = z.object({ feedId: idSchema('calendarFeed') }).strict();

export const rescheduleArgs = z.object({
  input: z.object({ idempotencyKey, groupId: idSchema('booking'), startsAt: instant }).strict(),
});
export type RescheduleInput = z.infer<typeof rescheduleArgs>['input'];
