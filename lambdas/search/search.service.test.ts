import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { CursorFilterMismatchError, InvalidCursorError, InvalidSearchError } from './search.errors.ts';
import type { SearchDocument, SearchEngine, SearchHit, SearchQuery, SearchResult } from './search.port.ts';
import { SearchService } from './search.service.ts';
import { documentsArbitrary, PUBLIC_MEDIA, queryArbitrary } from './testing/search-arbitraries.ts';

/** An engine that returns whatever it holds, NSFW included: the service's own Safe-Mode is under test. */
class CarelessEngine implements SearchEngine {
  readonly name = 'postgres' as const;
  readonly queries: SearchQuery[] = [];
  constructor(public documents: SearchDocument[] = []) {}
  async search(query: SearchQuery): Promise<SearchResult> {
    this.queries.push(query);
    const hits: SearchHit[] = this.documents.slice(query.offset, query.offset + query.limit + 1).map((d) => ({
      ...d,
      distanceKm: null,
      score: 1,
    }));
    return { engine: 'postgres', hasMore: hits.length > query.limit, hits: hits.slice(0, query.limit) };
  }
  async suggest(prefix: string, limit: number) {
    return this.documents
      .filter((d) => d.title.toLowerCase().startsWith(prefix))
      .slice(0, limit)
      .map((d) => ({ text: d.title, kind: 'LISTING' as const }));
  }
}

const service = (engine: SearchEngine, cacheMs = 0, clock = new ManualClock()) =>
  new SearchService(engine, { mediaPublicBaseUrl: PUBLIC_MEDIA, cacheMs }, clock);

describe('SearchService', () => {
  it('never returns an item with nsfwBand > 0 or a cover that is not a public SFW variant (property)', async () => {
    await fc.assert(
      fc.asyncProperty(documentsArbitrary('u'), queryArbitrary, async (documents, input) => {
        const page = await service(new CarelessEngine(documents)).search(input);
        const byslug = new Map(documents.map((d) => [d.slug, d]));
        for (const item of page.items) {
          const source = byslug.get(item.slug)!;
          expect(source.nsfwBand).toBe(0);
          if (item.coverUrl !== null) {
            expect(source.coverNsfwBand).toBe(0);
            expect(item.coverUrl.startsWith(`${PUBLIC_MEDIA}/`)).toBe(true);
          }
          expect(Object.keys(item)).not.toContain('id');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('binds cursors to their filters: the next page with the same filters, a typed refusal otherwise', async () => {
    const documents = fc.sample(documentsArbitrary('c', 30), { numRuns: 1, seed: 7 })[0]!;
    const engine = new CarelessEngine(documents.map((d) => ({ ...d, nsfwBand: 0 })));
    const search = service(engine);
    const first = await search.search({ city: 'zz-north', first: 2 });
    expect(first.nextCursor).not.toBeNull();
    await search.search({ city: 'zz-north', first: 2, after: first.nextCursor });
    expect(engine.queries.at(-1)?.offset).toBe(2);
    // Page size may change between pages; filters and sort may not.
    await search.search({ city: 'zz-north', first: 5, after: first.nextCursor });
    await expect(search.search({ city: 'zz-south', after: first.nextCursor })).rejects.toBeInstanceOf(
      CursorFilterMismatchError,
    );
    await expect(search.search({ city: 'zz-north', sort: 'NEWEST', after: first.nextCursor })).rejects.toBeInstanceOf(
      CursorFilterMismatchError,
    );
    await expect(search.search({ city: 'zz-north', after: 'garbage!' })).rejects.toBeInstanceOf(InvalidCursorError);
    const forged = Buffer.from(JSON.stringify({ v: 1, o: 5000, h: 'x'.repeat(16) })).toString('base64url');
    await expect(search.search({ city: 'zz-north', after: forged })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('refuses contradictory filters with a typed error', async () => {
    const search = service(new CarelessEngine());
    await expect(search.search({ priceMinCents: 10, priceMaxCents: 5 })).rejects.toBeInstanceOf(InvalidSearchError);
    await expect(search.search({ sort: 'DISTANCE' })).rejects.toBeInstanceOf(InvalidSearchError);
  });

  it('expands synonyms and keeps the typed word first', async () => {
    const engine = new CarelessEngine();
    await service(engine).search({ text: 'Photog  NYC!' });
    const query = engine.queries[0]!;
    expect(query.text).toBe('photog nyc');
    expect(query.words[0]![0]).toBe('photog');
    expect(query.words[0]).toContain('photographer');
  });

  it('answers a repeated query from the hot-query cache until it expires', async () => {
    const clock = new ManualClock();
    const engine = new CarelessEngine();
    const search = service(engine, 2_000, clock);
    await search.search({ city: 'zz-north' });
    await search.search({ city: 'zz-north' });
    expect(engine.queries).toHaveLength(1);
    clock.advance(2_001);
    await search.search({ city: 'zz-north' });
    expect(engine.queries).toHaveLength(2);
  });

  it('keeps suggestions within their hard limits', async () => {
    const documents = Array.from({ length: 30 }, (_, i) => ({
      ...fc.sample(documentsArbitrary('s', 1), { numRuns: 1, seed: i })[0]![0]!,
      id: `prf_s${i}`,
      slug: `s-${i}`,
      title: `Pat ${i}`,
    }));
    const search = service(new CarelessEngine(documents.filter(Boolean)));
    expect(await search.suggest('p', 5)).toEqual([]);
    expect(await search.suggest('pa', undefined)).toHaveLength(6);
    expect(await search.suggest('PAT', 10)).toHaveLength(10);
    expect(await search.suggest('pho', 10)).toEqual([{ text: 'Photographer', kind: 'ROLE' }]);
  });
});
