/**
 * Public search (NTB-SEARCH-003…005): filters, ranking (ranking.ts), synonyms and typo tolerance,
 * suggestions with hard limits, opaque cursors bound to their filters, a hot-query cache, and
 * Safe-Mode on the way out: whatever the engine answered, no item with nsfwBand > 0 and no media
 * URL that is not a public (SFW) variant leaves this service.
 */
import type { Clock } from '../core/clock.ts';
import type { RateLimiter } from '../core/ports.ts';
import { enforceRateLimits } from '../core/rate-limit.ts';
import { rateLimitPolicy } from '../core/rate-limit-matrix.ts';
import { decodeCursor, encodeCursor, filterHash, MAX_OFFSET } from './cursor.ts';
import { HotQueryCache } from './hot-query-cache.ts';
import { InvalidSearchError } from './search.errors.ts';
import type { AvailabilityPort, SearchEngine, SearchHit, SearchQuery, SearchSuggestion } from './search.port.ts';
import { SEARCH_LIMITS, type SearchListingsInput } from './search.schemas.ts';
import { expandWord } from './synonyms.ts';

export interface SearchItemView {
  kind: 'PROFILE' | 'STUDIO';
  slug: string;
  role: string;
  title: string;
  headline: string | null;
  city: string | null;
  cityName: string | null;
  priceMinCents: number | null;
  priceMaxCents: number | null;
  currency: string;
  verified: boolean;
  instantBook: boolean;
  coverUrl: string | null;
  distanceKm: number | null;
}

export interface SearchPageView {
  items: SearchItemView[];
  nextCursor: string | null;
  engine: string;
}

/**
 * With an availability window, the engine's candidates are checked page by page against booking's
 * feasibility; a request looks at no more than this many candidates (a cursor resumes after the
 * last one looked at), so a window nobody is free in costs a bounded amount of work. An API-key
 * (public) caller costs nothing to be and can vary the window on every call (no cache helps), so
 * its budget is a quarter of a signed-in user's; both are also under their own, tighter rate
 * limit for window searches (SEARCH_WINDOW_LIMITS).
 */
export const AVAILABILITY_SCAN = { batch: 50, maxCandidates: { public: 100, user: 400 } } as const;

/** Who searches, as the edge established it: the key of their rate-limit bucket and their scan budget. */
export type SearchCaller =
  { readonly kind: 'public'; readonly ip: string | undefined } | { readonly kind: 'user'; readonly userId: string };

/** Searches carrying an availability window (the expensive kind), per source IP or per user. */
export const SEARCH_WINDOW_LIMITS = {
  perIp: rateLimitPolicy('search.available.ip'),
  perUser: rateLimitPolicy('search.available.user'),
} as const;
/**
 * Every signed-in search (row search.user), spent before the cache answers: a cached page is cheap,
 * but the limit is against scraping, which a cache does not stop. The per-IP rows of public searches
 * and of suggestions (search.ip, suggestions.ip) run at the edge, as WAF rate-based rules in front of
 * AppSync (infra/definitions/edge-rate-limits.ts), so public reads spend no DynamoDB round trip here.
 * A window search spends these and SEARCH_WINDOW_LIMITS.
 */
export const SEARCH_REQUEST_LIMITS = { perUser: rateLimitPolicy('search.user') } as const;

const DAY_MS = 86_400_000;

const ROLE_SUGGESTIONS = ['Model', 'Photographer', 'Videographer', 'Content creator', 'Studio'];
const MAX_WORDS = 8;

export function searchWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .slice(0, MAX_WORDS)
    .map((word) => word.slice(0, 32));
}

export class SearchService {
  private readonly pages: HotQueryCache<SearchPageView>;
  private readonly suggestions: HotQueryCache<SearchSuggestion[]>;

  constructor(
    private readonly engine: SearchEngine,
    private readonly settings: { readonly mediaPublicBaseUrl: string; readonly cacheMs: number },
    private readonly clock: Clock,
    /** Booking's feasibility; without it a search with a window is refused (never silently ignored). */
    private readonly availability: AvailabilityPort | null,
    /** Spends SEARCH_REQUEST_LIMITS for signed-in searches, and SEARCH_WINDOW_LIMITS for every search with a window. */
    private readonly limiter: RateLimiter,
  ) {
    this.pages = new HotQueryCache(settings.cacheMs, clock);
    this.suggestions = new HotQueryCache(settings.cacheMs, clock);
  }

