/**
 * The event catalog: every event the outbox carries, by type and version. Producers build events
 * here (`buildEvent`), consumers receive them parsed from here (dispatcher.ts), and search
 * indexing, partner webhooks and analytics read the generated JSON Schema (catalog.schema.json,
 * `npm run events:schema`). To add or change an event, see "Events" in the README.
 *
 * Payloads carry ids and public attributes, never personal data (names, emails, addresses): a
 * consumer that needs more reads it from the owning domain.
 */
import * as z from 'zod';
import { ID_PREFIXES, idPattern, newId, type IdKind } from '../ids.ts';
import { ROLES } from '../identity.ts';
import {
  createEventCatalog,
  EventDefinition,
  type EventCatalog,
  type OutboxEvent,
  type ParsedEventOf,
  type PayloadInputOf,
  type PayloadOf,
} from './event-contract.ts';

const id = (kind: IdKind) => z.string().regex(idPattern(kind)).describe(`${ID_PREFIXES[kind]}_ id`);
// The column is citext: the database compares slugs case-insensitively.
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/i);
const cityCode = z.string().min(1).max(32).describe('city code, e.g. us-nyc');
const listingVersion = z.number().int().min(0).describe('the listing row version after the change');

// ---- platform -------------------------------------------------------------------------------------

const featureFlagChanged = EventDefinition.define({
  type: 'feature_flag.changed',
  description: 'An admin switched a per-city feature flag.',
  payload: z.object({
    city: cityCode,
    key: z.string().min(1),
    enabled: z.boolean(),
    previous: z.boolean().nullable().describe('null when the flag did not exist before'),
  }),
  aggregate: (payload) => ({ type: 'city', id: payload.city }),
});

// ---- auth -----------------------------------------------------------------------------------------

const userRegistered = EventDefinition.define({
  type: 'user.registered',
  description: 'An account was created (password sign-up, social sign-in, or the local demo seed).',
  payload: z.object({
    userId: id('user'),
    method: z.enum(['password', 'google', 'apple', 'demo-seed']),
    role: z.enum(ROLES).optional().describe('the role chosen at sign-up; absent for social sign-in'),
  }),
  aggregate: (payload) => ({ type: 'user', id: payload.userId }),
});

const userEmailChanged = EventDefinition.define({
  type: 'user.email_changed',
  description: 'An account confirmed a new email address (the address itself is not in the event).',
  payload: z.object({ userId: id('user') }),
  aggregate: (payload) => ({ type: 'user', id: payload.userId }),
});

const userDeleted = EventDefinition.define({
  type: 'user.deleted',
  description: 'An account was deleted: every domain erases or pseudonymises its part.',
  payload: z.object({ userId: id('user'), deletedAt: z.iso.datetime({ offset: true }) }),
  aggregate: (payload) => ({ type: 'user', id: payload.userId }),
});

// ---- profiles -------------------------------------------------------------------------------------

const PROFILE_ROLES = ['MODEL', 'PHOTOGRAPHER', 'VIDEOGRAPHER', 'CONTENT_CREATOR'] as const;
const MEDIA_OWNER_TYPES = ['PROFILE', 'STUDIO', 'VERIFICATION'] as const;

/** What changed a published profile's public page when it is not an edit of the profile itself. */
export const PROFILE_UPDATE_REASONS = [
  'verification',
  'media.processed',
  'media.published',
  'media.reordered',
  'media.cover_changed',
  'media.deleted',
  // Another profile of the owner was published or unpublished: the `roles` every page shows changed.
  'roles',
  // Public again after a DMCA counter notice's statutory window (lambdas/profiles/dmca-listing-takedown.ts).
  'dmca_restored',
] as const;

const profileFields = {
  profileId: id('profile'),
  ownerUserId: id('user'),
  role: z.enum(PROFILE_ROLES),
  slug,
  city: cityCode.nullable(),
  version: listingVersion,
};
const profileAggregate = (payload: { profileId: string }) => ({ type: 'profile', id: payload.profileId });

