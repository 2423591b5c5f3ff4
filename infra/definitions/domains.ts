/**
 * The one map from API surface to domain Lambda. The CDK api stack generates AppSync resolvers
 * and API Gateway routes from it; the local gateway dispatches with it. Adding a field or a route
 * means adding a line here and a case in the domain's router; nothing else has to be kept in step.
 */
import type { EventType } from '../../lambdas/core/events/catalog.ts';
import type { DatabaseRole } from '../../lambdas/core/db/database-roles.ts';

/** How a Lambda reaches a table or bucket: an id alone is read + write. */
export type ResourceAccess = 'read' | 'readWrite' | 'writeOnce';
export type ResourceUse = string | { readonly id: string; readonly access: ResourceAccess };

export function resourceUse(use: ResourceUse): { readonly id: string; readonly access: ResourceAccess } {
  return typeof use === 'string' ? { id: use, access: 'readWrite' } : use;
}

export interface DomainSpec {
  /** Lambda entry file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** Which shared resources the Lambda reaches (the CDK binds env var + grant in one call). */
  readonly uses: {
    /**
     * The PostgreSQL role the Lambda logs in as (lambdas/core/db/database-roles.ts): the CDK sets
     * DB_USER and grants rds-db:connect for that user only; the code passes the same role to
     * databaseFromEnv, and migrations grant the role its tables.
     */
    readonly database?: DatabaseRole;
    /** Table ids (read and write), or `{ id, access: 'read' }` for a reader. */
    readonly tables?: readonly ResourceUse[];
    /**
     * Bucket ids (read and write), `{ id, access: 'read' }` for a reader, or `{ id, access: 'writeOnce' }`
     * for a writer of a write-once bucket (put, get and list, never delete).
     */
    readonly buckets?: readonly ResourceUse[];
    readonly eventBus?: boolean;
    readonly notifications?: boolean;
    /** Typesense (the search stack's nodes and API key secret). */
    readonly search?: boolean;
    /** Image moderation (Rekognition DetectModerationLabels in AWS). */
    readonly moderation?: boolean;
    /**
     * Secrets (ids from infra/definitions/secrets.ts): `<VARIABLE>_SECRET_ARN` for each of their
     * variables plus read access; the Lambda resolves them at cold start (lambdas/adapters/secret-env.ts).
     */
    readonly secrets?: readonly string[];
    /**
     * `@aws_iam` mutations the Lambda calls (realtime publishes, API cache evictions): the CDK sets
     * APPSYNC_GRAPHQL_URL and grants appsync:GraphQL on exactly these fields.
     */
    readonly publishes?: readonly string[];
  };
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** On the path of every page view or sign-in: provisioned concurrency in AWS stages that enable it. */
  readonly latencyCritical?: boolean;
}

