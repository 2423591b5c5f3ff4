/**
 * The ListingTermsEviction port through AppSync: evictFromApiCache runs only in resolver code on a
 * mutation, so this calls the AWS_IAM mutation `evictBookingTerms` (infra/definitions/
 * appsync-terms-eviction.js) signed as the Lambda's role.
 */
import * as z from 'zod';
import { parseConfig } from '../core/config.ts';
import type { ListingTermsEviction } from '../core/ports.ts';
import { AppSyncIamClient } from './appsync-iam-client.ts';

export const EVICT_BOOKING_TERMS = `mutation EvictTerms($resourceId: ID!) {
  evictBookingTerms(resourceId: $resourceId) { resourceId }
}`;

export class AppSyncTermsEviction implements ListingTermsEviction {
  constructor(
    private readonly client: { execute(query: string, variables: Record<string, unknown>): Promise<unknown> },
  ) {}

  async evictTerms(listingId: string): Promise<void> {
    await this.client.execute(EVICT_BOOKING_TERMS, { resourceId: listingId });
  }
}

/**
 * Set by the CDK on the functions whose domain `publishes` evictBookingTerms (API and consumers), not on
 * scheduled jobs, which never evict: read when the first eviction is made, not at cold start.
 */
const termsEvictionEnvSchema = z.object({ APPSYNC_GRAPHQL_URL: z.url(), AWS_REGION: z.string().min(1) });

/** The client is made on the first eviction. */
export function termsEvictionFromEnv(): ListingTermsEviction {
  let eviction: AppSyncTermsEviction | undefined;
  return {
    evictTerms: (listingId) => {
      if (!eviction) {
        const env = parseConfig(termsEvictionEnvSchema);
        eviction = new AppSyncTermsEviction(
          new AppSyncIamClient({ graphqlUrl: env.APPSYNC_GRAPHQL_URL, region: env.AWS_REGION }),
        );
      }
      return eviction.evictTerms(listingId);
    },
  };
}
