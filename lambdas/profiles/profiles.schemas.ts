/** Input schemas of the profiles domain: the only definition of each input type. */
import * as z from 'zod';
import { safeText } from '../core/text.ts';
import { idSchema } from '../core/ids.ts';
import { linkRefusalMessage, publicLinkRefusal } from './link-policy.ts';

export const PROFILE_ROLES = ['MODEL', 'PHOTOGRAPHER', 'VIDEOGRAPHER', 'CONTENT_CREATOR'] as const;
export type ProfileRole = (typeof PROFILE_ROLES)[number];
const ALL_STEPS = [
  'BASICS',
  'PORTFOLIO',
  'PACKAGES',
  'AVAILABILITY',
  'LOCATION',
  'PHOTOS',
  'PRICING',
  'VERIFICATION',
] as const;

const text = (max: number) => safeText().trim().max(max);
const cents = z.number().int().min(0).max(100_000_000);
const cityCode = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2}-[a-z0-9-]{2,30}$/, 'must be a city code such as us-nyc');
const tag = safeText().trim().toLowerCase().min(1).max(40);
const language = safeText().trim().min(2).max(35);
const email = safeText().trim().toLowerCase().email().max(254);
const phone = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +12125550123');
/** Links are public as they are, so they must not carry contact details (link-policy.ts). */
const publicLink = z
  .string()
  .trim()
  .max(500)
  .superRefine((url, ctx) => {
    const refusal = publicLinkRefusal(url);
    if (refusal) ctx.addIssue({ code: 'custom', message: linkRefusalMessage(refusal) });
  });
/** Input lists keep a server-side cap: a day has at most this many opening ranges. */
const MAX_RANGES_PER_DAY = 12;
const timeRange = safeText().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must look like 09:00-17:00');
/** Weekly availability summary: { mon: ["09:00-17:00"], … }. The calendar engine owns the details. */
export const weeklyAvailability = z
  .object({
    mon: z.array(timeRange).max(MAX_RANGES_PER_DAY),
    tue: z.array(timeRange).max(MAX_RANGES_PER_DAY),
    wed: z.array(timeRange).max(MAX_RANGES_PER_DAY),
    thu: z.array(timeRange).max(MAX_RANGES_PER_DAY),
    fri: z.array(timeRange).max(MAX_RANGES_PER_DAY),
    sat: z.array(timeRange).max(MAX_RANGES_PER_DAY),
    sun: z.array(timeRange).max(MAX_RANGES_PER_DAY),
  })
  .partial()
  .strict();

export const servicePackage = z.object({
  name: text(80).min(1),
  durationMinutes: z
    .number()
    .int()
    .min(15)
    .max(24 * 60),
  priceCents: cents,
  extras: z
    .array(text(80).min(1))
    .max(10)
    .nullish()
    .transform((value) => value ?? []),
});

const profilePatch = z
  .object({
    displayName: text(80).min(1),
    headline: text(120),
    bio: text(2000),
    tags: z.array(tag).max(20),
    city: cityCode,
    priceMinCents: cents,
    priceMaxCents: cents,
    languages: z.array(language).max(10),
    links: z.array(z.object({ label: text(40).min(1), url: publicLink })).max(10),
    packages: z.array(servicePackage).max(20),
    cancellationPolicy: text(1000),
    reschedulePolicy: text(1000),
    availability: weeklyAvailability,
    contactEmail: email,
    contactPhone: phone,
  })
  .partial()
  .strict();
export type ProfilePatch = z.infer<typeof profilePatch>;

const onboardingStep = z.enum(ALL_STEPS);

export const idArgs = z.object({ id: safeText().min(4).max(40) });
export const slugArgs = z.object({ slug: safeText().trim().toLowerCase().min(1).max(63) });

export const createProfileArgs = z.object({
  input: z.object({ role: z.enum(PROFILE_ROLES), displayName: text(80).min(1).nullish() }),
});
export const saveProfileDraftArgs = z.object({
  input: z.object({
    profileId: idSchema('profile'),
    expectedVersion: z.number().int().min(1),
    step: onboardingStep.nullish(),
    patch: profilePatch,
  }),
});
export type SaveProfileDraftInput = z.infer<typeof saveProfileDraftArgs>['input'];

export const completeStepArgs = z.object({
  input: z.object({ id: safeText().min(4).max(40), expectedVersion: z.number().int().min(1), step: onboardingStep }),
});
export type CompleteStepInput = z.infer<typeof completeStepArgs>['input'];

export const instantBookArgs = z.object({ id: idSchema('profile'), enabled: z.boolean() });

const studioPatch = z
  .object({
    name: text(80).min(1),
    description: text(3000),
    city: cityCode,
    addressLine1: text(200),
    addressLine2: text(200),
    postalCode: text(20),
    contactEmail: email,
    contactPhone: phone,
    amenities: z.array(tag).max(40),
    hourlyMinCents: cents,
    hourlyMaxCents: cents,
    depositCents: cents,
    availability: weeklyAvailability,
  })
  .partial()
  .strict();
export type StudioPatch = z.infer<typeof studioPatch>;

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'must be 3-63 lower-case letters, digits and dashes');
export const createStudioArgs = z.object({ input: z.object({ name: text(80).min(1), slug: slugSchema }) });
export const saveStudioDraftArgs = z.object({
  input: z.object({
    studioId: idSchema('studio'),
    expectedVersion: z.number().int().min(1),
    step: onboardingStep.nullish(),
    patch: studioPatch,
  }),
});
export type SaveStudioDraftInput = z.infer<typeof saveStudioDraftArgs>['input'];

export const requestVerificationArgs = z.object({
  input: z.object({
    subject: z.enum(['IDENTITY', 'STUDIO']),
    studioId: idSchema('studio').nullish(),
    documentMediaId: idSchema('media'),
  }),
});
export type RequestVerificationInput = z.infer<typeof requestVerificationArgs>['input'];

export const decideVerificationArgs = z.object({
  input: z.object({
    verificationId: idSchema('verification'),
    decision: z.enum(['VERIFIED', 'REJECTED']),
    reason: text(500).nullish(),
  }),
});
export type DecideVerificationInput = z.infer<typeof decideVerificationArgs>['input'];

export const notificationPreferencesArgs = z.object({
  input: z.object({
    nudges: z.boolean().nullish(),
    digest: z.boolean().nullish(),
    quietStartHour: z.number().int().min(0).max(23).nullish(),
    quietEndHour: z.number().int().min(0).max(23).nullish(),
  }),
});
export type NotificationPreferencesInput = z.infer<typeof notificationPreferencesArgs>['input'];

export const unsubscribeQuery = z.object({
  token: safeText().min(20).max(100),
  kind: z.enum(['all', 'nudges', 'digest']).default('all'),
});