export const domains = {
  platform: {
    entry: 'lambdas/platform/platform.handler.ts',
    uses: { database: 'platform' },
  },
  auth: {
    entry: 'lambdas/auth/auth.handler.ts',
    // No eventBus: auth's events go through the outbox; only the relay publishes.
    uses: { database: 'auth', tables: ['control'], notifications: true, secrets: ['auth/keys', 'auth/providers'] },
    memoryMb: 1024, // argon2id is memory-hard; more memory also buys CPU on Lambda
    latencyCritical: true,
  },
  authDiscovery: {
    // OIDC discovery + JWKS on their own: AppSync fetches the JWKS for every signed-in call, so it must
    // not depend on the auth service's provider secrets (CAPTCHA, SMS). Needs the KEK only to create
    // the first signing key when none exists yet.
    entry: 'lambdas/auth/discovery.handler.ts',
    uses: { database: 'auth', secrets: ['auth/keys'] },
    memoryMb: 256,
  },
  profiles: {
    entry: 'lambdas/profiles/profiles.handler.ts',
    // evictPublicListing / evictBookingTerms: a changed or erased listing's cached public page and terms (cachedReads below).
    uses: { database: 'profiles', notifications: true, publishes: ['evictPublicListing', 'evictBookingTerms'] },
    latencyCritical: true, // public profile pages
  },
  media: {
    // The light half of media: presigned uploads, upload-complete checks, order, cover, admin decisions.
    entry: 'lambdas/media/media.handler.ts',
    uses: { database: 'media', buckets: ['media-originals', 'media-public'] },
  },
  mediaWorker: {
    // The heavy half: sharp (native libvips, linux-arm64 build) and Rekognition; tfjs/nsfwjs only locally.
    entry: 'lambdas/media/media-worker.handler.ts',
    uses: { database: 'media', buckets: ['media-originals', 'media-public'], moderation: true },
    memoryMb: 2048,
    timeoutSeconds: 120,
  },
  payments: {
    // Checkout quotes, payout onboarding, Stripe webhooks; booking reaches its port through lambdas/payments/index.ts.
    entry: 'lambdas/payments/payments.handler.ts',
    // Reads a booking's message thread for a chargeback's evidence pack (lambdas/messaging/index.ts).
    uses: { database: 'payments', secrets: ['payments/stripe'], tables: [{ id: 'messaging', access: 'read' }] },
    timeoutSeconds: 30,
  },
  search: {
    // Public search (API key) and the indexer consumer; Typesense in AWS with PostgreSQL as fallback.
    entry: 'lambdas/search/search.handler.ts',
    uses: { database: 'search', tables: ['control'], search: true },
    latencyCritical: true,
  },
  booking: {
    // Availability, feasible slots (public preview), requests and the booking state machine.
    entry: 'lambdas/booking/booking.handler.ts',
    // payments/stripe: the payments adapter of its BookingPaymentsPort runs in this Lambda (issue #12).
    // evictBookingTerms: a listing's cached terms after its owner set availability (cachedReads below).
    uses: { database: 'booking', secrets: ['payments/stripe'], publishes: ['evictBookingTerms'] },
  },
  bookingCalendars: {
    // Booking's calendars: feeds (ICS import) and the secret ICS export. Apart from booking so the ICS
    // libraries stay out of its bundle and Stripe out of this one (bundles < 1 MB).
    entry: 'lambdas/booking/calendars.handler.ts',
    uses: { database: 'booking' },
  },
  bookingErasure: {
    // Booking's user.deleted consumer (pseudonymises bookings): the booking role only, no API, no Stripe.
    entry: 'lambdas/booking/booking-erasure.handler.ts',
    uses: { database: 'booking' },
  },
  partner: {
    // Partner REST API (/oauth2/token, /v1): client credentials at the issuer (signs with auth's keys,
    // hence the KEK), token verdicts, quotas and idempotency in the control table.
    entry: 'lambdas/partner/partner.handler.ts',
    uses: { database: 'partner', tables: ['control'], secrets: ['auth/keys'] },
  },
  partnerWebhooks: {
    // Webhook fan-out + delivery (catalog events) and the scheduled retry run; outbound HTTP only.
    entry: 'lambdas/partner/webhook-worker.handler.ts',
    uses: { database: 'partner', tables: ['control'], secrets: ['auth/keys'] },
    timeoutSeconds: 120,
  },
  messaging: {
    // Threads, messages and inbox in DynamoDB (seed 004); PostgreSQL only for who may be contacted.
    entry: 'lambdas/messaging/messaging.handler.ts',
    uses: {
      database: 'messaging',
      tables: ['messaging', 'presence', 'control'],
      // msg-previews: a sent attachment's preview moves out of unsent/; erasure deletes unsent ones.
      buckets: ['msg-previews'],
      publishes: ['publishThreadEvent', 'publishReadReceipt', 'publishThreadPanelEvent'],
    },
    latencyCritical: true,
  },
  messagingAttachments: {
    // Messaging's heavy half: image attachments (presigned PUT, scan with sharp and the moderation
    // classifier, download URLs), apart so the latency-critical messaging bundle stays light.
    entry: 'lambdas/messaging/attachments.handler.ts',
    // control: the per-user rate limits on upload requests and completions (lambdas/core/rate-limit-matrix.ts).
    // database: deliverable manifests and decisions (db/migrations/3210), as the messaging role.
    uses: { database: 'messaging', tables: ['messaging', 'control'], buckets: ['msg-previews'], moderation: true },
    memoryMb: 2048,
    timeoutSeconds: 30,
  },
  reviews: {
    // Reviews of completed booking legs (double-blind, 14-day window) and listing summaries.
    entry: 'lambdas/reviews/reviews.handler.ts',
    uses: { database: 'reviews' },
  },
  staff: {
    // Staff back-office (NTB-ADMIN-001): dual-control proposals, staff roles and elevations.
    entry: 'lambdas/staff/staff.handler.ts',
    uses: { database: 'staff' },
  },
  paymentsStaffRefunds: {
    // Refunds a payment when staff approved it (staff.refund.approved), as the payments role.
    entry: 'lambdas/payments/staff-refund.handler.ts',
    uses: { database: 'payments', secrets: ['payments/stripe'] },
    timeoutSeconds: 30,
  },
  notifications: {
    // Notification settings, consent, the in-app inbox; the account lifecycle consumer.
    entry: 'lambdas/notifications/notifications.handler.ts',
    uses: { database: 'notifications', tables: ['messaging'], notifications: true },
  },
  privacyExportWorker: {
    // Builds a requested DSAR export (privacy.export.requested): the same reads and bucket as the privacy
    // Lambda, with the time a large account's bundle takes (the API answers before it starts).
    entry: 'lambdas/privacy/export-worker.handler.ts',
    uses: {
      database: 'privacy',
      tables: [{ id: 'messaging', access: 'read' }],
      buckets: ['privacy-exports', { id: 'media-originals', access: 'read' }],
    },
    memoryMb: 1024,
    timeoutSeconds: 300,
  },
  dmca: {
    // DMCA (NTB-HELP-002): notice intake (public, per-IP limit in the control table), counter notices,
    // the trust queue; takes media down and restores it through media's door in the case's transaction.
    entry: 'lambdas/dmca/dmca.handler.ts',
    // notifications: the complainants (not accounts) get a copy of a counter notice by email.
    uses: { database: 'dmca', tables: ['control'], notifications: true },
  },
  privacy: {
    // DSAR export (NTB-EXPORT-001): reads each domain's part through its public module, writes the
    // bundle to the exports bucket, links the account's own originals; erases its bundles with the account.
    entry: 'lambdas/privacy/privacy.handler.ts',
    // Reads messaging's items and links the account's originals; writes and erases only its own bundles.
    uses: {
      database: 'privacy',
      tables: [{ id: 'messaging', access: 'read' }],
      buckets: ['privacy-exports', { id: 'media-originals', access: 'read' }],
    },
    memoryMb: 1024,
    timeoutSeconds: 30,
  },
} as const satisfies Record<string, DomainSpec>;

