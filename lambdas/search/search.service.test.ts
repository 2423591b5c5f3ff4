import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { RateLimitedError } from '../core/errors.ts';
import { rateLimitMatrix } from '../core/rate-limit-matrix.ts';
import { MemoryRateLimiter } from '../core/testing/memory-rate-limiter.ts';
import { CursorFilterMismatchError, InvalidCursorError, InvalidSearchError } from './search.errors.ts';
import type { SearchDocument, SearchEngine, SearchHit, SearchQuery, SearchResult } from './search.port.ts';
import { AVAILABILITY_SCAN, SearchService, type SearchCaller } from './search.service.ts';
import {
  documentsArbitrary,
  isEvenId,
  ParityAvailability,
  PUBLIC_MEDIA,
  queryArbitrary,
} from './testing/search-arbitraries.ts';

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

const service = (
  engine: SearchEngine,
  cacheMs = 0,
  clock = new ManualClock(),
  availability: ParityAvailability | null = new ParityAvailability(),
  limiter = new MemoryRateLimiter(clock),
) => new SearchService(engine, { mediaPublicBaseUrl: PUBLIC_MEDIA, cacheMs }, clock, availability, limiter);

const PUBLIC: SearchCaller = { kind: 'public', ip: '192.0.2.10' };
const USER: SearchCaller = { kind: 'user', userId: 'usr_searcher' };

const WINDOW = { from: '2027-01-04T00:00:00Z', to: '2027-01-06T00:00:00Z' };

