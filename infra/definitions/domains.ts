/**
 * The one map from API surface to domain Lambda. The CDK api stack generates AppSync resolvers
 * and API Gateway routes from it; the local gateway dispatches with it. Adding a field or a route
 * means adding a line here and a case in the domain's router; nothing else has to be kept in step.
 */
export interface DomainSpec {
  /** Lambda entry file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** Which shared resources the Lambda reaches (the CDK binds env var + grant in one call). */
  readonly uses: {
    readonly database?: boolean;
    readonly tables?: readonly string[];
    readonly buckets?: readonly string[];
    readonly eventBus?: boolean;
    readonly notifications?: boolean;
  };
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
}

export const domains = {
  platform: {
    entry: 'lambdas/platform/platform.handler.ts',
    uses: { database: true },
  },
  auth: {
    entry: 'lambdas/auth/auth.handler.ts',
    uses: { database: true, tables: ['control'], notifications: true, eventBus: true },
    memoryMb: 1024, // argon2id is memory-hard; more memory also buys CPU on Lambda
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
};

/** REST path prefixes (API Gateway proxy resources) -> domain. */
export const restRoutes: readonly { readonly prefix: string; readonly domain: DomainName }[] = [
  { prefix: '/.well-known', domain: 'auth' },
  { prefix: '/auth', domain: 'auth' },
];

/** Event consumers: outbox event type patterns -> domain (SQS queue + DLQ each in AWS). */
export const eventConsumers: readonly { readonly name: string; readonly domain: DomainName; readonly eventTypes: readonly string[] }[] = [];