export type DomainName = keyof typeof domains;

/** GraphQL `Type.field` -> domain. Every root field must appear here (a test checks the schema). */
export const graphqlResolvers: Readonly<Record<string, DomainName>> = {
  'Query.cities': 'platform',
  'Query.featureFlags': 'platform',
  'Mutation.setFeatureFlag': 'platform',
  'Query.viewer': 'auth',
  'Query.me': 'auth',
  'Query.mySessions': 'auth',
  'Query.myDevices': 'auth',
  'Query.myConsents': 'auth',
  'Mutation.revokeSession': 'auth',
  'Mutation.revokeOtherSessions': 'auth',
  'Mutation.removeDevice': 'auth',
  'Mutation.recordConsent': 'auth',
  'Mutation.startTotpEnrollment': 'auth',
  'Mutation.confirmTotpEnrollment': 'auth',
  'Mutation.disableMfa': 'auth',
  'Mutation.regenerateRecoveryCodes': 'auth',
  'Mutation.sendStepUpCode': 'auth',
  'Mutation.stepUp': 'auth',
  'Mutation.changePassword': 'auth',
  'Mutation.changeEmail': 'auth',
  'Mutation.confirmEmailChange': 'auth',
  'Mutation.startPhoneVerification': 'auth',
  'Mutation.confirmPhone': 'auth',
  'Mutation.deleteAccount': 'auth',
  'Mutation.setUserRoles': 'auth',
  'Query.myProfiles': 'profiles',
  'Query.myProfile': 'profiles',
  'Query.publicProfile': 'profiles',
  'Query.myStudios': 'profiles',
  'Query.myStudio': 'profiles',
  'Query.publicStudio': 'profiles',
  'Query.verificationQueue': 'profiles',
  'Query.myNotificationPreferences': 'profiles',
  'Mutation.createServiceProfile': 'profiles',
  'Mutation.saveProfileDraft': 'profiles',
  'Mutation.completeProfileStep': 'profiles',
  'Mutation.publishProfile': 'profiles',
  'Mutation.unpublishProfile': 'profiles',
  'Mutation.setProfileInstantBook': 'profiles',
  'Mutation.createStudio': 'profiles',
  'Mutation.saveStudioDraft': 'profiles',
  'Mutation.completeStudioStep': 'profiles',
  'Mutation.publishStudio': 'profiles',
  'Mutation.unpublishStudio': 'profiles',
  'Mutation.requestVerification': 'profiles',
  'Mutation.decideVerification': 'profiles',
  'Mutation.updateNotificationPreferences': 'profiles',
  'Query.myMedia': 'media',
  'Query.moderationQueue': 'media',
  'Mutation.requestMediaUpload': 'media',
  'Mutation.completeMediaUpload': 'media',
  'Mutation.reorderMedia': 'media',
  'Mutation.setCoverMedia': 'media',
  'Mutation.deleteMedia': 'media',
  'Mutation.decideModeration': 'media',
  'Query.checkoutQuote': 'payments',
  'Query.payoutAccount': 'payments',
  'Mutation.startPayoutOnboarding': 'payments',
  'Query.checkoutPayment': 'payments',
  'Mutation.confirmCheckout': 'payments',
  'Query.disputeQueue': 'payments',
  'Query.disputeEvidence': 'payments',
  'Mutation.editDisputeEvidence': 'payments',
  'Mutation.approveDisputeEvidence': 'payments',
  'Query.searchListings': 'search',
  'Query.searchSuggestions': 'search',
  'Query.bookingSlots': 'booking',
  'Query.bookingTerms': 'booking',
  'Query.myAvailability': 'booking',
  'Query.booking': 'booking',
  'Query.myBookings': 'booking',
  'Mutation.setAvailability': 'booking',
  'Mutation.requestBooking': 'booking',
  'Mutation.actOnBooking': 'booking',
  'Mutation.rescheduleBookingGroup': 'booking',
  'Query.calendarFeeds': 'bookingCalendars',
  'Mutation.addCalendarFeed': 'bookingCalendars',
  'Mutation.removeCalendarFeed': 'bookingCalendars',
  'Mutation.rotateCalendarExport': 'bookingCalendars',
  'Mutation.revokeCalendarExport': 'bookingCalendars',
  'Query.myInbox': 'messaging',
  'Query.thread': 'messaging',
  'Query.threadMessages': 'messaging',
  'Query.threadPresence': 'messaging',
  'Mutation.startInquiry': 'messaging',
  'Mutation.sendMessage': 'messaging',
  'Mutation.markThreadRead': 'messaging',
  'Mutation.setThreadMuted': 'messaging',
  'Mutation.setThreadArchived': 'messaging',
  'Mutation.setThreadBlocked': 'messaging',
  'Mutation.reportThread': 'messaging',
  'Mutation.setTyping': 'messaging',
  'Subscription.onThreadMessage': 'messaging',
  'Subscription.onThreadTyping': 'messaging',
  'Subscription.onThreadPresence': 'messaging',
  'Subscription.onThreadRead': 'messaging',
  'Subscription.onThreadPanel': 'messaging',
  'Query.threadReadReceipts': 'messaging',
  'Mutation.setThreadPresence': 'messaging',
  'Mutation.publishReadReceipt': 'messaging',
  'Mutation.publishThreadPanelEvent': 'messaging',
  'Mutation.publishThreadEvent': 'messaging',
  'Query.threadActionCards': 'messaging',
  'Query.searchMyInbox': 'messaging',
  'Query.threadPanel': 'messaging',
  'Mutation.updateThreadTab': 'messaging',
  'Mutation.requestMessageAttachmentUpload': 'messagingAttachments',
  'Mutation.completeMessageAttachment': 'messagingAttachments',
  'Query.messageAttachmentUrl': 'messagingAttachments',
  'Mutation.requestDeliverableUpload': 'messagingAttachments',
  'Mutation.postDeliverables': 'messagingAttachments',
  'Mutation.decideDeliverables': 'messagingAttachments',
  'Query.threadDeliverables': 'messagingAttachments',
  'Query.deliverableFileUrl': 'messagingAttachments',
  'Query.bookingReviews': 'reviews',
  'Query.myReviewWindows': 'reviews',
  'Query.listingReviews': 'reviews',
  'Mutation.submitReview': 'reviews',
  'Mutation.reportReview': 'reviews',
  'Query.myStaffAccess': 'staff',
  'Query.staffProposals': 'staff',
  'Query.staffProposal': 'staff',
  'Mutation.proposeRefund': 'staff',
  'Mutation.proposeRoleGrant': 'staff',
  'Mutation.decideStaffProposal': 'staff',
  'Query.myNotificationSettings': 'notifications',
  'Query.myNotifications': 'notifications',
  'Mutation.updateNotificationSettings': 'notifications',
  'Mutation.markNotificationsRead': 'notifications',
  'Mutation.requestDataExport': 'privacy',
  'Query.dataExport': 'privacy',
  'Query.myDmcaCases': 'dmca',
  'Query.dmcaQueue': 'dmca',
  'Mutation.submitDmcaNotice': 'dmca',
  'Mutation.fileDmcaCounterNotice': 'dmca',
  'Mutation.recordDmcaSuit': 'dmca',
};

