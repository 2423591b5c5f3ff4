/**
 * The search indexer (NTB-SEARCH-001/002, NTB-SEC-003): keeps search documents in step with the
 * typed outbox events. Events carry ids, not content, so each event makes the indexer re-read the
 * listing's public facts through profiles' door (lambdas/profiles/index.ts) and upsert the
 * document, or delete it when the listing is no longer public (unpublished, owner erased): a
 * late or redelivered event converges on the current state instead of replaying an old one.
 * user.deleted removes every document of the account. Each event applies once (consumeOnce); the
 * PostgreSQL index is written in that transaction, mirrors (Typesense) inside it, so a mirror
 * failure rolls the event back and the queue retries it.
 */
import { consumeOnce } from '../core/db/outbox-relay.ts';
import type { Database, Queryable } from '../core/db/database.ts';
import type { DomainEvent } from '../core/events/catalog.ts';
import type { Logger } from '../core/log.ts';
import type { SearchSourceKind, SearchSourceListing } from '../profiles/index.ts';
import type { SearchDocumentStore } from './search-document.repository.ts';
import type { ListingRole, SearchDocument, SearchIndexWriter } from './search.port.ts';

export const INDEXER_CONSUMER = 'search-indexer';

/** Profiles' search door, injected (tests give an in-memory one). */
export interface ListingSource {
  publishedListings(db: Queryable, ids: readonly string[]): Promise<SearchSourceListing[]>;
  publishedListingsPage(
    db: Queryable,
    kind: SearchSourceKind,
    afterId: string | null,
    limit: number,
  ): Promise<SearchSourceListing[]>;
  countPublishedListings(db: Queryable, kind: SearchSourceKind): Promise<number>;
}

type ListingEvent = DomainEvent<
  | 'profile.published'
  | 'profile.updated'
  | 'profile.unpublished'
  | 'studio.published'
  | 'studio.updated'
  | 'studio.unpublished'
>;

/** Onboarding has five steps per listing kind (lambdas/profiles/onboarding.ts). */
const STEPS = 5;

export function toSearchDocument(listing: SearchSourceListing, mediaPublicBaseUrl: string): SearchDocument {
  return {
    id: listing.id,
    kind: listing.kind,
    ownerUserId: listing.owner_user_id,
    slug: listing.slug,
    role: listing.role as ListingRole,
    title: listing.title,
    headline: listing.headline,
    tags: listing.tags,
    cityCode: listing.city_code,
    cityName: listing.city_name,
    latitude: listing.latitude,
    longitude: listing.longitude,
    priceMinCents: listing.price_min_cents,
    priceMaxCents: listing.price_max_cents,
    currency: listing.currency,
    verified: listing.verified,
    instantBook: listing.instant_book,
    quality: Math.min(100, Math.round((listing.completed_steps / STEPS) * 100)),
    // The source only offers public media (READY, band 0, published variants).
    nsfwBand: 0,
    coverUrl: listing.cover_key ? `${mediaPublicBaseUrl}/${listing.cover_key}` : null,
    coverNsfwBand: listing.cover_key ? 0 : null,
    sourceVersion: listing.version,
    publishedAt: listing.published_at,
  };
}

export interface ReindexProgress {
  readonly kind: SearchSourceKind;
  readonly processed: number;
  readonly total: number;
  readonly cursor: string | null;
}

export class IndexerService {
  constructor(
    private readonly db: Database,
    private readonly source: ListingSource,
    private readonly index: (db: Queryable) => SearchDocumentStore,
    private readonly mirrors: readonly SearchIndexWriter[],
    private readonly settings: { readonly mediaPublicBaseUrl: string },
    private readonly logger: Logger,
  ) {}

  async onListingChanged(event: ListingEvent): Promise<void> {
    const id = 'profileId' in event.payload ? event.payload.profileId : event.payload.studioId;
    await consumeOnce(this.db, INDEXER_CONSUMER, event, (tx) => this.refresh(tx, [id]));
  }

  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    await consumeOnce(this.db, INDEXER_CONSUMER, event, async (tx) => {
      await this.index(tx).removeOwner(event.payload.userId);
      for (const mirror of this.mirrors) await mirror.removeOwner(event.payload.userId);
    });
  }

  /** Re-reads the listings and writes what is public, deletes what is not. */
  async refresh(tx: Queryable, ids: readonly string[]): Promise<void> {
    const listings = await this.source.publishedListings(tx, ids);
    const documents = listings.map((listing) => toSearchDocument(listing, this.settings.mediaPublicBaseUrl));
    const gone = ids.filter((id) => !listings.some((listing) => listing.id === id));
    const index = this.index(tx);
    await index.upsert(documents);
    await index.remove(gone);
    for (const mirror of this.mirrors) {
      await mirror.upsert(documents);
      await mirror.remove(gone);
    }
  }

  /**
   * Full reindex of one kind, in id order, resumable: run `runId` again after a crash and it goes
   * on after the last committed batch. When the pass completes, documents it did not write (the
   * listing is no longer public) are swept.
   */
  async reindex(
    runId: string,
    kind: SearchSourceKind,
    options: { readonly batchSize?: number; readonly onProgress?: (progress: ReindexProgress) => void } = {},
  ): Promise<ReindexProgress> {
    const batchSize = options.batchSize ?? 1_000;
    const total = await this.source.countPublishedListings(this.db, kind);
    const run = await this.index(this.db).startOrResumeRun(runId, kind, total);
    let cursor = run.cursor_id;
    let processed = run.processed;
    if (run.status === 'DONE') return { kind, processed, total, cursor };
    for (;;) {
      const page = await this.source.publishedListingsPage(this.db, kind, cursor, batchSize);
      if (page.length === 0) break;
      const documents = page.map((listing) => toSearchDocument(listing, this.settings.mediaPublicBaseUrl));
      const last = page[page.length - 1]!.id;
      await this.db.transaction(async (tx) => {
        const index = this.index(tx);
        await index.upsert(documents);
        await index.advanceRun(runId, last, page.length);
      });
      for (const mirror of this.mirrors) await mirror.upsert(documents);
      cursor = last;
      processed += page.length;
      options.onProgress?.({ kind, processed, total, cursor });
    }
    const swept = await this.index(this.db).removeStale(kind, run.started_at);
    await this.index(this.db).finishRun(runId);
    this.logger.info('search reindex done', { kind, processed, swept });
    return { kind, processed, total, cursor };
  }
}
