import { describe, expect, it } from 'vitest';
import type { Database } from '../core/db/database.ts';
import { newDomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import { fake, FakeKernel } from '../core/testing/fakes.ts';
import type { SearchSourceKind, SearchSourceListing } from '../profiles/index.ts';
import { IndexerService, type ListingSource } from './indexer.service.ts';
import type { ReindexRun, SearchDocumentStore } from './search-document.repository.ts';
import type { SearchDocument } from './search.port.ts';

const MEDIA = 'https://cdn.example.test';

function listing(id: string, ownerUserId: string, overrides: Partial<SearchSourceListing> = {}): SearchSourceListing {
  return {
    id,
    kind: id.startsWith('std_') ? 'STUDIO' : 'PROFILE',
    owner_user_id: ownerUserId,
    slug: `slug-${id.slice(-6).toLowerCase()}`,
    role: 'PHOTOGRAPHER',
    title: 'Pat Shutter',
    headline: null,
    tags: ['portrait'],
    city_code: 'us-lax',
    city_name: 'Los Angeles',
    latitude: 34.05,
    longitude: -118.24,
    price_min_cents: 20_000,
    price_max_cents: 90_000,
    currency: 'USD',
    instant_book: false,
    completed_steps: 4,
    version: 3,
    published_at: new Date('2026-01-01T00:00:00Z'),
    verified: true,
    cover_key: 'media/med_x/medium.webp',
    ...overrides,
  };
}

/** Profiles' door in memory: what is in `public` is published. */
class MemorySource implements ListingSource {
  readonly public = new Map<string, SearchSourceListing>();
  failPageAfter: string | null = null;
  async publishedListings(_db: unknown, ids: readonly string[]) {
    return ids.flatMap((id) => (this.public.has(id) ? [this.public.get(id)!] : []));
  }
  async publishedListingsPage(_db: unknown, kind: SearchSourceKind, afterId: string | null, limit: number) {
    if (this.failPageAfter !== null && afterId === this.failPageAfter) throw new Error('connection lost');
    return [...this.public.values()]
      .filter((l) => l.kind === kind && (afterId === null || l.id > afterId))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }
  async countPublishedListings(_db: unknown, kind: SearchSourceKind) {
    return [...this.public.values()].filter((l) => l.kind === kind).length;
  }
}

/** The index in memory, with the reindex run table. */
function memoryIndex() {
  const documents = new Map<string, SearchDocument & { indexedAt: number }>();
  const runs = new Map<string, ReindexRun>();
  let tick = 0;
  const store = fake<SearchDocumentStore>('SearchDocumentStore', {
    upsert: async (docs) => {
      for (const doc of docs) documents.set(doc.id, { ...doc, indexedAt: ++tick });
    },
    remove: async (ids) => ids.forEach((id) => documents.delete(id)),
    removeOwner: async (owner) => {
      for (const [id, doc] of documents) if (doc.ownerUserId === owner) documents.delete(id);
    },
    removeStale: async (kind, before) => {
      let n = 0;
      for (const [id, doc] of documents)
        if (doc.kind === kind && doc.indexedAt < before.getTime()) {
          documents.delete(id);
          n++;
        }
      return n;
    },
    startOrResumeRun: async (id, kind, total) => {
      const run = runs.get(id) ?? {
        id,
        kind,
        cursor_id: null,
        processed: 0,
        total,
        status: 'RUNNING' as const,
        started_at: new Date(++tick),
      };
      runs.set(id, { ...run, total });
      return runs.get(id)!;
    },
    advanceRun: async (id, cursor, processed) => {
      const run = runs.get(id)!;
      runs.set(id, { ...run, cursor_id: cursor, processed: run.processed + processed });
    },
    finishRun: async (id) => {
      runs.set(id, { ...runs.get(id)!, status: 'DONE' });
    },
  });
  return { store, documents, runs };
}

function setup() {
  const kernel = new FakeKernel();
  const db = fake<Database>('Database', {
    query: (text, values) => kernel.query(text, values),
    transaction: (fn) => fn({ inTransaction: true, query: (text, values) => kernel.query(text, values) }),
  });
  const source = new MemorySource();
  const index = memoryIndex();
  const indexer = new IndexerService(
    db,
    source,
    () => index.store,
    [],
    { mediaPublicBaseUrl: MEDIA },
    createLogger({ service: 'test', level: 'error' }),
  );
  return { kernel, source, index, indexer };
}

describe('IndexerService', () => {
  it('indexes a published profile from its public facts, once per event', async () => {
    const { source, index, indexer } = setup();
    const owner = newId('user');
    const profileId = newId('profile');
    source.public.set(profileId, listing(profileId, owner));
    const event = newDomainEvent('profile.published', {
      profileId,
      ownerUserId: owner,
      role: 'PHOTOGRAPHER',
      slug: 'pat-shutter',
      city: 'us-lax',
      version: 3,
      score: 80,
    });
    await indexer.onListingChanged(event);
    const doc = index.documents.get(profileId)!;
    expect(doc).toMatchObject({
      kind: 'PROFILE',
      role: 'PHOTOGRAPHER',
      nsfwBand: 0,
      coverUrl: `${MEDIA}/media/med_x/medium.webp`,
      coverNsfwBand: 0,
      quality: 80,
      sourceVersion: 3,
    });
    // Redelivered: no second effect.
    index.documents.delete(profileId);
    await indexer.onListingChanged(event);
    expect(index.documents.has(profileId)).toBe(false);
  });

  it('drops the document when the listing is no longer public, and everything of an erased account', async () => {
    const { source, index, indexer } = setup();
    const owner = newId('user');
    const [a, b] = [newId('profile'), newId('studio')];
    source.public.set(a, listing(a, owner));
    source.public.set(b, listing(b, owner, { role: 'STUDIO' }));
    const fields = { ownerUserId: owner, role: 'PHOTOGRAPHER' as const, slug: 'pat-x', city: 'us-lax', version: 1 };
    await indexer.onListingChanged(newDomainEvent('profile.published', { ...fields, profileId: a, score: 70 }));
    await indexer.onListingChanged(
      newDomainEvent('studio.published', { studioId: b, slug: 'loft-x', city: null, version: 1 }),
    );
    expect([...index.documents.keys()].sort()).toEqual([a, b].sort());

    source.public.delete(a);
    await indexer.onListingChanged(newDomainEvent('profile.unpublished', { ...fields, profileId: a }));
    expect(index.documents.has(a)).toBe(false);

    await indexer.onUserDeleted(newDomainEvent('user.deleted', { userId: owner, deletedAt: new Date().toISOString() }));
    expect(index.documents.size).toBe(0);
  });

  it('reindexes in batches, resumes the same run after a failure, and sweeps what is no longer public', async () => {
    const { source, index, indexer } = setup();
    const owner = newId('user');
    const ids = Array.from({ length: 5 }, () => newId('profile')).sort();
    for (const id of ids) source.public.set(id, listing(id, owner));
    const gone = newId('profile');
    await index.store.upsert([{ ...(await indexerDoc(gone, owner)) }]);

    source.failPageAfter = ids[1]!;
    await expect(indexer.reindex('run-1', 'PROFILE', { batchSize: 2 })).rejects.toThrow('connection lost');
    expect(index.runs.get('run-1')).toMatchObject({ cursor_id: ids[1], processed: 2, status: 'RUNNING' });

    source.failPageAfter = null;
    const progress: number[] = [];
    const result = await indexer.reindex('run-1', 'PROFILE', {
      batchSize: 2,
      onProgress: (p) => progress.push(p.processed),
    });
    expect(progress).toEqual([4, 5]);
    expect(result).toMatchObject({ processed: 5, total: 5, cursor: ids[4] });
    expect([...index.documents.keys()].sort()).toEqual(ids);
    expect(index.runs.get('run-1')?.status).toBe('DONE');
  });
});

async function indexerDoc(id: string, owner: string): Promise<SearchDocument> {
  const { toSearchDocument } = await import('./indexer.service.ts');
  return toSearchDocument(listing(id, owner), MEDIA);
}