/**
 * Root fields AppSync resolves with APPSYNC_JS code on a NONE data source (no Lambda): `Type.field` ->
 * the code file under infra/definitions. The local gateway runs the same file. Together with
 * `graphqlResolvers` they cover every root field of the schema.
 */
export const appsyncCodeResolvers: Readonly<Record<string, string>> = {
  'Mutation.evictPublicListing': 'appsync-cache-eviction.js',
  'Mutation.evictBookingTerms': 'appsync-terms-eviction.js',
};

/** One cached public read: how long AppSync keeps an answer, and the arguments that key it. */
export interface CachedRead {
  readonly ttlSeconds: number;
  /** Argument names, in caching-key order (`$context.arguments.<name>`); eviction names them in this order. */
  readonly keys: readonly string[];
}

/**
 * AppSync's per-resolver cache (PER_RESOLVER_CACHING): the CDK sets `cachingConfig` from this map and
 * the local gateway emulates it with the same keys and TTLs. Only fields that answer the same to every
 * caller belong here (keyed by arguments alone, the cache is shared by API key and signed-in callers);
 * tests check each is reachable with the API key and that nothing its answer can hold is reachable
 * only when signed in. The keys are every argument that varies the answer (an input object keys as a
 * whole). The TTL is how stale each answer may be:
 *  - listing pages: evicted by `Mutation.evictPublicListing` when the listing changes, so a change is
 *    visible at once; the TTL only bounds a lost eviction (and the fill race, see below).
 *  - booking slots: 10 s and no eviction (the key holds the whole query window, so the entries a
 *    booking makes stale cannot be named). A slot taken in the last seconds may still show as open;
 *    requesting it answers BOOKING_CONFLICT, which the booking path checks in its transaction.
 *  - booking terms: evicted by `Mutation.evictBookingTerms` after an owner sets availability (booking)
 *    and on every listing event (profiles: Instant Book, publishing); 60 s bounds a lost eviction.
 *  - cities: 300 s and no eviction (no API changes them: a launch does, through a migration).
 * Not cached: search and suggestions (a per-caller rate limit runs before their answer, and their own
 * 2 s hot-query cache covers repeats); listing reviews (a review shows the moment both parties have
 * reviewed, and the key would hold `first`, whose values an eviction cannot all name); feature flags (an
 * admin's flip shows at once; it would need an eviction from the platform Lambda, not built yet).
 */
