/**
 * Public listing pages are cached by AppSync (per-resolver caching of Query.publicProfile and
 * Query.publicStudio, keyed by slug: infra/definitions/domains.ts `cachedReads`). Eviction can only
 * run in AppSync resolver code on a mutation, so this calls the AWS_IAM mutation `evictPublicListing`.
 * Two callers: the owner's write path right after commit (best effort: the next read sees the change
 * at once), and the `profiles-public-cache` consumer of every listing event (reliable: a failure is
 * retried by the queue), which also covers changes made elsewhere (media, account erasure).
 */
import type { DomainEvent } from '../core/events/catalog.ts';
import type { Logger } from '../core/log.ts';
import type { ListingTermsEviction } from '../core/ports.ts';

export type PublicListingKind = 'PROFILE' | 'STUDIO';

/** The port: evicts one listing's cached page; throws when the API did not accept the eviction. */
export interface PublicPageEviction {
  evict(kind: PublicListingKind, slug: string): Promise<void>;
}

export const EVICT_PUBLIC_LISTING = `mutation Evict($kind: PublicListingKind!, $slug: String!) {
  evictPublicListing(kind: $kind, slug: $slug) { kind slug }
}`;

/** Through an AppSync client that signs as the Lambda's role (lambdas/adapters/appsync-iam-client.ts). */
export class AppSyncPublicPageEviction implements PublicPageEviction {
  constructor(
    private readonly client: { execute(query: string, variables: Record<string, unknown>): Promise<unknown> },
  ) {}

  async evict(kind: PublicListingKind, slug: string): Promise<void> {
    await this.client.execute(EVICT_PUBLIC_LISTING, { kind, slug });
  }
}

/**
 * After the owner's write committed: a failed eviction must not turn a saved change into an error
 * (the listing event's consumer evicts again), so it is logged, not thrown.
 */
export async function evictAfterWrite(
  eviction: PublicPageEviction,
  logger: Logger,
  kind: PublicListingKind,
  slug: string,
): Promise<void> {
  try {
    await eviction.evict(kind, slug);
  } catch (error) {
    logger.warn('public page eviction failed; the listing event will evict it', {
      kind,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

type ListingEvent = DomainEvent<
  | 'profile.published'
  | 'profile.updated'
  | 'profile.unpublished'
  | 'studio.published'
  | 'studio.updated'
  | 'studio.unpublished'
>;

/**
 * The `profiles-public-cache` consumer: idempotent by nature (evicting twice changes nothing). The page
 * and the listing's booking terms (Instant Book, publishing decide them too) are evicted.
 */
export async function evictOnListingEvent(
  eviction: PublicPageEviction,
  terms: ListingTermsEviction,
  event: ListingEvent,
): Promise<void> {
  const { payload } = event;
  await eviction.evict('studioId' in payload ? 'STUDIO' : 'PROFILE', payload.slug);
  await terms.evictTerms('studioId' in payload ? payload.studioId : payload.profileId);
}