const profilePublished = EventDefinition.define({
  type: 'profile.published',
  description: 'A service profile was published (search indexes it).',
  payload: z.object({ ...profileFields, score: z.number().int().min(0).max(100).describe('completeness score') }),
  aggregate: profileAggregate,
});

const profileUpdated = EventDefinition.define({
  type: 'profile.updated',
  description: 'A published profile changed (search re-reads its public projection).',
  payload: z.object({
    ...profileFields,
    reason: z.enum(PROFILE_UPDATE_REASONS).optional().describe('absent when the owner edited the profile'),
  }),
  aggregate: profileAggregate,
});

const profileUnpublished = EventDefinition.define({
  type: 'profile.unpublished',
  description: 'A profile left the public site (search drops it).',
  payload: z.object({
    ...profileFields,
    reason: z.enum(['account_deleted', 'dmca_takedown']).optional().describe('absent when the owner unpublished'),
  }),
  aggregate: profileAggregate,
});

const studioFields = { studioId: id('studio'), slug, city: cityCode.nullable(), version: listingVersion };
const studioAggregate = (payload: { studioId: string }) => ({ type: 'studio', id: payload.studioId });

const studioPublished = EventDefinition.define({
  type: 'studio.published',
  description: 'A studio was published (search indexes it).',
  payload: z.object(studioFields),
  aggregate: studioAggregate,
});

const studioUpdated = EventDefinition.define({
  type: 'studio.updated',
  description: 'A published studio changed (search re-reads its public projection).',
  payload: z.object(studioFields),
  aggregate: studioAggregate,
});

const studioUnpublished = EventDefinition.define({
  type: 'studio.unpublished',
  description: 'A studio left the public site (search drops it).',
  payload: z.object({
    ...studioFields,
    reason: z.enum(['account_deleted', 'dmca_takedown']).optional().describe('absent when the host unpublished'),
  }),
  aggregate: studioAggregate,
});

const verificationFields = {
  verificationId: id('verification'),
  subject: z.enum(['IDENTITY', 'STUDIO']),
  subjectId: z.union([id('user'), id('studio')]).describe('the user (IDENTITY) or the studio (STUDIO)'),
};
const verificationAggregate = (payload: { verificationId: string }) => ({
  type: 'verification',
  id: payload.verificationId,
});

const verificationRequested = EventDefinition.define({
  type: 'verification.requested',
  description: 'A user asked for identity or studio verification (the trust queue).',
  payload: z.object(verificationFields),
  aggregate: verificationAggregate,
});

const verificationDecided = EventDefinition.define({
  type: 'verification.decided',
  description: 'Trust decided a verification request.',
  payload: z.object({ ...verificationFields, status: z.enum(['VERIFIED', 'REJECTED']) }),
  aggregate: verificationAggregate,
});

// ---- media ----------------------------------------------------------------------------------------

const mediaOwner = {
  ownerType: z.enum(MEDIA_OWNER_TYPES),
  ownerId: z
    .union([id('profile'), id('studio'), id('user')])
    .describe('PROFILE: the profile; STUDIO: the studio; VERIFICATION: the person (usr_) or their studio'),
};
/** Events about what an owner shows are the owner's (a profile's or studio's page changed). */
const ownerAggregate = (payload: { ownerType: string; ownerId: string }) => ({
  type: payload.ownerType.toLowerCase(),
  id: payload.ownerId,
});
const mediaAggregate = (payload: { mediaId: string }) => ({ type: 'media', id: payload.mediaId });

const mediaUploaded = EventDefinition.define({
  type: 'media.uploaded',
  description: 'An upload passed its checks; the moderation worker processes it.',
  payload: z.object({ mediaId: id('media') }),
  aggregate: mediaAggregate,
});

