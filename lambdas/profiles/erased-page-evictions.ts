/**
 * An erased listing's public page was cached under the slug the erasure replaced, which its
 * (scrubbed) events no longer carry. The erasure records that slug in its transaction
 * (public_page_evictions); the profiles-public-cache consumer of the listing's
 * `*.unpublished` (reason account_deleted) event evicts it here and deletes the row only then. An
 * eviction that fails throws, so the queue redelivers the event and the row is still there.
 *
 * A public read that loaded the row before the erasure committed can still store the old page after
 * the first eviction. Such a read ends within the resolver Lambda's timeout (15 s, the shared function
 * construct's default) of the commit, so the page is evicted again once FILL_SETTLE_MS have passed
 * since the row was recorded: nothing stale can be stored after that.
 */
import type { Clock } from '../core/clock.ts';
import type { PageEvictionStore } from './page-eviction.repository.ts';
import type { PublicListingKind, PublicPageEviction } from './public-page-eviction.ts';

/** The resolver Lambda's 15 s timeout plus a margin; below the consumer's own 30 s timeout. */
export const FILL_SETTLE_MS = 20_000;

export class ErasedPageEvictions {
  constructor(
    private readonly db: { readonly pageEvictions: PageEvictionStore },
    private readonly eviction: PublicPageEviction,
    private readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly settleMs = FILL_SETTLE_MS,
  ) {}

  async onListingErased(kind: PublicListingKind, listingId: string): Promise<void> {
    const pending = await this.db.pageEvictions.pendingFor(kind, listingId);
    if (!pending.length) return;
    for (const row of pending) await this.eviction.evict(kind, row.slug);
    const settled = Math.max(...pending.map((row) => row.recorded_at.getTime())) + this.settleMs;
    const wait = settled - this.clock.nowMs();
    if (wait > 0) {
      await this.sleep(wait);
      for (const row of pending) await this.eviction.evict(kind, row.slug);
    }
    for (const row of pending) await this.db.pageEvictions.remove(kind, row.slug);
  }
}