  async search(input: SearchListingsInput, caller: SearchCaller): Promise<SearchPageView> {
    if (caller.kind === 'user')
      await enforceRateLimits(this.limiter, [{ policy: SEARCH_REQUEST_LIMITS.perUser, key: caller.userId }]);
    const text = input.text ? searchWords(input.text).join(' ') : '';
    const window = input.available
      ? { start: new Date(input.available.from), end: new Date(input.available.to) }
      : null;
    const filters = {
      text: text || null,
      city: input.city ?? null,
      role: input.role ?? null,
      priceMinCents: input.priceMinCents ?? null,
      priceMaxCents: input.priceMaxCents ?? null,
      currency: input.currency?.toUpperCase() ?? null,
      available: window ? { from: window.start.toISOString(), to: window.end.toISOString() } : null,
      near: input.near ?? null,
      verifiedOnly: input.verifiedOnly ?? false,
      instantBookOnly: input.instantBookOnly ?? false,
      sort: input.sort ?? (input.near && !text ? 'DISTANCE' : 'RELEVANCE'),
    } as const;
    if (
      filters.priceMinCents !== null &&
      filters.priceMaxCents !== null &&
      filters.priceMinCents > filters.priceMaxCents
    )
      throw new InvalidSearchError('priceMinCents must not be above priceMaxCents');
    if (filters.sort === 'DISTANCE' && !filters.near)
      throw new InvalidSearchError('Sorting by distance needs a point (near)');
    if (window) {
      if (window.end <= window.start) throw new InvalidSearchError('available.to must be after available.from');
      if (window.end.getTime() - window.start.getTime() > SEARCH_LIMITS.maxWindowDays * DAY_MS)
        throw new InvalidSearchError(`The availability window is at most ${SEARCH_LIMITS.maxWindowDays} days`);
      if (!this.availability) throw new InvalidSearchError('Filtering by availability is not offered here');
      // Before the cache: a cached answer is cheap, but the point is to cap how often anyone can ask.
      // A public call without a source IP (never expected behind the edge) shares one bucket.
      await enforceRateLimits(
        this.limiter,
        caller.kind === 'user'
          ? [{ policy: SEARCH_WINDOW_LIMITS.perUser, key: caller.userId }]
          : [{ policy: SEARCH_WINDOW_LIMITS.perIp, key: caller.ip ?? 'unknown' }],
      );
    }
    const hash = filterHash(filters);
    const offset = input.after ? decodeCursor(input.after, hash) : 0;
    const limit = input.first ?? SEARCH_LIMITS.defaultPageSize;
    const { available: _window, ...engineFilters } = filters;
    const query: SearchQuery = {
      ...engineFilters,
      words: text ? text.split(' ').map(expandWord) : [],
      offset,
      limit,
    };
    // Keyed by the normalised filters (hash), the page, and the audience: every query here is a public,
    // Safe-Mode one, so the key says so; a future signed-in view with other visibility needs its own
    // scope here. A window page also depends on the caller's scan budget (where its cursor stops),
    // so the budget is part of the key. TTL-bounded (SEARCH_CACHE_MS, 2 s by default, at most 60 s
    // by config; keep it under the 5 s propagation promise), and bounded in entries (HotQueryCache).
    const budget = AVAILABILITY_SCAN.maxCandidates[caller.kind];
    const scope = window ? `public-safe-${budget}` : 'public-safe';
    return this.pages.get(`${scope}:${hash}:${offset}:${limit}`, async () => {
      const page = window ? await this.searchAvailable(query, window, budget) : await this.searchPlain(query);
      return {
        items: page.hits.map((hit) => this.toView(hit)),
        nextCursor: page.next !== null && page.next <= MAX_OFFSET ? encodeCursor(page.next, hash) : null,
        engine: page.engine,
      };
    });
  }