const mediaProcessed = EventDefinition.define({
  type: 'media.processed',
  description: 'An item was moderated, by the worker or by an admin decision, or taken down by a DMCA notice.',
  payload: z.object({
    mediaId: id('media'),
    ...mediaOwner,
    status: z.enum(['READY', 'FLAGGED', 'REJECTED', 'FAILED', 'TAKEN_DOWN']),
    nsfwBand: z
      .union([z.literal(0), z.literal(1), z.literal(2)])
      .optional()
      .describe('classifier band (worker)'),
  }),
  aggregate: ownerAggregate,
});

const mediaPublishable = EventDefinition.define({
  type: 'media.publishable',
  description: 'The decision to publish committed: the publisher copies the variants to the public bucket.',
  payload: z.object({ mediaId: id('media') }),
  aggregate: mediaAggregate,
});

const mediaPublished = EventDefinition.define({
  type: 'media.published',
  description: 'The publisher wrote the public copies (the public page changed).',
  payload: z.object({ mediaId: id('media'), ...mediaOwner }),
  aggregate: ownerAggregate,
});

const mediaWithdrawn = EventDefinition.define({
  type: 'media.withdrawn',
  description: 'The item left every public state: the listed objects must go (retried until they are gone).',
  payload: z.object({
    mediaId: id('media'),
    ...mediaOwner,
    originalKeys: z.array(z.string().min(1)).describe('keys in the private originals bucket'),
    publicKeys: z.array(z.string().min(1)).describe('keys in the public bucket'),
  }),
  aggregate: mediaAggregate,
});

const mediaDeleted = EventDefinition.define({
  type: 'media.deleted',
  description: 'An item was deleted by its owner or with its account.',
  payload: z.object({ mediaId: id('media'), ...mediaOwner, reason: z.enum(['owner', 'account-deleted']) }),
  aggregate: ownerAggregate,
});

const mediaReordered = EventDefinition.define({
  type: 'media.reordered',
  description: 'An owner reordered its portfolio.',
  payload: z.object(mediaOwner),
  aggregate: ownerAggregate,
});

const mediaCoverChanged = EventDefinition.define({
  type: 'media.cover_changed',
  description: 'An owner chose a new cover image.',
  payload: z.object({ mediaId: id('media'), ...mediaOwner }),
  aggregate: ownerAggregate,
});

// ---- booking --------------------------------------------------------------------------------------

const BOOKING_STATUSES = [
  'REQUESTED',
  'HOLD',
  'CONFIRMED',
  'IN_PROGRESS',
  'COMPLETED',
  'CANCELLED',
  'DECLINED',
  'EXPIRED',
  'DISPUTED',
] as const;
const bookingPayload = z.object({
  groupId: id('booking'),
  clientUserId: id('user'),
  fromStatus: z.enum(BOOKING_STATUSES).nullable().describe('null when the group was just created'),
  status: z.enum(BOOKING_STATUSES),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  legs: z
    .array(
      z.object({
        legId: id('bookingLeg'),
        resourceType: z.enum(['PROFILE', 'STUDIO']),
        resourceId: z.string().min(1).describe('prf_ or std_ id'),
        ownerUserId: id('user'),
      }),
    )
    .min(1),
});
const bookingEvent = <T extends string>(type: T, description: string) =>
  EventDefinition.define({
    type,
    description,
    payload: bookingPayload,
    aggregate: (payload: { groupId: string }) => ({ type: 'booking', id: payload.groupId }),
  });

