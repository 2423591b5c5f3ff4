/**
 * The Typesense adapter through the official `typesense` client against the loopback server that
 * speaks Typesense's HTTP API (tests/support/typesense-fake.ts): Safe-Mode by the scoped key's
 * embedded filter (property over random documents and filters), indexing and erasure, and the
 * circuit breaker falling back to another engine when Typesense is down or slow.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { MemoryRateLimiter } from '../core/testing/memory-rate-limiter.ts';
import { createLogger } from '../core/log.ts';
import { CircuitBreaker, FallbackSearchEngine } from './circuit-breaker.ts';
import type { SearchEngine, SearchQuery, SearchResult } from './search.port.ts';
import { SearchService } from './search.service.ts';
import {
  documentsArbitrary,
  isEvenId,
  ParityAvailability,
  PUBLIC_MEDIA,
  queryArbitrary,
} from './testing/search-arbitraries.ts';
import { startTypesenseTestbed, type TypesenseTestbed } from '../../tests/support/typesense-testbed.ts';
import { SAFE_MODE_FILTER, TYPESENSE_ALIAS, TYPESENSE_COLLECTION } from './typesense-search.adapter.ts';

let testbed: TypesenseTestbed;
let fake: TypesenseTestbed['fake'];
let adapter: TypesenseTestbed['adapter'];

beforeAll(async () => {
  testbed = await startTypesenseTestbed({ timeoutMs: 300 });
  ({ fake, adapter } = testbed);
  await adapter.ensureCollection();
});
afterAll(() => testbed.close());

const logger = createLogger({ service: 'search-test', level: 'error' });

describe('TypesenseSearchAdapter', () => {
  it('creates a versioned collection behind the alias, with the synonym sets', async () => {
    const admin = testbed.client();
    expect(await admin.aliases(TYPESENSE_ALIAS).retrieve()).toEqual({
      name: TYPESENSE_ALIAS,
      collection_name: TYPESENSE_COLLECTION,
    });
  });

  it('never returns an NSFW item or URL, whatever the filters (property, scoped key)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(documentsArbitrary('t'), queryArbitrary, async (documents, input) => {
        run += 1;
        const scoped = documents.map((d) => ({ ...d, id: `${d.id}r${run}`, ownerUserId: `usr_run${run}` }));
        await adapter.upsert(scoped);
        try {
          const availability = new ParityAvailability();
          const clock = new ManualClock();
          const service = new SearchService(
            adapter,
            { mediaPublicBaseUrl: PUBLIC_MEDIA, cacheMs: 0 },
            clock,
            availability,
            new MemoryRateLimiter(clock),
          );
          const page = await service.search(input, { kind: 'public', ip: '192.0.2.1' });
          // A profile and a studio may share a slug (different public paths): key by both.
          const bySlug = new Map(scoped.map((d) => [`${d.kind} ${d.slug}`, d]));
          for (const item of page.items) {
            const source = bySlug.get(`${item.kind} ${item.slug}`);
            if (!source) continue; // a document of an earlier run, deleted below; never NSFW either
            expect(source.nsfwBand).toBe(0);
            // The price band in the listing's currency, and the availability window, hold too.
            if (input.currency) expect(source.currency).toBe(input.currency.toUpperCase());
            if (input.available) expect(isEvenId(source.id)).toBe(true);
            if (item.coverUrl) expect(source.coverNsfwBand).toBe(0);
          }
          // Booking's port is only ever asked about Safe-Mode listings.
          const nsfwIds = new Set(scoped.filter((d) => d.nsfwBand > 0).map((d) => d.id));
          expect(availability.asked.filter((id) => nsfwIds.has(id))).toEqual([]);
          // The engine itself, before the service's own check: the scoped key filters NSFW out.
          const raw = await adapter.search({
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
            limit: 50,
          });
          expect(raw.hits.every((hit) => hit.nsfwBand === 0)).toBe(true);
        } finally {
          await adapter.removeOwner(`usr_run${run}`);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('cannot be widened by a caller filter: the scoped key ANDs nsfw_band:=0 into every search', async () => {
    const [doc] = fc.sample(documentsArbitrary('w', 1), { numRuns: 5, seed: 3 }).flat();
    await adapter.upsert([{ ...doc!, id: 'prf_wide1', nsfwBand: 2, ownerUserId: 'usr_wide' }]);
    const admin = testbed.client();
    const scopedKey = admin.keys().generateScopedSearchKey(fake.adminKey, { filter_by: SAFE_MODE_FILTER });
    const searcher = testbed.client(scopedKey);
    const widened = await searcher
      .collections(TYPESENSE_ALIAS)
      .documents()
      .search({ q: '*', filter_by: 'nsfw_band:=2' });
    expect(widened.found).toBe(0);
    const asAdmin = await admin.collections(TYPESENSE_ALIAS).documents().search({ q: '*', filter_by: 'nsfw_band:=2' });
    expect(asAdmin.found).toBeGreaterThan(0);
    // A scoped key is for searching only.
    await expect(
      searcher.collections(TYPESENSE_ALIAS).documents().delete({ filter_by: 'nsfw_band:=2' }),
    ).rejects.toThrow();
    await adapter.removeOwner('usr_wide');
    expect(fake.documents(TYPESENSE_ALIAS).some((d) => d.owner_user_id === 'usr_wide')).toBe(false);
  });

  it('finds by text with a typo and a synonym, filters by city, price and radius, sorts by distance', async () => {
    const [base] = fc.sample(documentsArbitrary('g', 1), { numRuns: 5, seed: 11 }).flat();
    const doc = {
      ...base!,
      id: 'prf_geo1',
      ownerUserId: 'usr_geo',
      kind: 'PROFILE' as const,
      role: 'PHOTOGRAPHER' as const,
      title: 'Marguerite Lumiere',
      tags: ['portrait'],
      cityCode: 'zz-geo',
      latitude: 40.75,
      longitude: -73.99,
      priceMinCents: 10_000,
      priceMaxCents: 20_000,
      nsfwBand: 0 as const,
    };
    await adapter.upsert([doc, { ...doc, id: 'prf_geo2', title: 'Far Away', latitude: 41.5, longitude: -73.99 }]);
    const query: SearchQuery = {
      words: [['lumeire'], ['photog', 'photographer']],
      text: 'lumeire photog',
      city: 'zz-geo',
      role: 'PHOTOGRAPHER',
      priceMinCents: 15_000,
      priceMaxCents: 50_000,
      currency: null,
      near: { latitude: 40.7128, longitude: -74.006, radiusKm: 10 },
      verifiedOnly: false,
      instantBookOnly: false,
      sort: 'RELEVANCE',
      offset: 0,
      limit: 10,
    };
    const result = await adapter.search(query);
    expect(result.hits.map((hit) => hit.id)).toEqual(['prf_geo1']);
    expect(result.hits[0]!.distanceKm).toBeGreaterThan(3);
    expect(result.hits[0]!.distanceKm).toBeLessThan(6);
    const both = await adapter.search({
      ...query,
      words: [],
      text: null,
      near: { ...query.near!, radiusKm: 200 },
      sort: 'DISTANCE',
    });
    expect(both.hits.map((hit) => hit.id)).toEqual(['prf_geo1', 'prf_geo2']);
    await adapter.remove(['prf_geo1', 'prf_geo2']);
    expect((await adapter.search({ ...query, words: [], text: null, near: null })).hits).toEqual([]);
  });
});

describe('FallbackSearchEngine (circuit breaker)', () => {
  class Postgres implements SearchEngine {
    readonly name = 'postgres' as const;
    calls = 0;
    async search(): Promise<SearchResult> {
      this.calls += 1;
      return { engine: 'postgres', hasMore: false, hits: [] };
    }
    async suggest() {
      return [];
    }
  }
  const query: SearchQuery = {
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
    limit: 5,
  };

  it('answers from PostgreSQL when Typesense is down or slow, opens, and closes again after a good trial', async () => {
    const clock = new ManualClock();
    const postgres = new Postgres();
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 30_000 }, clock);
    const engine = new FallbackSearchEngine(adapter, postgres, breaker, logger);
    expect((await engine.search(query)).engine).toBe('typesense');

    fake.setDown(true);
    expect((await engine.search(query)).engine).toBe('postgres');
    fake.setDown(false);
    fake.setLatency(1_000); // beyond the client's 300 ms timeout
    expect((await engine.search(query)).engine).toBe('postgres');
    expect(breaker.state).toBe('open');
    fake.setLatency(0);
    // Open: Typesense is not even tried.
    expect((await engine.search(query)).engine).toBe('postgres');
    expect(postgres.calls).toBe(3);

    clock.advance(30_000);
    expect(breaker.state).toBe('half-open');
    expect((await engine.search(query)).engine).toBe('typesense');
    expect(breaker.state).toBe('closed');
  });
});