export const cachedReads: Readonly<Record<string, CachedRead>> = {
  'Query.publicProfile': { ttlSeconds: 300, keys: ['slug'] },
  'Query.publicStudio': { ttlSeconds: 300, keys: ['slug'] },
  'Query.bookingSlots': { ttlSeconds: 10, keys: ['input'] },
  'Query.bookingTerms': { ttlSeconds: 60, keys: ['resourceId'] },
  'Query.cities': { ttlSeconds: 300, keys: [] },
};

/** REST path prefixes (API Gateway proxy resources) -> domain. */
export const restRoutes: readonly { readonly prefix: string; readonly domain: DomainName }[] = [
  { prefix: '/.well-known', domain: 'authDiscovery' },
  { prefix: '/auth', domain: 'auth' },
  { prefix: '/profiles', domain: 'profiles' },
  { prefix: '/payments', domain: 'payments' },
  { prefix: '/oauth2', domain: 'partner' },
  { prefix: '/v1', domain: 'partner' },
  // Secret ICS export of a listing's bookings (GET /calendar/<token>.ics).
  { prefix: '/calendar', domain: 'bookingCalendars' },
];

/**
 * Event consumers: catalog event types -> domain (an EventBridge rule, SQS queue + DLQ each in AWS).
 * The domain's handler routes exactly these types (its exported `events` dispatcher; a test checks).
 */