const bookingRequested = bookingEvent(
  'booking.requested',
  'A client requested a booking; its owners answer by a deadline.',
);
const bookingAccepted = bookingEvent('booking.accepted', 'An owner accepted their leg of a requested booking.');
const bookingHeld = bookingEvent(
  'booking.held',
  'Every leg is accepted (or Instant Book): the slot is held while payment completes.',
);
const bookingConfirmed = bookingEvent(
  'booking.confirmed',
  'Payment completed (or no money moves yet): the booking is confirmed.',
);
const bookingDeclined = bookingEvent(
  'booking.declined',
  'An owner declined a requested booking; its time is free again.',
);
const bookingCancelled = bookingEvent(
  'booking.cancelled',
  'The client or an owner cancelled; refund per the cancellation kernel.',
);
const bookingExpired = bookingEvent(
  'booking.expired',
  'A request went unanswered or a hold unpaid past its deadline; the time is free again.',
);
const bookingStarted = bookingEvent('booking.started', 'The session began.');
const bookingCompleted = bookingEvent('booking.completed', 'The session was completed.');
const bookingDisputed = bookingEvent('booking.disputed', 'The client or an owner opened a dispute.');
const bookingRescheduled = EventDefinition.define({
  type: 'booking.rescheduled',
  description: 'Every leg of a booking group moved to a new time together; the status is unchanged.',
  payload: bookingPayload.extend({
    previousStartsAt: z.iso.datetime({ offset: true }),
    previousEndsAt: z.iso.datetime({ offset: true }),
  }),
  aggregate: (payload: { groupId: string }) => ({ type: 'booking', id: payload.groupId }),
});

// ---- reviews --------------------------------------------------------------------------------------

const reviewPublished = EventDefinition.define({
  type: 'review.published',
  description:
    'A review became visible (both parties of a completed booking leg reviewed, or the 14-day window closed); search may use it as a quality signal.',
  payload: z.object({
    reviewId: id('review'),
    legId: id('bookingLeg'),
    direction: z.enum(['CLIENT_TO_LISTING', 'OWNER_TO_CLIENT']),
    listingType: z.enum(['PROFILE', 'STUDIO']),
    listingId: z.string().min(1).describe('prf_ or std_ id of the reviewed (or reviewing) listing'),
    rating: z.number().int().min(1).max(5),
  }),
  aggregate: (payload) => ({ type: 'review', id: payload.reviewId }),
});

// ---- staff ---------------------------------------------------------------------------------------

const staffRefundApproved = EventDefinition.define({
  type: 'staff.refund.approved',
  description:
    'A staff refund passed its control (a second staff member approved it, or it was under the dual-control threshold): payments refunds it once, keyed by the proposal.',
  payload: z.object({
    proposalId: id('staffProposal'),
    paymentGroupId: z.string().min(1).max(100),
    amountCents: z.number().int().positive(),
    currency: z.string().regex(/^[a-z]{3}$/),
    proposedBy: id('user'),
    approvedBy: id('user').nullable().describe('null when no second approval was required'),
  }),
  aggregate: (payload) => ({ type: 'staff_proposal', id: payload.proposalId }),
});

// ---- payments: chargebacks (issue #12) ----------------------------------------------------------

/**
 * A Stripe dispute's fields as the event carries them. The Stripe webhook parses the dispute object
 * with these same rules before storing anything, so a dispute it accepts always makes a valid event.
 */
export const stripeDisputeFields = {
  id: z
    .string()
    .regex(/^dp_[A-Za-z0-9]+$/)
    .describe('Stripe dispute id'),
  status: z
    .string()
    .min(1)
    .max(40)
    .describe('Stripe dispute status: warning_needs_response, needs_response, under_review, won, lost, …'),
  reason: z.string().min(1).max(60).describe('Stripe dispute reason (fraudulent, product_not_received, …)'),
  amountCents: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-z]{3}$/),
};

const paymentDisputeChanged = EventDefinition.define({
  type: 'payment.dispute.changed',
  description:
    "A chargeback on a booking group's charge was opened, changed or closed at Stripe (charge.dispute.*), applied forward only: booking shows it on the order timeline.",
  payload: z.object({
    disputeId: stripeDisputeFields.id,
    groupId: id('booking'),
    status: stripeDisputeFields.status,
    reason: stripeDisputeFields.reason,
    amountCents: stripeDisputeFields.amountCents,
    currency: stripeDisputeFields.currency,
    evidenceDueBy: z.string().datetime().nullable(),
  }),
  aggregate: (payload) => ({ type: 'booking', id: payload.groupId }),
});

