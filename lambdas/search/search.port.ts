/**
 * The search port: one interface, two engines. PostgreSQL (search_documents: full text, pg_trgm,
 * earthdistance) is the local default and the fallback in AWS; Typesense serves AWS. Both enforce
 * Safe-Mode themselves (a public query never sees a document with nsfwBand > 0), whatever the
 * filters the caller passed, so the service's own check is a second line, not the only one.
 */
export const LISTING_ROLES = ['MODEL', 'PHOTOGRAPHER', 'VIDEOGRAPHER', 'CONTENT_CREATOR', 'STUDIO'] as const;
export type ListingRole = (typeof LISTING_ROLES)[number];

export const SEARCH_SORTS = ['RELEVANCE', 'PRICE_ASC', 'PRICE_DESC', 'NEWEST', 'DISTANCE'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** What the indexer writes: one published listing. */
export interface SearchDocument {
  readonly id: string;
  readonly kind: 'PROFILE' | 'STUDIO';
  readonly ownerUserId: string;
  readonly slug: string;
  readonly role: ListingRole;
  readonly title: string;
  readonly headline: string | null;
  readonly tags: readonly string[];
  readonly cityCode: string | null;
  readonly cityName: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly priceMinCents: number | null;
  readonly priceMaxCents: number | null;
  readonly currency: string;
  readonly verified: boolean;
  readonly instantBook: boolean;
  /** 0…100: completeness (later reviews). */
  readonly quality: number;
  /** The highest NSFW band of anything the document shows. Public queries need 0. */
  readonly nsfwBand: 0 | 1 | 2;
  readonly coverUrl: string | null;
  readonly coverNsfwBand: 0 | 1 | 2 | null;
  readonly sourceVersion: number;
  readonly publishedAt: Date;
}

/** A normalised query (the service builds it from the API input). */
export interface SearchQuery {
  /** Lower-cased words of the text, each with its synonyms (the first is the word itself). */
  readonly words: readonly (readonly string[])[];
  /** The raw text, lower-cased, for typo-tolerant matching. */
  readonly text: string | null;
  readonly city: string | null;
  readonly role: ListingRole | null;
  /** The price band, compared with each listing's own prices in its own currency (no conversion). */
  readonly priceMinCents: number | null;
  readonly priceMaxCents: number | null;
  /** Only listings priced in this ISO 4217 currency (upper case). */
  readonly currency: string | null;
  readonly near: { readonly latitude: number; readonly longitude: number; readonly radiusKm: number } | null;
  readonly verifiedOnly: boolean;
  readonly instantBookOnly: boolean;
  readonly sort: SearchSort;
  readonly offset: number;
  readonly limit: number;
}

export interface SearchHit {
  readonly id: string;
  readonly kind: 'PROFILE' | 'STUDIO';
  readonly slug: string;
  readonly role: ListingRole;
  readonly title: string;
  readonly headline: string | null;
  readonly cityCode: string | null;
  readonly cityName: string | null;
  readonly priceMinCents: number | null;
  readonly priceMaxCents: number | null;
  readonly currency: string;
  readonly verified: boolean;
  readonly instantBook: boolean;
  readonly nsfwBand: number;
  readonly coverUrl: string | null;
  readonly coverNsfwBand: number | null;
  readonly distanceKm: number | null;
  readonly score: number;
}

export interface SearchResult {
  /** The engine that answered (the fallback may have). */
  readonly engine: 'postgres' | 'typesense';
  readonly hits: readonly SearchHit[];
  /** Whether more hits follow this page. */
  readonly hasMore: boolean;
}

export interface SearchSuggestion {
  readonly text: string;
  readonly kind: 'LISTING' | 'CITY' | 'ROLE' | 'TAG';
}

/** Writes (the indexer). */
export interface SearchIndexWriter {
  upsert(documents: readonly SearchDocument[]): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
  removeOwner(ownerUserId: string): Promise<void>;
}

/** Reads (the public query API). */
export interface SearchEngine {
  readonly name: 'postgres' | 'typesense';
  search(query: SearchQuery): Promise<SearchResult>;
  suggest(prefix: string, limit: number): Promise<SearchSuggestion[]>;
}

/**
 * The availability-window filter (NTB-SEARCH-003): which of the candidate listings have a free slot
 * (of their own minimum duration) inside the window, by booking's feasibility rules. Booking answers
 * it (lambdas/booking/search-availability.query.ts); the service applies it after the engine, so
 * both engines filter the same way.
 */
export interface AvailabilityPort {
  availableAmong(
    listingIds: readonly string[],
    window: { readonly start: Date; readonly end: Date },
    now: Date,
  ): Promise<ReadonlySet<string>>;
}
