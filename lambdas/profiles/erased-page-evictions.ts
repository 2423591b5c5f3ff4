/**
 * An erased listing's public page was cached under the slug the erasure replaced, which its
 * (scrubbed) events no longer carry. The erasure records that slug in its transaction
 * (public_page_evictions); the profiles-public-cache consumer of the listing's
 * `*.unpublished` (reason account_deleted) event evicts it here and deletes the row only then. An
 * eviction that fails throws, so the queue redelivers the event and the row is still there.
 *
 * Not closed here: a public read that loaded the row before the erasure committed can still store
 * the old page after this eviction; the cache's TTL bounds it. (A second eviction after the resolver
 * timeout was tried as a 20 s wait inside this consumer: it held the consumer and delayed every other
 * listing event behind it, so it needs a scheduled sweep of the rows instead.)
 */
import type { PageEvictionStore } from './page-eviction.repository.ts';
import type { PublicListingKind, PublicPageEviction } from './public-page-eviction.ts';

export class ErasedPageEvictions {
  constructor(
    private readonly db: { readonly pageEvictions: PageEvictionStore },
    private readonly eviction: PublicPageEviction,
  ) {}

  async onListingErased(kind: PublicListingKind, listingId: string): Promise<void> {
    const pending = await this.db.pageEvictions.pendingFor(kind, listingId);
    for (const row of pending) await this.eviction.evict(kind, row.slug);
    for (const row of pending) await this.db.pageEvictions.remove(kind, row.slug);
  }
}
