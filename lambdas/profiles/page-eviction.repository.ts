/** Pending evictions of cached public pages under slugs an account erasure replaced (migration 3158). */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import type { PublicListingKind } from './public-page-eviction.ts';

const pendingRow = z.object({ slug: z.string(), recorded_at: z.date() });
export type PendingPageEviction = z.infer<typeof pendingRow>;

export class PageEvictionRepository {
  constructor(private readonly db: Queryable) {}

  /** In the erasure's transaction; the time is the statement's, close to the commit the wait counts from. */
  async record(kind: PublicListingKind, listingId: string, slug: string): Promise<void> {
    await this.db.query(
      `INSERT INTO public_page_evictions (kind, slug, listing_id) VALUES ($1, $2, $3)
       ON CONFLICT (kind, slug) DO UPDATE SET listing_id = EXCLUDED.listing_id, recorded_at = clock_timestamp()`,
      [kind, slug, listingId],
    );
  }

  async pendingFor(kind: PublicListingKind, listingId: string): Promise<PendingPageEviction[]> {
    const result = await this.db.query(
      'SELECT slug, recorded_at FROM public_page_evictions WHERE kind = $1 AND listing_id = $2 ORDER BY slug',
      [kind, listingId],
    );
    return parseRows(pendingRow, result.rows);
  }

  async remove(kind: PublicListingKind, slug: string): Promise<void> {
    await this.db.query('DELETE FROM public_page_evictions WHERE kind = $1 AND slug = $2', [kind, slug]);
  }
}

export type PageEvictionStore = PortOf<PageEvictionRepository>;
