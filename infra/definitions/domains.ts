/**
 * The one map from API surface to domain Lambda. The CDK api stack generates AppSync resolvers
 * and API Gateway routes from it; the local gateway dispatches with it. Adding a field or a route
 * means adding a line here and a case in the domain's router; nothing else has to be kept in step.
 */
import type { EventType } from '../../lambdas/core/events/catalog.ts';
import type { DatabaseRole } from '../../lambdas/core/db/database-roles.ts';

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
    readonly tables?: readonly string[];
    readonly buckets?: readonly string[];
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
    uses: { database: 'profiles', notifications: true },
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
  messaging: {
    // Threads, messages and inbox in DynamoDB (seed 004); PostgreSQL only for who may be contacted.
    entry: 'lambdas/messaging/messaging.handler.ts',
    uses: { database: 'messaging', tables: ['messaging', 'presence', 'control'] },
    latencyCritical: true,
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
  'Query.myDataExport': 'auth',
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
};

/** REST path prefixes (API Gateway proxy resources) -> domain. */
export const restRoutes: readonly { readonly prefix: string; readonly domain: DomainName }[] = [
  { prefix: '/.well-known', domain: 'authDiscovery' },
  { prefix: '/auth', domain: 'auth' },
  { prefix: '/profiles', domain: 'profiles' },
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
  // Account deletion (auth's user.deleted): each domain erases or pseudonymises its part.
  { name: 'profiles-user-deleted', domain: 'profiles', eventTypes: ['user.deleted'] },
  { name: 'media-user-deleted', domain: 'media', eventTypes: ['user.deleted'] },
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
];
