/**
 * The partner API's types, defined once with zod: requests are parsed with them and the OpenAPI
 * document (partner.openapi.ts) is generated from them, so documentation and code cannot drift.
 */
import * as z from 'zod';
import { safeText } from '../core/text.ts';

// ---- scopes ----------------------------------------------------------------------------------------

/** Scopes a partner client may hold (issue #15). Reads are per resource; exact studio addresses are contractual. */
export const PARTNER_SCOPES = [
  'read:profiles',
  'read:studios',
  'read:work',
  'write:briefs',
  'write:invites',
  'read:orders',
  'read:payouts',
  'studios:exact_address',
  'webhooks:manage',
] as const;
export type PartnerScope = (typeof PARTNER_SCOPES)[number];
export const partnerScope = z.enum(PARTNER_SCOPES);

// ---- OAuth 2.0 client credentials (RFC 6749 §4.4) ----------------------------------------------------

export const tokenRequest = z.object({
  grant_type: z.literal('client_credentials'),
  /** Or HTTP Basic (client_secret_basic, preferred). */
  client_id: z.string().max(64).optional(),
  client_secret: z.string().max(128).optional(),
  /** Space-separated subset of the client's scopes; all of them when absent. */
  scope: z.string().max(1000).optional(),
});
export type TokenRequest = z.infer<typeof tokenRequest>;

export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  scope: z.string(),
});

// ---- inventory ---------------------------------------------------------------------------------------

export const listQuery = z.object({
  cursor: z.string().max(512).optional().describe('opaque: the `nextCursor` of the previous page'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  city: z
    .string()
    .regex(/^[a-z]{2}-[a-z0-9-]{2,30}$/)
    .optional()
    .describe('city code, e.g. us-nyc'),
});
export const profileListQuery = listQuery.extend({
  role: z.enum(['MODEL', 'PHOTOGRAPHER', 'VIDEOGRAPHER', 'CONTENT_CREATOR']).optional(),
});
export const workListQuery = listQuery.omit({ city: true }).extend({
  ownerId: z
    .string()
    .regex(/^(prf|std)_[0-9A-HJKMNP-TV-Z]{26}$/)
    .optional()
    .describe('only work of this profile or studio'),
});
export const idParam = z.object({ id: z.string().min(1).max(64) });

const city = z.object({ code: z.string(), name: z.string().nullable(), countryCode: z.string().nullable() }).nullable();

export const imageVariant = z.object({
  name: z.string(),
  url: z.string().describe('public (SFW) copy; originals and flagged media never leave the platform'),
  width: z.number().int(),
  height: z.number().int(),
  format: z.string(),
});

export const work = z.object({
  id: z.string(),
  ownerType: z.enum(['PROFILE', 'STUDIO']),
  ownerId: z.string(),
  alt: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  variants: z.array(imageVariant),
  createdAt: z.string(),
});

export const profile = z.object({
  id: z.string(),
  role: z.string(),
  slug: z.string(),
  displayName: z.string().nullable(),
  headline: z.string().nullable(),
  bio: z.string().nullable(),
  tags: z.array(z.string()),
  city: city.describe('city level only'),
  priceMinCents: z.number().int().nullable(),
  priceMaxCents: z.number().int().nullable(),
  currency: z.string(),
  languages: z.array(z.string()),
  instantBook: z.boolean(),
  cover: work.nullable(),
  publishedAt: z.string().nullable(),
  updatedAt: z.string(),
});

export const studioAddress = z.object({
  line1: z.string().nullable(),
  line2: z.string().nullable(),
  postalCode: z.string().nullable(),
});

export const studio = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  city: city,
  address: studioAddress.optional().describe('present only for clients holding the scope studios:exact_address'),
  amenities: z.array(z.string()),
  hourlyMinCents: z.number().int().nullable(),
  hourlyMaxCents: z.number().int().nullable(),
  depositCents: z.number().int().nullable(),
  currency: z.string(),
  instantBook: z.boolean(),
  cover: work.nullable(),
  publishedAt: z.string().nullable(),
  updatedAt: z.string(),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable().describe('null on the last page') });

// ---- webhooks ----------------------------------------------------------------------------------------

/** Catalog events partners may subscribe to (lambdas/core/events/catalog.ts); payloads are projected. */
export const PARTNER_EVENT_TYPES = [
  'profile.published',
  'profile.updated',
  'profile.unpublished',
  'studio.published',
  'studio.updated',
  'studio.unpublished',
  'media.published',
  'media.deleted',
  // About the partner's own briefs: delivered only to the endpoints of the client that owns the brief.
  'brief.created',
  'brief.closed',
  'invite.created',
] as const;
export type PartnerEventType = (typeof PARTNER_EVENT_TYPES)[number];

export const createEndpointBody = z.object({
  url: safeText().pipe(z.url({ protocol: /^https?$/ }).max(2048)),
  eventTypes: z.array(z.enum(PARTNER_EVENT_TYPES)).min(1).max(PARTNER_EVENT_TYPES.length),
  version: z.enum(['1']).default('1').describe('event payload version this endpoint accepts'),
});
export type CreateEndpointBody = z.infer<typeof createEndpointBody>;