/**
 * A booking group's card authorisation was about to lapse (Stripe keeps it 7 days) before capture and
 * was renewed off-session, or could not be: the card needs its holder (`reason`). Booking shows it on the
 * order timeline; the old authorisation stays until it lapses, so the hold can still be captured until then.
 */
const paymentAuthorizationRenewal = EventDefinition.define({
  type: 'payment.authorization.renewal',
  description:
    "A booking group's lapsing card authorisation was renewed off-session (a new PaymentIntent, the old one cancelled) or needs the client (authentication_required, card_declined, no_saved_card, card_unusable: any other refusal of the saved card or customer).",
  payload: z.object({
    groupId: id('booking'),
    outcome: z.enum(['renewed', 'action_required']),
    reason: z.enum(['authentication_required', 'card_declined', 'no_saved_card', 'card_unusable']).nullable(),
    captureBefore: z.string().datetime().nullable().describe('until when the live authorisation can be captured'),
  }),
  aggregate: (payload) => ({ type: 'booking', id: payload.groupId }),
});

// ---- partner briefs (issue #15) -------------------------------------------------------------------

// A brief is one partner client's; its events go to that client's webhook endpoints only.
const briefFields = {
  briefId: id('partnerBrief'),
  clientId: id('partnerClient').describe('the partner client that owns the brief (its events go to it alone)'),
};
const briefAggregate = (payload: { briefId: string }) => ({ type: 'partner_brief', id: payload.briefId });

const briefCreated = EventDefinition.define({
  type: 'brief.created',
  description: 'A partner client posted a brief (a request for a shoot).',
  payload: z.object({
    ...briefFields,
    role: z.enum(PROFILE_ROLES),
    city: cityCode,
    dateFrom: z.iso.date(),
    dateTo: z.iso.date(),
  }),
  aggregate: briefAggregate,
});

const briefClosed = EventDefinition.define({
  type: 'brief.closed',
  description: 'A partner client closed its brief: no further invites.',
  payload: z.object(briefFields),
  aggregate: briefAggregate,
});

const inviteCreated = EventDefinition.define({
  type: 'invite.created',
  description: 'A partner client invited a published provider to one of its briefs (aggregate: the brief).',
  payload: z.object({ ...briefFields, inviteId: id('partnerInvite'), profileId: id('profile') }),
  aggregate: briefAggregate,
});

// ---- dmca -----------------------------------------------------------------------------------------

const dmcaCaseFields = {
  caseId: id('dmcaCase'),
  ownerUserId: id('user').describe('the uploader, told of each step'),
  targetKind: z.enum(['MEDIA', 'PROFILE', 'STUDIO']),
  targetId: z.string().min(1).describe('med_, prf_ or std_ id of the material'),
};
const dmcaAggregate = (payload: { caseId: string }) => ({ type: 'dmcaCase', id: payload.caseId });

const dmcaTakenDown = EventDefinition.define({
  type: 'dmca.taken_down',
  description: 'A DMCA notice took material down (hidden at the commit); the uploader is told and may counter-notify.',
  payload: z.object(dmcaCaseFields),
  aggregate: dmcaAggregate,
});

const dmcaCounterNoticed = EventDefinition.define({
  type: 'dmca.counter_noticed',
  description:
    'The uploader filed a counter notice: the material comes back in the statutory window unless suit is filed.',
  payload: z.object({
    ...dmcaCaseFields,
    restoreFrom: z.iso.datetime({ offset: true }),
    restoreBy: z.iso.datetime({ offset: true }),
  }),
  aggregate: dmcaAggregate,
});

