/** API inputs of the search domain (zod; the only definition of these shapes). */
import * as z from 'zod';
import { safeText } from '../core/text.ts';
import { LISTING_ROLES, SEARCH_SORTS } from './search.port.ts';

/** Hard limits (NTB-SEARCH-005): page sizes, text lengths, radius. */
export const SEARCH_LIMITS = {
  maxPageSize: 50,
  defaultPageSize: 20,
  maxTextLength: 100,
  maxRadiusKm: 500,
  maxSuggestions: 10,
  defaultSuggestions: 6,
  minPrefix: 2,
  maxPrefix: 40,
  maxPriceCents: 100_000_000,
  /** The longest availability window (days): each candidate's slots are computed over it. */
  maxWindowDays: 31,
} as const;

const instant = z.iso.datetime({ offset: true });

const cents = z.number().int().min(0).max(SEARCH_LIMITS.maxPriceCents);

export const searchListingsInput = z
  .object({
    text: safeText().trim().max(SEARCH_LIMITS.maxTextLength).nullish(),
    city: safeText()
      .trim()
      .regex(/^[a-z]{2}-[a-z0-9-]{2,30}$/, 'must be a city code such as us-nyc')
      .nullish(),
    role: z.enum(LISTING_ROLES).nullish(),
    priceMinCents: cents.nullish(),
    priceMaxCents: cents.nullish(),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code such as USD')
      .transform((code) => code.toUpperCase())
      .nullish(),
    available: z.object({ from: instant, to: instant }).strict().nullish(),
    near: z
      .object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        radiusKm: z.number().gt(0).max(SEARCH_LIMITS.maxRadiusKm),
      })
      .nullish(),
    verifiedOnly: z.boolean().nullish(),
    instantBookOnly: z.boolean().nullish(),
    sort: z.enum(SEARCH_SORTS).nullish(),
    first: z.number().int().min(1).max(SEARCH_LIMITS.maxPageSize).nullish(),
    after: safeText().max(512).nullish(),
  })
  .strict();
export type SearchListingsInput = z.infer<typeof searchListingsInput>;

export const searchListingsArgs = z.object({ input: searchListingsInput }).strict();

export const searchSuggestionsArgs = z
  .object({
    prefix: safeText().max(200),
    first: z.number().int().min(1).max(SEARCH_LIMITS.maxSuggestions).nullish(),
  })
  .strict();