export const webhookEndpoint = z.object({
  id: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  version: z.string(),
  status: z.enum(['active', 'disabled']),
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
});

export const endpointWithSecret = webhookEndpoint.extend({
  secret: z.string().describe('whsec_…: shown once; verify deliveries with it (Standard Webhooks)'),
});

export const rotatedSecret = z.object({
  secret: z.string(),
  previousSecretExpiresAt: z.string().describe('until then deliveries carry a signature with each secret'),
});

export const replayBody = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  types: z.array(z.enum(PARTNER_EVENT_TYPES)).max(PARTNER_EVENT_TYPES.length).optional(),
  aggregateId: z.string().max(64).optional(),
  endpointId: z.string().max(64).optional(),
});
export type ReplayBody = z.infer<typeof replayBody>;
export const replayResult = z.object({ replayed: z.number().int(), eventIds: z.array(z.string()) });

export const deliveryQuery = z.object({
  endpointId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const delivery = z.object({
  eventId: z.string(),
  endpointId: z.string(),
  messageId: z.string(),
  attempt: z.number().int(),
  status: z.enum(['delivered', 'failed', 'pending']),
  responseCode: z.number().int().nullable(),
  responseMs: z.number().int().nullable(),
  createdAt: z.string(),
});

// ---- briefs, invites, orders, payouts ----------------------------------------------------------------

export const BRIEF_ROLES = ['MODEL', 'PHOTOGRAPHER', 'VIDEOGRAPHER', 'CONTENT_CREATOR'] as const;
const cityCode = z
  .string()
  .regex(/^[a-z]{2}-[a-z0-9-]{2,30}$/)
  .describe('city code, e.g. us-nyc');
const cents = z.number().int().min(0).max(100_000_000);

export const createBriefBody = z
  .object({
    role: z.enum(BRIEF_ROLES).describe('the kind of provider the shoot needs'),
    city: cityCode,
    dateFrom: z.iso.date().describe('first day the shoot may happen (YYYY-MM-DD, not in the past)'),
    dateTo: z.iso.date().describe('last day (at most 366 days after dateFrom)'),
    budget: z.object({
      minCents: cents,
      maxCents: cents,
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/)
        .default('USD'),
    }),
    description: safeText().trim().min(1).max(4000),
  })
  .refine((brief) => brief.dateTo >= brief.dateFrom, { path: ['dateTo'], message: 'must not be before dateFrom' })
  .refine((brief) => brief.budget.maxCents >= brief.budget.minCents, {
    path: ['budget', 'maxCents'],
    message: 'must not be below minCents',
  });
export type CreateBriefBody = z.infer<typeof createBriefBody>;

export const brief = z.object({
  id: z.string(),
  role: z.enum(BRIEF_ROLES),
  city: z.string(),
  dateFrom: z.string(),
  dateTo: z.string(),
  budget: z.object({ minCents: z.number().int(), maxCents: z.number().int(), currency: z.string() }),
  description: z.string(),
  status: z.enum(['open', 'closed']),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const pageQuery = z.object({
  cursor: z.string().max(512).optional().describe('opaque: the `nextCursor` of the previous page'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const briefListQuery = pageQuery.extend({
  status: z.enum(['open', 'closed']).optional().describe('only briefs in this state'),
});
export const inviteListQuery = pageQuery.extend({
  briefId: z.string().min(1).max(64).optional().describe('only invites to this brief (one of yours)'),
});

export const createInviteBody = z.object({
  briefId: z.string().min(1).max(64).describe('one of your briefs'),
  profileId: z.string().min(1).max(64).describe('a published profile whose role is the brief’s'),
  message: safeText().trim().min(1).max(2000).optional(),
});
export type CreateInviteBody = z.infer<typeof createInviteBody>;

export const invite = z.object({
  id: z.string(),
  briefId: z.string(),
  profileId: z.string(),
  message: z.string().nullable(),
  status: z.enum(['sent', 'accepted', 'declined']),
  createdAt: z.string(),
});

const orderLeg = z.object({
  id: z.string(),
  resourceType: z.enum(['PROFILE', 'STUDIO']),
  resourceId: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  amountCents: z.number().int(),
  accepted: z.boolean(),
});
export const order = z.object({
  id: z.string(),
  status: z.string(),
  instantBook: z.boolean(),
  startsAt: z.string(),
  endsAt: z.string(),
  amountCents: z.number().int(),
  currency: z.string(),
  cancellationPolicy: z.string(),
  paymentStatus: z.string(),
  legs: z.array(orderLeg),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const payoutListQuery = listQuery.omit({ city: true });
export const payout = z.object({
  id: z.string(),
  orderId: z.string(),
  legId: z.string(),
  amountCents: z.number().int(),
  reversedCents: z.number().int(),
  currency: z.string(),
  createdAt: z.string(),
});

// ---- errors (Appendix J style) -----------------------------------------------------------------------

export const errorObject = z.object({
  error: z.object({
    code: z.string().describe('stable, e.g. PARTNER.INVALID_TOKEN'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string().optional(),
  }),
});
