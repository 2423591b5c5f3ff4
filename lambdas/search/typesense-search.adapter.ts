/**
 * The Typesense engine and index mirror, through the official `typesense` client. A versioned
 * collection (`listings_v1`) behind the alias `listings`, so a reindex into `listings_v2` can
 * switch the alias without downtime (NTB-SEARCH-001). Queries use a scoped search key that embeds
 * `nsfw_band:=0` (NTB-SEARCH-004): Typesense ANDs the embedded filter into every search made with
 * it, so no caller-supplied filter can widen it. Locally and in tests it talks to the loopback
 * server in tests/support/typesense-fake.ts.
 */
import { Client } from 'typesense';
import type { CollectionCreateSchema } from 'typesense/lib/Typesense/Collections.js';
import { SYNONYM_SETS } from './synonyms.ts';
import {
  LISTING_ROLES,
  type ListingRole,
  type SearchDocument,
  type SearchEngine,
  type SearchHit,
  type SearchIndexWriter,
  type SearchQuery,
  type SearchResult,
  type SearchSuggestion,
} from './search.port.ts';

export const TYPESENSE_ALIAS = 'listings';
/**
 * The schema's version: a change to listingsSchema bumps it, and `npm run search:typesense-reindex`
 * builds a collection of the new version beside the live one and swaps the alias (v2: `currency`
 * became a filterable field for the price filter in the listing's currency).
 */
export const TYPESENSE_SCHEMA_VERSION = 2;
/** The collection a fresh cluster starts with; reindexes add a run stamp (`listings_v2_<stamp>`). */
export const TYPESENSE_COLLECTION = `listings_v${TYPESENSE_SCHEMA_VERSION}`;
/** Embedded in every scoped search key: Safe-Mode holds whatever filter the query adds. */
export const SAFE_MODE_FILTER = 'nsfw_band:=0';

export const listingsSchema = (name: string): CollectionCreateSchema => ({
  name,
  fields: [
    { name: 'kind', type: 'string', facet: true },
    { name: 'owner_user_id', type: 'string' },
    { name: 'slug', type: 'string', index: false, optional: true },
    { name: 'role', type: 'string', facet: true },
    { name: 'title', type: 'string' },
    { name: 'headline', type: 'string', optional: true },
    { name: 'tags', type: 'string[]' },
    { name: 'city_code', type: 'string', facet: true, optional: true },
    { name: 'city_name', type: 'string', optional: true },
    { name: 'location', type: 'geopoint', optional: true },
    { name: 'price_min_cents', type: 'int32', optional: true },
    { name: 'price_max_cents', type: 'int32', optional: true },
    { name: 'currency', type: 'string', facet: true, optional: true },
    { name: 'verified', type: 'bool' },
    { name: 'instant_book', type: 'bool' },
    { name: 'quality', type: 'int32' },
    { name: 'nsfw_band', type: 'int32' },
    { name: 'cover_url', type: 'string', index: false, optional: true },
    { name: 'cover_nsfw_band', type: 'int32', optional: true },
    { name: 'source_version', type: 'int32' },
    { name: 'published_at', type: 'int64' },
  ],
  default_sorting_field: 'quality',
});

interface TypesenseListing {
  id: string;
  kind: 'PROFILE' | 'STUDIO';
  owner_user_id: string;
  slug: string;
  role: string;
  title: string;
  headline?: string;
  tags: string[];
  city_code?: string;
  city_name?: string;
  location?: [number, number];
  price_min_cents?: number;
  price_max_cents?: number;
  currency: string;
  verified: boolean;
  instant_book: boolean;
  quality: number;
  nsfw_band: number;
  cover_url?: string;
  cover_nsfw_band?: number;
  source_version: number;
  published_at: number;
}

function toTypesense(d: SearchDocument): TypesenseListing {
  return {
    id: d.id,
    kind: d.kind,
    owner_user_id: d.ownerUserId,
    slug: d.slug,
    role: d.role,
    title: d.title,
    ...(d.headline ? { headline: d.headline } : {}),
    tags: [...d.tags],
    ...(d.cityCode ? { city_code: d.cityCode } : {}),
    ...(d.cityName ? { city_name: d.cityName } : {}),
    ...(d.latitude !== null && d.longitude !== null ? { location: [d.latitude, d.longitude] as [number, number] } : {}),
    ...(d.priceMinCents !== null ? { price_min_cents: d.priceMinCents } : {}),
    ...(d.priceMaxCents !== null ? { price_max_cents: d.priceMaxCents } : {}),
    currency: d.currency,
    verified: d.verified,
    instant_book: d.instantBook,
    quality: d.quality,
    nsfw_band: d.nsfwBand,
    ...(d.coverUrl ? { cover_url: d.coverUrl } : {}),
    ...(d.coverNsfwBand !== null ? { cover_nsfw_band: d.coverNsfwBand } : {}),
    source_version: d.sourceVersion,
    published_at: Math.floor(d.publishedAt.getTime() / 1000),
  };
}

