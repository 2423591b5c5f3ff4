/**
 * Zero-downtime reindex of Typesense (NTB-SEARCH-001): build a new collection of the current schema
 * beside the live one, backfill it from the PostgreSQL index (search_documents: every published
 * listing, kept by the indexer in the same step as Typesense), point the alias at it in one request,
 * catch up what changed meanwhile, and drop the old collection. Searches go through the alias the
 * whole time, so they keep answering from the old collection until the swap and from the new one
 * after it; there is no moment without a full collection behind the alias.
 *
 * Writes during the backfill: the indexer keeps writing through the alias, i.e. into the old
 * collection. The catch-up after the swap re-sends every document PostgreSQL (re)wrote since the
 * start (less a margin for transactions that began before it and committed after), and deletes from
 * the new collection each backfilled id PostgreSQL no longer has. Writes after the swap reach the new
 * collection directly.
 */
import type { SearchDocument } from './search.port.ts';
import { TYPESENSE_COLLECTION, type TypesenseSearchAdapter } from './typesense-search.adapter.ts';

/** Where the backfill reads (SearchDocumentRepository in production). */
export interface ReindexSource {
  /** The database's clock: `since` is compared with the rows' indexed_at. */
  now(): Promise<Date>;
  /** Indexed documents with id > afterId, in id order. */
  documentsAfter(afterId: string | null, limit: number): Promise<SearchDocument[]>;
  /** Documents (re)written at or after `since`, with id > afterId, in id order. */
  documentsChangedSince(since: Date, afterId: string | null, limit: number): Promise<SearchDocument[]>;
  /** Of `ids`, those still indexed. */
  existingIds(ids: readonly string[]): Promise<ReadonlySet<string>>;
}

export interface TypesenseReindexProgress {
  readonly phase: 'backfill' | 'swap' | 'catch-up' | 'drop';
  readonly collection: string;
  readonly written: number;
}

/** A transaction that began before the reindex may commit after its start: re-send those too. */
export const CATCH_UP_MARGIN_MS = 5 * 60_000;

export async function reindexTypesense(
  typesense: Pick<
    TypesenseSearchAdapter,
    'aliasTarget' | 'createCollection' | 'importInto' | 'swapAlias' | 'dropCollection' | 'remove'
  >,
  source: ReindexSource,
  options: {
    /** Unique per run (e.g. a UTC timestamp): the new collection is `listings_vN_<stamp>`. */
    readonly stamp: string;
    readonly batchSize?: number;
    readonly onProgress?: (progress: TypesenseReindexProgress) => void | Promise<void>;
  },
): Promise<{ collection: string; previous: string | null; written: number; caughtUp: number; removed: number }> {
  if (!/^[a-z0-9_]{1,40}$/.test(options.stamp)) throw new Error('stamp: lower-case letters, digits and _ only');
  const batchSize = options.batchSize ?? 1_000;
  const collection = `${TYPESENSE_COLLECTION}_${options.stamp}`;
  const previous = await typesense.aliasTarget();
  if (previous === collection) throw new Error(`${collection} is already live; use a new stamp`);
  const since = new Date((await source.now()).getTime() - CATCH_UP_MARGIN_MS);
  await typesense.createCollection(collection);
  const backfilled = new Set<string>();
  let written = 0;
  try {
    for (let after: string | null = null; ;) {
      const page = await source.documentsAfter(after, batchSize);
      if (page.length === 0) break;
      await typesense.importInto(collection, page);
      for (const document of page) backfilled.add(document.id);
      written += page.length;
      after = page.at(-1)!.id;
      await options.onProgress?.({ phase: 'backfill', collection, written });
    }
  } catch (error) {
    // The live collection was never touched: drop the half-built one and report.
    await typesense.dropCollection(collection);
    throw error;
  }
  await typesense.swapAlias(collection);
  await options.onProgress?.({ phase: 'swap', collection, written });

  let caughtUp = 0;
  for (let after: string | null = null; ;) {
    const page = await source.documentsChangedSince(since, after, batchSize);
    if (page.length === 0) break;
    await typesense.importInto(collection, page);
    caughtUp += page.length;
    after = page.at(-1)!.id;
    await options.onProgress?.({ phase: 'catch-up', collection, written: written + caughtUp });
  }
  let removed = 0;
  const ids = [...backfilled];
  for (let i = 0; i < ids.length; i += batchSize) {
    const batch = ids.slice(i, i + batchSize);
    const still = await source.existingIds(batch);
    const gone = batch.filter((id) => !still.has(id));
    // Through the alias, which now names the new collection.
    await typesense.remove(gone);
    removed += gone.length;
  }
  if (previous) {
    await typesense.dropCollection(previous);
    await options.onProgress?.({ phase: 'drop', collection: previous, written: written + caughtUp });
  }
  return { collection, previous, written, caughtUp, removed };
}
