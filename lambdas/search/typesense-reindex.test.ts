/**
 * The alias-swap reindex of Typesense against the loopback server speaking Typesense's HTTP API,
 * through the official client: a new collection is built and swapped in while searches keep
 * answering (zero downtime), writes made during the backfill survive the swap, and the old
 * collection is dropped.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchDocument, SearchQuery } from './search.port.ts';
import { documentArbitrary } from './testing/search-arbitraries.ts';
import { startTypesenseTestbed, type TypesenseTestbed } from '../../tests/support/typesense-testbed.ts';
import { reindexTypesense, type ReindexSource } from './typesense-reindex.ts';
import { TYPESENSE_ALIAS, TYPESENSE_COLLECTION } from './typesense-search.adapter.ts';

/** The PostgreSQL index's part in the reindex, in memory (indexed_at from a clock that only moves on). */
class MemorySource implements ReindexSource {
  private readonly rows = new Map<string, { document: SearchDocument; indexedAt: number }>();
  private tick = Date.UTC(2027, 0, 1);
  put(document: SearchDocument) {
    this.rows.set(document.id, { document, indexedAt: (this.tick += 1000) });
  }
  delete(id: string) {
    this.rows.delete(id);
  }
  ids() {
    return [...this.rows.keys()].sort();
  }
  now() {
    return Promise.resolve(new Date(this.tick));
  }
  private sorted() {
    return [...this.rows.values()].sort((a, b) => (a.document.id < b.document.id ? -1 : 1));
  }
  documentsAfter(afterId: string | null, limit: number) {
    return Promise.resolve(
      this.sorted()
        .filter((row) => afterId === null || row.document.id > afterId)
        .slice(0, limit)
        .map((row) => row.document),
    );
  }
  documentsChangedSince(since: Date, afterId: string | null, limit: number) {
    return Promise.resolve(
      this.sorted()
        .filter((row) => row.indexedAt >= since.getTime() && (afterId === null || row.document.id > afterId))
        .slice(0, limit)
        .map((row) => row.document),
    );
  }
  existingIds(ids: readonly string[]) {
    return Promise.resolve(new Set(ids.filter((id) => this.rows.has(id))));
  }
}

const ALL: SearchQuery = {
  words: [],
  text: null,
  city: null,
  role: null,
  priceMinCents: null,
  priceMaxCents: null,
  currency: null,
  near: null,
  verifiedOnly: false,
  instantBookOnly: false,
  sort: 'NEWEST',
  offset: 0,
  limit: 10,
};

let testbed: TypesenseTestbed;
let fake: TypesenseTestbed['fake'];
let adapter: TypesenseTestbed['adapter'];

beforeAll(async () => {
  testbed = await startTypesenseTestbed({ timeoutMs: 2_000 });
  ({ fake, adapter } = testbed);
});
afterAll(() => testbed.close());

function documents(count: number, prefix: string): SearchDocument[] {
  return Array.from({ length: count }, (_, i) => ({
    ...fc.sample(documentArbitrary(prefix), { numRuns: 1, seed: i })[0]!,
    id: `prf_${prefix}${String(i).padStart(4, '0')}`,
    ownerUserId: `usr_${prefix}${i}`,
    title: i === 0 ? 'Zephyrine Anchor' : `Listing ${i}`,
    nsfwBand: 0 as const,
    currency: 'USD',
  }));
}

describe('reindexTypesense (alias swap)', () => {
  it('builds, swaps and drops with searches answering throughout, and keeps writes made meanwhile', async () => {
    const source = new MemorySource();
    const initial = documents(400, 'ri');
    for (const document of initial) source.put(document);
    await adapter.upsert(initial);
    const admin = testbed.client();
    const before = (await admin.aliases(TYPESENSE_ALIAS).retrieve()).collection_name;
    expect(before).toBe(TYPESENSE_COLLECTION);
    fake.setLatency(2);

    // Searches through the alias the whole time: every one must answer and find the anchor listing.
    let running = true;
    let searches = 0;
    const failures: unknown[] = [];
    const searching = (async () => {
      while (running) {
        try {
          const page = await adapter.search({ ...ALL, text: 'zephyrine', words: [['zephyrine']] });
          if (!page.hits.some((hit) => hit.title === 'Zephyrine Anchor')) failures.push('anchor missing');
          searches += 1;
        } catch (error) {
          failures.push(error);
        }
      }
    })();

    // During the backfill, the indexer keeps writing through the alias (into the old collection).
    const edited = { ...initial[100]!, title: 'Edited During Reindex', sourceVersion: 2 };
    const added = { ...documents(1, 'late')[0]!, title: 'Added During Reindex' };
    const removed = initial[5]!;
    let changed = false;
    const phases: string[] = [];
    const result = await reindexTypesense(adapter, source, {
      stamp: '20270101_1200',
      batchSize: 50,
      onProgress: async (progress) => {
        phases.push(progress.phase);
        if (progress.phase === 'backfill' && progress.written === 200 && !changed) {
          changed = true;
          source.put(edited);
          source.put(added);
          source.delete(removed.id);
          await adapter.upsert([edited, added]);
          await adapter.remove([removed.id]);
        }
      },
    });
    running = false;
    await searching;
    fake.setLatency(0);

    expect(failures).toEqual([]);
    expect(searches).toBeGreaterThan(5);
    expect(result).toMatchObject({ collection: `${TYPESENSE_COLLECTION}_20270101_1200`, previous: before, removed: 1 });
    expect(phases).toEqual(expect.arrayContaining(['backfill', 'swap', 'catch-up', 'drop']));
    expect((await admin.aliases(TYPESENSE_ALIAS).retrieve()).collection_name).toBe(result.collection);
    // The old collection is gone; the new one holds exactly what the source holds, edits included.
    expect(() => fake.documents(before)).toThrow();
    const live = fake.documents(TYPESENSE_ALIAS);
    expect(live.map((d) => d.id).sort()).toEqual(source.ids());
    expect(live.find((d) => d.id === edited.id)?.title).toBe('Edited During Reindex');
    expect(live.some((d) => d.id === added.id)).toBe(true);
    expect(live.some((d) => d.id === removed.id)).toBe(false);
    // The new collection has the current schema: the currency filter works through the alias.
    const usd = await adapter.search({ ...ALL, currency: 'USD', limit: 5 });
    expect(usd.hits).toHaveLength(5);
    expect((await adapter.search({ ...ALL, currency: 'EUR' })).hits).toEqual([]);
  }, 60_000);

  it('leaves the live collection untouched when the backfill fails, and drops the half-built one', async () => {
    const admin = testbed.client();
    const live = (await admin.aliases(TYPESENSE_ALIAS).retrieve()).collection_name;
    const failing: ReindexSource = {
      now: () => Promise.resolve(new Date()),
      documentsAfter: (afterId) =>
        afterId === null ? Promise.resolve(documents(3, 'fail')) : Promise.reject(new Error('database went away')),
      documentsChangedSince: () => Promise.resolve([]),
      existingIds: () => Promise.resolve(new Set()),
    };
    await expect(reindexTypesense(adapter, failing, { stamp: 'broken', batchSize: 3 })).rejects.toThrow(
      'database went away',
    );
    expect((await admin.aliases(TYPESENSE_ALIAS).retrieve()).collection_name).toBe(live);
    expect(() => fake.documents(`${TYPESENSE_COLLECTION}_broken`)).toThrow();
    expect(fake.documents(live).length).toBeGreaterThan(0);
  });
});