const dmcaNoticeJoined = EventDefinition.define({
  type: 'dmca.notice_joined',
  description:
    'A notice joined a case already counter-noticed: its complainant is owed a copy of the counter notice (§512(g)(2)(B)).',
  payload: z.object({
    ...dmcaCaseFields,
    noticeId: id('dmcaNotice'),
    restoreFrom: z.iso.datetime({ offset: true }),
  }),
  aggregate: dmcaAggregate,
});

const dmcaRestored = EventDefinition.define({
  type: 'dmca.restored',
  description: 'The counter-notice window passed without a suit: the material is public again.',
  payload: z.object(dmcaCaseFields),
  aggregate: dmcaAggregate,
});

// ---- privacy --------------------------------------------------------------------------------------

const privacyExportRequested = EventDefinition.define({
  type: 'privacy.export.requested',
  description: 'An account asked for its data export (accepted): the export worker builds the bundle.',
  payload: z.object({ exportId: id('dataExport'), userId: id('user') }),
  aggregate: (payload) => ({ type: 'dataExport', id: payload.exportId }),
});

// ---- the catalog ----------------------------------------------------------------------------------

export const eventCatalog = createEventCatalog([
  featureFlagChanged,
  userRegistered,
  userEmailChanged,
  userDeleted,
  profilePublished,
  profileUpdated,
  profileUnpublished,
  studioPublished,
  studioUpdated,
  studioUnpublished,
  verificationRequested,
  verificationDecided,
  mediaUploaded,
  mediaProcessed,
  mediaPublishable,
  mediaPublished,
  mediaWithdrawn,
  mediaDeleted,
  mediaReordered,
  mediaCoverChanged,
  bookingRequested,
  bookingAccepted,
  bookingHeld,
  bookingConfirmed,
  bookingDeclined,
  bookingCancelled,
  bookingExpired,
  bookingStarted,
  bookingCompleted,
  bookingDisputed,
  bookingRescheduled,
  reviewPublished,
  staffRefundApproved,
  paymentDisputeChanged,
  paymentAuthorizationRenewal,
  briefCreated,
  briefClosed,
  inviteCreated,
  dmcaTakenDown,
  dmcaCounterNoticed,
  dmcaNoticeJoined,
  dmcaRestored,
  privacyExportRequested,
]);

type Definitions = typeof eventCatalog extends EventCatalog<infer M> ? M : never;

/** Every event type in the catalog. */
export type EventType = keyof Definitions;
/** The current payload of an event type, as consumers receive it. */
export type EventPayload<T extends EventType> = PayloadOf<Definitions[T]>;
/** What a producer passes for an event type. */
export type EventPayloadInput<T extends EventType> = PayloadInputOf<Definitions[T]>;
/** A built event, ready for the outbox (`enqueueEvent`). */
export type CatalogOutboxEvent<T extends EventType = EventType> = { [K in T]: OutboxEvent<K, EventPayload<K>> }[T];
/** A delivered event, parsed at the current version: what consumers are given. */
export type DomainEvent<T extends EventType = EventType> = ParsedEventOf<Definitions, T>;

/** Producers: the one way to make an event. Throws `EventContractError` when the payload does not parse. */
export function buildEvent<T extends EventType>(type: T, payload: EventPayloadInput<T>): CatalogOutboxEvent<T> {
  return eventCatalog.build(type, payload);
}

/**
 * A delivered event made directly (tests, benchmarks, tools that call a consumer by hand): built
 * like a producer's, with a fresh id and the current time.
 */
export function newDomainEvent<T extends EventType>(
  type: T,
  payload: EventPayloadInput<T>,
  meta: { readonly id?: string; readonly occurredAt?: string; readonly correlationId?: string } = {},
): DomainEvent<T> {
  const built = buildEvent(type, payload);
  return {
    ...built,
    id: meta.id ?? newId('event'),
    occurredAt: meta.occurredAt ?? new Date().toISOString(),
    ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
  };
}