export const eventConsumers: readonly {
  readonly name: string;
  readonly domain: DomainName;
  readonly eventTypes: readonly EventType[];
}[] = [
  // upload-complete → moderation worker (sniff, strip EXIF, variants, classify, publish SFW only).
  { name: 'media-moderation', domain: 'mediaWorker', eventTypes: ['media.uploaded'] },
  // Public copies are written only after the decision to publish committed, and removed (retried) on withdrawal.
  { name: 'media-publication', domain: 'media', eventTypes: ['media.publishable', 'media.withdrawn'] },
  // Media of a published profile changed → profile.updated for the indexer.
  {
    name: 'profiles-media-changes',
    domain: 'profiles',
    eventTypes: ['media.processed', 'media.published', 'media.reordered', 'media.cover_changed', 'media.deleted'],
  },
  // A listing changed: its cached public page is evicted from AppSync's cache (evictPublicListing).
  {
    name: 'profiles-public-cache',
    domain: 'profiles',
    eventTypes: [
      'profile.published',
      'profile.updated',
      'profile.unpublished',
      'studio.published',
      'studio.updated',
      'studio.unpublished',
    ],
  },
  // Account deletion (auth's user.deleted): each domain erases or pseudonymises its part.
  { name: 'profiles-user-deleted', domain: 'profiles', eventTypes: ['user.deleted'] },
  { name: 'media-user-deleted', domain: 'media', eventTypes: ['user.deleted'] },
  // Search indexer: listing changes (media changes arrive as profile.updated) and account erasure.
  {
    name: 'search-indexer',
    domain: 'search',
    eventTypes: [
      'profile.published',
      'profile.updated',
      'profile.unpublished',
      'studio.published',
      'studio.updated',
      'studio.unpublished',
      'user.deleted',
    ],
  },
  // Partner webhooks: listing and work changes fan out to subscribed endpoints (signed, retried).
  {
    name: 'partner-webhooks',
    domain: 'partnerWebhooks',
    eventTypes: [
      'profile.published',
      'profile.updated',
      'profile.unpublished',
      'studio.published',
      'studio.updated',
      'studio.unpublished',
      'media.published',
      'media.deleted',
      'brief.created',
      'brief.closed',
      'invite.created',
    ],
  },
  // A confirmed booking turns the pair's inquiry thread into its project thread (contact details shown).
  {
    name: 'messaging-bookings',
    domain: 'messaging',
    eventTypes: [
      'booking.confirmed',
      // Action messages in the pair's thread (#13).
      'booking.requested',
      'booking.accepted',
      'booking.held',
      'booking.declined',
      'booking.cancelled',
      'booking.expired',
      'booking.started',
      'booking.completed',
      'booking.disputed',
      'booking.rescheduled',
    ],
  },
  // Chargebacks (#12): payments' dispute events on the booking's order timeline.
  {
    name: 'booking-payment-disputes',
    domain: 'booking',
    eventTypes: ['payment.dispute.changed', 'payment.authorization.renewal'],
  },
  // Reviews: a completed booking opens the review windows of its legs.
  { name: 'reviews-booking-completed', domain: 'reviews', eventTypes: ['booking.completed'] },
  { name: 'reviews-user-deleted', domain: 'reviews', eventTypes: ['user.deleted'] },
  // Bookings and payment records are kept by law, pseudonymised (NTB-SEC-003).
  { name: 'booking-user-deleted', domain: 'bookingErasure', eventTypes: ['user.deleted'] },
  { name: 'payments-user-deleted', domain: 'payments', eventTypes: ['user.deleted'] },
  // Account deletion, the rest (#16): partner account links and stored webhook payloads; messaging's
  // DynamoDB threads (the erased author's bodies tombstoned, their membership pseudonymised).
  { name: 'partner-user-deleted', domain: 'partnerWebhooks', eventTypes: ['user.deleted'] },
  { name: 'messaging-user-deleted', domain: 'messaging', eventTypes: ['user.deleted'] },
  // Staff-approved refunds (dual control in lambdas/staff) are made by payments, once per proposal.
  { name: 'payments-staff-refunds', domain: 'paymentsStaffRefunds', eventTypes: ['staff.refund.approved'] },
  // Notification settings row at registration (the digest's list of accounts); erased with the account.
  { name: 'notifications-account', domain: 'notifications', eventTypes: ['user.registered', 'user.deleted'] },
  // A counter notice copied to the case's complainants by the dmca Lambda (§512(g)(2)(B)).
  // A complainant whose notice joins an already counter-noticed case gets the same copy.
  { name: 'dmca-complainants', domain: 'dmca', eventTypes: ['dmca.counter_noticed', 'dmca.notice_joined'] },
  // DMCA steps told to the uploader (email and in-app) by the notification service.
  {
    name: 'notifications-dmca',
    domain: 'notifications',
    eventTypes: ['dmca.taken_down', 'dmca.counter_noticed', 'dmca.restored'],
  },
  // The DSAR export worker builds each accepted request (lambdas/privacy/export-worker.handler.ts).
  { name: 'privacy-export-builder', domain: 'privacyExportWorker', eventTypes: ['privacy.export.requested'] },
  // DSAR export receipts and stored bundles of a deleted account (lambdas/privacy).
  { name: 'privacy-user-deleted', domain: 'privacy', eventTypes: ['user.deleted'] },
];