describe('SearchService', () => {
  it('never returns an item with nsfwBand > 0 or a cover that is not a public SFW variant (property)', async () => {
    await fc.assert(
      fc.asyncProperty(documentsArbitrary('u'), queryArbitrary, async (documents, input) => {
        const page = await service(new CarelessEngine(documents)).search(input, PUBLIC);
        const byslug = new Map(documents.map((d) => [d.slug, d]));
        for (const item of page.items) {
          const source = byslug.get(item.slug)!;
          expect(source.nsfwBand).toBe(0);
          if (input.available) expect(isEvenId(source.id)).toBe(true);
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
    const first = await search.search({ city: 'zz-north', first: 2 }, PUBLIC);
    expect(first.nextCursor).not.toBeNull();
    await search.search({ city: 'zz-north', first: 2, after: first.nextCursor }, PUBLIC);
    expect(engine.queries.at(-1)?.offset).toBe(2);
    // Page size may change between pages; filters and sort may not.
    await search.search({ city: 'zz-north', first: 5, after: first.nextCursor }, PUBLIC);
    await expect(search.search({ city: 'zz-south', after: first.nextCursor }, PUBLIC)).rejects.toBeInstanceOf(
      CursorFilterMismatchError,
    );
    await expect(
      search.search({ city: 'zz-north', sort: 'NEWEST', after: first.nextCursor }, PUBLIC),
    ).rejects.toBeInstanceOf(CursorFilterMismatchError);
    await expect(search.search({ city: 'zz-north', after: 'garbage!' }, PUBLIC)).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    const forged = Buffer.from(JSON.stringify({ v: 1, o: 5000, h: 'x'.repeat(16) })).toString('base64url');
    await expect(search.search({ city: 'zz-north', after: forged }, PUBLIC)).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('refuses a cursor replayed with another currency or availability window', async () => {
    const documents = Array.from({ length: 30 }, (_, i) => ({
      ...fc.sample(documentsArbitrary('k', 1), { numRuns: 1, seed: i })[0]![0]!,
      id: `prf_k${i}`,
      slug: `k-${i}`,
      nsfwBand: 0 as const,
    }));
    const search = service(new CarelessEngine(documents));
    const first = await search.search({ currency: 'usd', available: WINDOW, first: 1 }, PUBLIC);
    expect(first.nextCursor).not.toBeNull();
    // The same filters (currency in either case) go on; another currency or window is refused.
    await search.search({ currency: 'USD', available: WINDOW, first: 1, after: first.nextCursor }, PUBLIC);
    for (const other of [
      { currency: 'EUR', available: WINDOW },
      { currency: 'USD' },
      { currency: 'USD', available: { ...WINDOW, to: '2027-01-07T00:00:00Z' } },
      { available: WINDOW },
    ])
      await expect(search.search({ ...other, first: 1, after: first.nextCursor }, PUBLIC)).rejects.toBeInstanceOf(
        CursorFilterMismatchError,
      );
  });

  it('pages through an availability window: every free listing once, in the engine order, no busy one', async () => {
    const documents: SearchDocument[] = Array.from({ length: 300 }, (_, i) => ({
      ...fc.sample(documentsArbitrary('a', 1), { numRuns: 1, seed: i })[0]![0]!,
      id: `prf_a${String(i).padStart(3, '0')}`,
      slug: `a-${i}`,
      nsfwBand: i % 7 === 0 ? 1 : 0,
    }));
    const clock = new ManualClock();
    const search = service(new CarelessEngine(documents), 0, clock);
    const expected = documents.filter((d) => d.nsfwBand === 0 && isEvenId(d.id)).map((d) => d.slug);
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page = await search.search({ available: WINDOW, first: 7, ...(after ? { after } : {}) }, PUBLIC);
      seen.push(...page.items.map((item) => item.slug));
      after = page.nextCursor;
      if (!after) break;
      clock.advance(60_000); // a page a minute: the window-search limit is not under test here
    }
    expect(seen).toEqual(expected);
  });

  it.each([
    ['public (API key)', PUBLIC, AVAILABILITY_SCAN.maxCandidates.public],
    ['signed-in', USER, AVAILABILITY_SCAN.maxCandidates.user],
  ] as const)(
    'bounds the candidates one page looks at for a %s caller, and resumes after them',
    async (_kind, caller, budget) => {
      // Only the very last listing is free: the first page gives up after the budget with a cursor.
      const documents = Array.from({ length: budget + 60 }, (_, i) => ({
        ...fc.sample(documentsArbitrary('b', 1), { numRuns: 1, seed: i })[0]![0]!,
        id: `prf_b${i}`,
        slug: `b-${i}`,
        nsfwBand: 0 as const,
      }));
      const last = documents.at(-1)!;
      const engine = new CarelessEngine(documents);
      const busy = {
        asked: [] as string[],
        availableAmong: (ids: readonly string[]) => {
          busy.asked.push(...ids);
          return Promise.resolve(new Set(ids.filter((id) => id === last.id)));
        },
      };
      const clock = new ManualClock();
      const search = new SearchService(
        engine,
        { mediaPublicBaseUrl: PUBLIC_MEDIA, cacheMs: 0 },
        clock,
        busy,
        new MemoryRateLimiter(clock),
      );
      const first = await search.search({ available: WINDOW, first: 5 }, caller);
      expect(first.items).toEqual([]);
      expect(busy.asked).toHaveLength(budget);
      const second = await search.search({ available: WINDOW, first: 5, after: first.nextCursor }, caller);
      expect(second.items.map((item) => item.slug)).toEqual([last.slug]);
      expect(second.nextCursor).toBeNull();
    },
  );

  it('gives an API-key caller a much smaller candidate budget than a signed-in user', () => {
    expect(AVAILABILITY_SCAN.maxCandidates.public * 4).toBeLessThanOrEqual(AVAILABILITY_SCAN.maxCandidates.user);
  });

  it('does not serve a signed-in page from a cached public one (their budgets end pages differently)', async () => {
    const documents = Array.from({ length: AVAILABILITY_SCAN.maxCandidates.user + 10 }, (_, i) => ({
      ...fc.sample(documentsArbitrary('h', 1), { numRuns: 1, seed: i })[0]![0]!,
      id: `prf_h${i}`,
      slug: `h-${i}`,
      nsfwBand: 0 as const,
    }));
    const last = documents.at(-1)!;
    const busy = {
      availableAmong: (ids: readonly string[]) => Promise.resolve(new Set(ids.filter((id) => id === last.id))),
    };
    const clock = new ManualClock();
    const search = new SearchService(
      new CarelessEngine(documents),
      { mediaPublicBaseUrl: PUBLIC_MEDIA, cacheMs: 60_000 },
      clock,
      busy,
      new MemoryRateLimiter(clock),
    );
    expect((await search.search({ available: WINDOW }, PUBLIC)).items).toEqual([]);
    // The signed-in budget (400) does not reach the last listing either, but its cursor stops elsewhere.
    const signedIn = await search.search({ available: WINDOW }, USER);
    const anonymous = await search.search({ available: WINDOW }, PUBLIC);
    expect(signedIn.nextCursor).not.toBe(anonymous.nextCursor);
  });

  it('rate-limits searches with a window per IP (public) and per user (signed-in), not plain searches', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryRateLimiter(clock);
    const search = service(new CarelessEngine(), 0, clock, new ParityAvailability(), limiter);
    const perIp = rateLimitMatrix['search.available.ip'].capacity;
    const perUser = rateLimitMatrix['search.available.user'].capacity;
    // A new window each call: no cache answer, each one spends a token.
    const windowAt = (i: number) => ({
      from: new Date(Date.UTC(2027, 0, 1) + i * 3_600_000).toISOString(),
      to: new Date(Date.UTC(2027, 0, 2) + i * 3_600_000).toISOString(),
    });
    for (let i = 0; i < perIp; i++) await search.search({ available: windowAt(i) }, PUBLIC);
    const refused = await search.search({ available: windowAt(perIp) }, PUBLIC).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(Math.ceil(60 / perIp));
    // Plain searches from the same IP, and another IP's window searches, still pass.
    for (let i = 0; i < perIp * 3; i++) await search.search({ city: `zz-${i}` }, PUBLIC);
    await search.search({ available: windowAt(0) }, { kind: 'public', ip: '192.0.2.11' });
    // A signed-in user has their own, larger bucket.
    for (let i = 0; i < perUser; i++) await search.search({ available: windowAt(i) }, USER);
    await expect(search.search({ available: windowAt(perUser) }, USER)).rejects.toBeInstanceOf(RateLimitedError);
    expect(limiter.consumed.filter((id) => id.startsWith('search.available.user:usr_searcher'))).toHaveLength(
      perUser + 1,
    );
    // The bucket refills over its window.
    clock.advance(60_000);
    await search.search({ available: windowAt(1) }, PUBLIC);
    expect(perIp).toBeLessThan(rateLimitMatrix['search.ip'].capacity);
  });

  it('rate-limits every signed-in search per user, cached answers included; public reads spend nothing here', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryRateLimiter(clock);
    // A long cache: the same query is answered from memory, and still spends a token.
    const search = service(new CarelessEngine(), 60_000, clock, new ParityAvailability(), limiter);
    const perUser = rateLimitMatrix['search.user'].capacity;
    for (let i = 0; i < perUser; i++) await search.search({ city: 'us-nyc' }, USER);
    const refused = await search.search({ city: 'us-nyc' }, USER).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(Math.ceil(60 / perUser));
    // search.ip and suggestions.ip are WAF rules at the edge (infra/definitions/edge-rate-limits.ts):
    // far past their limits, public searches and suggestions leave the limiter untouched.
    const spent = limiter.consumed.length;
    for (let i = 0; i < rateLimitMatrix['search.ip'].capacity * 2; i++) await search.search({ city: 'us-nyc' }, PUBLIC);
    for (let i = 0; i < rateLimitMatrix['suggestions.ip'].capacity * 2; i++) await search.suggest('pat', 5);
    expect(limiter.consumed.slice(spent)).toEqual([]);
    clock.advance(60_000);
    await search.search({ city: 'us-nyc' }, USER);
  });

  it('refuses contradictory filters with a typed error', async () => {
    const search = service(new CarelessEngine());
    await expect(search.search({ priceMinCents: 10, priceMaxCents: 5 }, PUBLIC)).rejects.toBeInstanceOf(
      InvalidSearchError,
    );
    await expect(search.search({ sort: 'DISTANCE' }, PUBLIC)).rejects.toBeInstanceOf(InvalidSearchError);
    await expect(
      search.search({ available: { from: '2027-01-05T00:00:00Z', to: '2027-01-05T00:00:00Z' } }, PUBLIC),
    ).rejects.toBeInstanceOf(InvalidSearchError);
    await expect(
      search.search({ available: { from: '2027-01-01T00:00:00Z', to: '2027-03-01T00:00:00Z' } }, PUBLIC),
    ).rejects.toBeInstanceOf(InvalidSearchError);
    // Without booking's port, a window is refused rather than silently ignored.
    await expect(
      service(new CarelessEngine(), 0, new ManualClock(), null).search({ available: WINDOW }, PUBLIC),
    ).rejects.toBeInstanceOf(InvalidSearchError);
  });

  it('expands synonyms and keeps the typed word first', async () => {
    const engine = new CarelessEngine();
    await service(engine).search({ text: 'Photog  NYC!' }, PUBLIC);
    const query = engine.queries[0]!;
    expect(query.text).toBe('photog nyc');
    expect(query.words[0]![0]).toBe('photog');
    expect(query.words[0]).toContain('photographer');
  });

  it('answers a repeated query from the hot-query cache until it expires', async () => {
    const clock = new ManualClock();
    const engine = new CarelessEngine();
    const search = service(engine, 2_000, clock);
    await search.search({ city: 'zz-north' }, PUBLIC);
    await search.search({ city: 'zz-north' }, PUBLIC);
    expect(engine.queries).toHaveLength(1);
    clock.advance(2_001);
    await search.search({ city: 'zz-north' }, PUBLIC);
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
