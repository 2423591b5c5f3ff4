/** Inputs of the payments API (GraphQL arguments, the webhook route). */
import * as z from 'zod';
import { idSchema } from '../core/ids.ts';
import { safeText } from '../core/text.ts';

export const MAX_QUOTE_LEGS = 10;

export const checkoutLegInput = z
  .object({
    legId: safeText().trim().min(1).max(64),
    profileId: idSchema('profile').nullish(),
    packageName: safeText().trim().min(1).max(80).nullish(),
    extraMinutes: z.number().int().min(0).max(720).nullish(),
    studioId: idSchema('studio').nullish(),
    minutes: z.number().int().min(15).max(1440).nullish(),
  })
  .strict()
  .superRefine((leg, ctx) => {
    if (!leg.profileId === !leg.studioId)
      ctx.addIssue({ code: 'custom', message: 'name exactly one of profileId and studioId', path: ['profileId'] });
    if (leg.profileId && !leg.packageName)
      ctx.addIssue({ code: 'custom', message: 'a service leg names its package', path: ['packageName'] });
    if (leg.studioId && !leg.minutes)
      ctx.addIssue({ code: 'custom', message: 'a studio leg names its minutes', path: ['minutes'] });
  });
export type CheckoutLegInput = z.infer<typeof checkoutLegInput>;

export const checkoutQuoteArgs = z
  .object({ input: z.object({ legs: z.array(checkoutLegInput).min(1).max(MAX_QUOTE_LEGS) }).strict() })
  .strict();

export const confirmCheckoutArgs = z
  .object({
    input: z
      .object({
        groupId: idSchema('booking'),
        quoteToken: z.string().min(1).max(8192),
        legs: z.array(checkoutLegInput).min(1).max(MAX_QUOTE_LEGS),
      })
      .strict(),
  })
  .strict();

export const checkoutPaymentArgs = z.object({ groupId: idSchema('booking') }).strict();

export const payoutOnboardingArgs = z.object({}).strict();