/** Scheduled jobs (EventBridge rules in AWS; a /dev/jobs route locally). */
export const scheduledJobs: readonly {
  readonly name: string;
  readonly entry: string;
  readonly schedule: string;
  readonly uses: DomainSpec['uses'];
}[] = [
  {
    name: 'profile-nudges',
    entry: 'lambdas/profiles/nudges.handler.ts',
    schedule: 'rate(1 hour)',
    uses: { database: 'profiles', notifications: true },
  },
  {
    // Removes objects no media row names (a lost commit, a withdrawal that never ran): nothing
    // rejected or orphaned stays public. Locally it runs at every start and on /dev/jobs/media-reconcile.
    name: 'media-reconcile',
    entry: 'lambdas/media/media-reconcile.handler.ts',
    schedule: 'rate(1 hour)',
    uses: { database: 'media', buckets: ['media-originals', 'media-public'] },
  },
  {
    // Expires requests and holds past their deadline (frees the time, voids the authorisation).
    // Reads check too; locally it runs every minute and on /dev/jobs/booking-expiry[?now=ISO].
    name: 'booking-expiry',
    entry: 'lambdas/booking/booking-expiry.handler.ts',
    schedule: 'rate(1 minute)',
    uses: { database: 'booking', secrets: ['payments/stripe'] },
  },
  {
    // Payments reconciliation (#12): Stripe's PaymentIntents, refunds and transfers against the records;
    // repairs what a lost webhook or a crash left, reports the rest. Locally: /dev/jobs/payments-reconcile.
    name: 'payments-reconcile',
    entry: 'lambdas/payments/payments-reconcile.handler.ts',
    schedule: 'rate(1 hour)',
    uses: { database: 'payments', secrets: ['payments/stripe'] },
  },
  {
    // Authorisation renewal (#12): holds whose card authorisation (7 days at Stripe) would lapse within
    // 48 h are re-authorised off-session. Locally: /dev/jobs/payments-reauthorize[?now=ISO].
    name: 'payments-reauthorize',
    entry: 'lambdas/payments/payments-reauthorize.handler.ts',
    schedule: 'rate(1 hour)',
    uses: { database: 'payments', secrets: ['payments/stripe'] },
  },
  {
    // Chargeback evidence (#12): assembles packs a webhook left unassembled, submits approved packs and,
    // a margin before Stripe's deadline, unreviewed ones. Locally: /dev/jobs/dispute-evidence[?now=ISO].
    name: 'dispute-evidence',
    entry: 'lambdas/payments/dispute-evidence.handler.ts',
    schedule: 'rate(15 minutes)',
    uses: { database: 'payments', secrets: ['payments/stripe'], tables: [{ id: 'messaging', access: 'read' }] },
  },
  {
    // Fetches external calendars (ICS) into busy blocks; a bad feed is recorded on the feed, never fails
    // the run. Locally every 15 minutes and on /dev/jobs/booking-calendar-refresh[?now=ISO].
    name: 'booking-calendar-refresh',
    entry: 'lambdas/booking/calendar-refresh.handler.ts',
    schedule: 'rate(15 minutes)',
    uses: { database: 'booking' },
  },
  {
    // Webhook retries whose backoff elapsed. Locally: /dev/jobs/partner-webhooks (?now= runs it as if later).
    name: 'partner-webhooks-retry',
    entry: 'lambdas/partner/webhook-worker.handler.ts',
    schedule: 'rate(1 minute)',
    uses: { database: 'partner', tables: ['control'], secrets: ['auth/keys'] },
  },
  {
    // Reviews left single by a closed 14-day window become public and are announced (review.published).
    // Locally: /dev/jobs/reviews-publish (?now= runs it as if later).
    name: 'reviews-publish',
    entry: 'lambdas/reviews/reviews-publish.handler.ts',
    schedule: 'rate(1 hour)',
    uses: { database: 'reviews' },
  },
  {
    // New-message digest: hourly, so one deferred by quiet hours goes out when they end (once a local day).
    // Locally: /dev/jobs/notification-digest.
    name: 'notification-digest',
    entry: 'lambdas/notifications/digest.handler.ts',
    schedule: 'rate(1 hour)',
    uses: { database: 'notifications', tables: ['messaging'], notifications: true },
  },
  {
    // Retention per data class (lambdas/privacy/retention-policy.ts): daily, in batches; safe to overlap.
    // Locally: /dev/jobs/data-retention (?now= runs it as if later).
    name: 'data-retention',
    entry: 'lambdas/privacy/retention.handler.ts',
    schedule: 'rate(1 day)',
    // Its own role (3055): the DELETEs it needs stay out of the internet-facing export Lambda's reach.
    uses: { database: 'retention' },
  },
  {
    // DMCA restores whose counter-notice window opened (business day 10 to 14); counts late and failed
    // ones for their alarms. Hourly, so a restore lands within an hour of the window opening.
    // Locally: /dev/jobs/dmca-restore (?now= runs it as if later).
    name: 'dmca-restore',
    entry: 'lambdas/dmca/dmca-restore.handler.ts',
    schedule: 'rate(1 hour)',
    uses: { database: 'dmca' },
  },
  {
    // WORM anchor of the audit chain's head (S3 Object Lock, COMPLIANCE); `npm run audit:verify` checks
    // the chain against every anchor. Locally: /dev/jobs/audit-anchor.
    name: 'audit-anchor',
    entry: 'lambdas/platform/audit-anchor.handler.ts',
    schedule: 'rate(1 hour)',
    uses: { database: 'platform', buckets: [{ id: 'audit-anchors', access: 'writeOnce' }] },
  },
];