/** Typesense filter values: backquoted, so commas and brackets in a value stay literal. */
const literal = (value: string) => `\`${value.replace(/`/g, '')}\``;

export function typesenseFilter(query: SearchQuery): string {
  const clauses: string[] = [];
  if (query.city) clauses.push(`city_code:=${literal(query.city)}`);
  if (query.role) clauses.push(`role:=${literal(query.role)}`);
  if (query.priceMinCents !== null) clauses.push(`price_max_cents:>=${query.priceMinCents}`);
  if (query.priceMaxCents !== null) clauses.push(`price_min_cents:<=${query.priceMaxCents}`);
  if (query.currency !== null) clauses.push(`currency:=${literal(query.currency)}`);
  if (query.verifiedOnly) clauses.push('verified:=true');
  if (query.instantBookOnly) clauses.push('instant_book:=true');
  if (query.near) clauses.push(`location:(${query.near.latitude}, ${query.near.longitude}, ${query.near.radiusKm} km)`);
  return clauses.join(' && ');
}

export function typesenseSort(query: SearchQuery): string {
  const point = query.near ? `location(${query.near.latitude}, ${query.near.longitude})` : null;
  switch (query.sort) {
    case 'PRICE_ASC':
      return 'price_min_cents:asc';
    case 'PRICE_DESC':
      return 'price_max_cents:desc';
    case 'NEWEST':
      return 'published_at:desc';
    case 'DISTANCE':
      return `${point}:asc`;
    case 'RELEVANCE':
      // Typesense sorts on at most three fields: text match, then proximity or trust, then quality.
      return query.text
        ? `_text_match:desc,${point ? `${point}:asc` : 'verified:desc'},quality:desc`
        : `${point ? `${point}:asc` : 'verified:desc'},quality:desc`;
  }
}

export interface TypesenseSettings {
  /** Node URLs, e.g. http://search-1.internal:8108. */
  readonly nodes: readonly string[];
  readonly adminKey: string;
  /** The parent key scoped search keys are derived from (a search-only key in AWS). */
  readonly searchKey: string;
  readonly timeoutMs: number;
}

export class TypesenseSearchAdapter implements SearchEngine, SearchIndexWriter {
  readonly name = 'typesense' as const;
  private readonly admin: Client;
  private readonly searcher: Client;
  private ready: Promise<void> | undefined;

  constructor(settings: TypesenseSettings) {
    const nodes = settings.nodes.map((node) => {
      const url = new URL(node);
      const protocol = url.protocol.replace(':', '');
      return { host: url.hostname, port: Number(url.port || (protocol === 'https' ? 443 : 80)), protocol };
    });
    const common = {
      nodes,
      connectionTimeoutSeconds: settings.timeoutMs / 1000,
      numRetries: 0,
      logLevel: 'silent' as const,
    };
    this.admin = new Client({ ...common, apiKey: settings.adminKey });
    const scoped = this.admin.keys().generateScopedSearchKey(settings.searchKey, { filter_by: SAFE_MODE_FILTER });
    this.searcher = new Client({ ...common, apiKey: scoped });
  }