  private async searchPlain(query: SearchQuery): Promise<{ hits: SearchHit[]; next: number | null; engine: string }> {
    const result = await this.engine.search(query);
    return {
      hits: result.hits.filter((hit) => hit.nsfwBand === 0),
      next: result.hasMore ? query.offset + query.limit : null,
      engine: result.engine,
    };
  }

  /**
   * The engine's candidates in its order, kept when booking says they are free in the window. The
   * cursor's offset counts candidates, not kept items: the next page resumes right after the last
   * candidate this page looked at. A page stops at `limit` kept items (then one more kept item
   * decides whether a next page exists) or after `maxCandidates` candidates (the caller's budget).
   */
  private async searchAvailable(
    query: SearchQuery,
    window: { start: Date; end: Date },
    maxCandidates: number,
  ): Promise<{ hits: SearchHit[]; next: number | null; engine: string }> {
    const availability = this.availability!;
    const kept: SearchHit[] = [];
    let position = query.offset;
    let resumeAt: number | null = null;
    let engine: string = this.engine.name;
    const now = this.clock.now();
    for (;;) {
      const batchSize = Math.min(AVAILABILITY_SCAN.batch, maxCandidates - (position - query.offset));
      const batch = await this.engine.search({ ...query, offset: position, limit: batchSize });
      engine = batch.engine;
      const safe = batch.hits.filter((hit) => hit.nsfwBand === 0);
      const free = safe.length
        ? await availability.availableAmong(
            safe.map((hit) => hit.id),
            window,
            now,
          )
        : new Set();
      for (const hit of batch.hits) {
        position += 1;
        if (hit.nsfwBand !== 0 || !free.has(hit.id)) continue;
        if (kept.length === query.limit) return { hits: kept, next: resumeAt, engine };
        kept.push(hit);
        resumeAt = position;
      }
      if (!batch.hasMore) return { hits: kept, next: null, engine };
      // Out of budget: more candidates follow (none between the last kept one and here is free), so
      // hand out a cursor that goes on from here.
      if (position - query.offset >= maxCandidates) return { hits: kept, next: position, engine };
    }
  }

  /** Rate-limited per source IP at the edge (row suggestions.ip, a WAF rate-based rule): no spend here. */
  async suggest(prefix: string, first: number | null | undefined): Promise<SearchSuggestion[]> {
    const normalised = prefix.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, SEARCH_LIMITS.maxPrefix);
    const limit = first ?? SEARCH_LIMITS.defaultSuggestions;
    if (normalised.length < SEARCH_LIMITS.minPrefix) return [];
    return this.suggestions.get(`${normalised}:${limit}`, async () => {
      const roles = ROLE_SUGGESTIONS.filter((role) => role.toLowerCase().startsWith(normalised)).map((text) => ({
        text,
        kind: 'ROLE' as const,
      }));
      const seen = new Set<string>();
      const out: SearchSuggestion[] = [];
      for (const suggestion of [...roles, ...(await this.engine.suggest(normalised, limit))]) {
        const key = suggestion.text.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ text: suggestion.text, kind: suggestion.kind });
        if (out.length === limit) break;
      }
      return out;
    });
  }

  /** Whitelisted fields only; a cover URL only when it is a public SFW variant of our CDN. */
  private toView(hit: SearchHit): SearchItemView {
    const coverIsPublic =
      hit.coverUrl !== null &&
      hit.coverNsfwBand === 0 &&
      hit.coverUrl.startsWith(`${this.settings.mediaPublicBaseUrl}/`);
    return {
      kind: hit.kind,
      slug: hit.slug,
      role: hit.role,
      title: hit.title,
      headline: hit.headline,
      city: hit.cityCode,
      cityName: hit.cityName,
      priceMinCents: hit.priceMinCents,
      priceMaxCents: hit.priceMaxCents,
      currency: hit.currency,
      verified: hit.verified,
      instantBook: hit.instantBook,
      coverUrl: coverIsPublic ? hit.coverUrl : null,
      distanceKm: hit.distanceKm === null ? null : Math.round(hit.distanceKm * 100) / 100,
    };
  }
}