  /** The collection behind the alias, and the synonym sets; once per container. */
  ensureCollection(): Promise<void> {
    this.ready ??= (async () => {
      const alias = await this.admin
        .aliases(TYPESENSE_ALIAS)
        .retrieve()
        .catch((error: { httpStatus?: number }) => {
          if (error.httpStatus === 404) return null;
          throw error;
        });
      if (!alias) {
        await this.admin
          .collections()
          .create(listingsSchema(TYPESENSE_COLLECTION))
          .catch((error: { httpStatus?: number }) => {
            if (error.httpStatus !== 409) throw error;
          });
        await this.admin.aliases().upsert(TYPESENSE_ALIAS, { collection_name: TYPESENSE_COLLECTION });
      }
      for (const [index, set] of SYNONYM_SETS.entries())
        await this.admin
          .collections(TYPESENSE_ALIAS)
          .synonyms()
          .upsert(`set-${index}`, { synonyms: [...set] });
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  async upsert(documents: readonly SearchDocument[]): Promise<void> {
    if (documents.length === 0) return;
    await this.ensureCollection();
    await this.importInto(TYPESENSE_ALIAS, documents);
  }

  // ---- alias-swap reindex (typesense-reindex.ts drives these) ------------------------------------

  /** The collection the alias points at, or null on a fresh cluster. */
  async aliasTarget(): Promise<string | null> {
    const alias = await this.admin
      .aliases(TYPESENSE_ALIAS)
      .retrieve()
      .catch((error: { httpStatus?: number }) => {
        if (error.httpStatus === 404) return null;
        throw error;
      });
    return alias?.collection_name ?? null;
  }

  /** A new collection of the current schema with the synonym sets, not yet behind the alias. */
  async createCollection(name: string): Promise<void> {
    await this.admin.collections().create(listingsSchema(name));
    for (const [index, set] of SYNONYM_SETS.entries())
      await this.admin
        .collections(name)
        .synonyms()
        .upsert(`set-${index}`, { synonyms: [...set] });
  }

  /** Upserts into a collection by name or into the alias. */
  async importInto(collection: string, documents: readonly SearchDocument[]): Promise<void> {
    if (documents.length === 0) return;
    const results = await this.admin
      .collections<TypesenseListing>(collection)
      .documents()
      .import(documents.map(toTypesense), { action: 'upsert' });
    const failed = results.filter((result) => !result.success);
    if (failed.length) throw new Error(`Typesense refused ${failed.length} document(s): ${failed[0]?.error}`);
  }

  /** Points the alias at `collection`: one request, atomic for searches (each resolves the alias once). */
  async swapAlias(collection: string): Promise<void> {
    await this.admin.aliases().upsert(TYPESENSE_ALIAS, { collection_name: collection });
  }

  async dropCollection(name: string): Promise<void> {
    await this.admin
      .collections(name)
      .delete()
      .catch((error: { httpStatus?: number }) => {
        if (error.httpStatus !== 404) throw error;
      });
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ensureCollection();
    await this.admin
      .collections(TYPESENSE_ALIAS)
      .documents()
      .delete({ filter_by: `id:[${ids.map(literal).join(',')}]` });
  }

  async removeOwner(ownerUserId: string): Promise<void> {
    await this.ensureCollection();
    await this.admin
      .collections(TYPESENSE_ALIAS)
      .documents()
      .delete({ filter_by: `owner_user_id:=${literal(ownerUserId)}` });
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    await this.ensureCollection();
    const filter = typesenseFilter(query);
    const response = await this.searcher
      .collections<TypesenseListing>(TYPESENSE_ALIAS)
      .documents()
      .search({
        q: query.text ?? '*',
        query_by: 'title,tags,role,city_name,headline',
        query_by_weights: '4,2,2,2,1',
        prefix: true,
        num_typos: 2,
        ...(filter ? { filter_by: filter } : {}),
        sort_by: typesenseSort(query),
        offset: query.offset,
        limit: query.limit + 1,
      });
    const isRole = (role: string): role is ListingRole => (LISTING_ROLES as readonly string[]).includes(role);
    const hits = (response.hits ?? []).flatMap((hit, position): SearchHit[] => {
      const d = hit.document;
      if (!isRole(d.role)) return [];
      const distance = hit.geo_distance_meters?.location;
      return [
        {
          id: d.id,
          kind: d.kind,
          slug: d.slug,
          role: d.role,
          title: d.title,
          headline: d.headline ?? null,
          cityCode: d.city_code ?? null,
          cityName: d.city_name ?? null,
          priceMinCents: d.price_min_cents ?? null,
          priceMaxCents: d.price_max_cents ?? null,
          currency: d.currency,
          verified: d.verified,
          instantBook: d.instant_book,
          nsfwBand: d.nsfw_band,
          coverUrl: d.cover_url ?? null,
          coverNsfwBand: d.cover_nsfw_band ?? null,
          distanceKm: typeof distance === 'number' ? distance / 1000 : null,
          // Typesense orders; the position is the score callers see in logs.
          score: 1 / (1 + position + query.offset),
        },
      ];
    });
    return { engine: 'typesense', hasMore: hits.length > query.limit, hits: hits.slice(0, query.limit) };
  }

  async suggest(prefix: string, limit: number): Promise<SearchSuggestion[]> {
    await this.ensureCollection();
    const response = await this.searcher.collections<TypesenseListing>(TYPESENSE_ALIAS).documents().search({
      q: prefix,
      query_by: 'title',
      prefix: true,
      num_typos: 0,
      limit,
      sort_by: '_text_match:desc,quality:desc',
    });
    return (response.hits ?? []).map((hit) => ({ text: hit.document.title, kind: 'LISTING' as const }));
  }
}
