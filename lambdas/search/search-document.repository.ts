/**
 * The PostgreSQL search engine and index (search_documents, db/migrations/1200_search.sql): the
 * local default and the fallback behind the Typesense adapter in AWS. Full text (weighted
 * tsvector, prefix match on the words typed, synonyms), typo tolerance (pg_trgm word_similarity),
 * geo radius (a lat/lng box, or the GiST earth box for a radius alone; the exact great-circle
 * distance is checked after). Candidates come from the narrow, city-partitioned ranking projection
 * search_rank (db/migrations/2300_search_rank.sql), except typo matching, which needs the
 * documents' words. Safe-Mode is part of every query's WHERE clause.
 */
import type { QueryResultRow } from 'pg';
import * as z from 'zod';
import { parseRows, statementName, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { FRESHNESS_HALF_DAYS, RANKING_WEIGHTS as W } from './ranking.ts';
import {
  LISTING_ROLES,
  type SearchDocument,
  type SearchEngine,
  type SearchIndexWriter,
  type SearchQuery,
  type SearchResult,
  type SearchSuggestion,
} from './search.port.ts';

const hitRow = z.object({
  id: z.string(),
  kind: z.enum(['PROFILE', 'STUDIO']),
  slug: z.string(),
  role: z.enum(LISTING_ROLES),
  title: z.string(),
  headline: z.string().nullable(),
  city_code: z.string().nullable(),
  city_name: z.string().nullable(),
  price_min_cents: z.number().int().nullable(),
  price_max_cents: z.number().int().nullable(),
  currency: z.string(),
  verified: z.boolean(),
  instant_book: z.boolean(),
  nsfw_band: z.number().int(),
  cover_url: z.string().nullable(),
  cover_nsfw_band: z.number().int().nullable(),
  distance_m: z.number().nullable(),
  score: z.number(),
});

/** A whole document as stored (the Typesense reindex backfills from these). */
const documentRow = z.object({
  id: z.string(),
  kind: z.enum(['PROFILE', 'STUDIO']),
  owner_user_id: z.string(),
  slug: z.string(),
  role: z.enum(LISTING_ROLES),
  title: z.string(),
  headline: z.string().nullable(),
  tags: z.array(z.string()),
  city_code: z.string().nullable(),
  city_name: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  price_min_cents: z.number().int().nullable(),
  price_max_cents: z.number().int().nullable(),
  currency: z.string(),
  verified: z.boolean(),
  instant_book: z.boolean(),
  quality: z.number().int(),
  nsfw_band: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  cover_url: z.string().nullable(),
  cover_nsfw_band: z.union([z.literal(0), z.literal(1), z.literal(2)]).nullable(),
  source_version: z.number().int(),
  published_at: z.date(),
});
const DOCUMENT_COLUMNS = `id, kind, owner_user_id, slug, role, title, headline, tags, city_code, city_name, latitude, longitude,
       price_min_cents, price_max_cents, currency::text AS currency, verified, instant_book, quality, nsfw_band, cover_url,
       cover_nsfw_band, source_version, published_at`;

function toDocument(row: z.infer<typeof documentRow>): SearchDocument {
  return {
    id: row.id,
    kind: row.kind,
    ownerUserId: row.owner_user_id,
    slug: row.slug,
    role: row.role,
    title: row.title,
    headline: row.headline,
    tags: row.tags,
    cityCode: row.city_code,
    cityName: row.city_name,
    latitude: row.latitude,
    longitude: row.longitude,
    priceMinCents: row.price_min_cents,
    priceMaxCents: row.price_max_cents,
    currency: row.currency,
    verified: row.verified,
    instantBook: row.instant_book,
    quality: row.quality,
    nsfwBand: row.nsfw_band,
    coverUrl: row.cover_url,
    coverNsfwBand: row.cover_nsfw_band,
    sourceVersion: row.source_version,
    publishedAt: row.published_at,
  };
}

const reindexRunRow = z.object({
  id: z.string(),
  kind: z.enum(['PROFILE', 'STUDIO']),
  cursor_id: z.string().nullable(),
  processed: z.number().int(),
  total: z.number().int(),
  status: z.enum(['RUNNING', 'DONE']),
  started_at: z.date(),
});
export type ReindexRun = z.infer<typeof reindexRunRow>;

/**
 * The query words as a tsquery: each word or one of its synonyms; only the last word typed also as
 * a prefix (search as you type, as Typesense does): a prefix on every word made the GIN index
 * expand each of them and recheck far more rows.
 */
export function toTsQuery(words: SearchQuery['words']): string | null {
  const groups = words
    .map((alternatives) => alternatives.map((word) => word.replace(/[^a-z0-9]/g, '')).filter(Boolean))
    .filter((alternatives) => alternatives.length > 0);
  const terms = groups.map((group, index) => groupTerm(group, index === groups.length - 1, ''));
  return terms.length ? terms.join(' & ') : null;
}

/** One word group as a tsquery term: the word (a prefix when it is the last typed) or a synonym, in the given weights. */
function groupTerm([typed, ...synonyms]: string[], last: boolean, weights: '' | 'A' | 'AB'): string {
  const label = weights ? `:${weights}` : '';
  return `(${[last ? `${typed}:*${weights}` : `${typed}${label}`, ...synonyms.map((word) => `${word}${label}`)].join(' | ')})`;
}

/**
 * Per word group, the same term restricted to the name (weight A) and to name, role, tags or city
 * (A or B): the text relevance scores which field each word was found in, name 1, role/tags/city
 * 0.5, headline 0.25 (Typesense's query_by_weights 4:2:1 in the other adapter), averaged over the
 * words. Two `@@` per word on a row's ~10 lexemes cost a fraction of ts_rank_cd's cover-density
 * walk, which was half of the main query's execution time over ~2,500 candidates.
 */
export function fieldTsQueries(words: SearchQuery['words']): { name: string; tagged: string }[] {
  const groups = words
    .map((alternatives) => alternatives.map((word) => word.replace(/[^a-z0-9]/g, '')).filter(Boolean))
    .filter((alternatives) => alternatives.length > 0);
  return groups.map((group, index) => ({
    name: groupTerm(group, index === groups.length - 1, 'A'),
    tagged: groupTerm(group, index === groups.length - 1, 'AB'),
  }));
}

/** The sphere earthdistance uses (earth(), metres). */
const EARTH_RADIUS_M = 6_378_168;

/**
 * The latitude/longitude box around a circle (a superset: the exact great-circle distance is
 * checked after). Plain column ranges give the planner real estimates from the column statistics,
 * where earth_box's fixed selectivity made it prefer the geo index over far more selective text
 * and city filters. Longitude is unbounded when the circle reaches a pole or crosses ±180°.
 */
export function boundingBox(near: { latitude: number; longitude: number; radiusKm: number }): {
  minLat: number;
  maxLat: number;
  minLng: number | null;
  maxLng: number | null;
} {
  const angle = (near.radiusKm * 1000) / EARTH_RADIUS_M;
  const degrees = (angle * 180) / Math.PI;
  // A hair of slack so that rounding never drops a point on the circle's edge.
  const slack = 1e-6;
  const minLat = near.latitude - degrees - slack;
  const maxLat = near.latitude + degrees + slack;
  const latRad = (near.latitude * Math.PI) / 180;
  if (minLat <= -90 || maxLat >= 90 || Math.sin(angle) >= Math.cos(latRad))
    return { minLat: Math.max(minLat, -90), maxLat: Math.min(maxLat, 90), minLng: null, maxLng: null };
  const lngDegrees = (Math.asin(Math.sin(angle) / Math.cos(latRad)) * 180) / Math.PI + slack;
  const minLng = near.longitude - lngDegrees;
  const maxLng = near.longitude + lngDegrees;
  if (minLng < -180 || maxLng > 180) return { minLat, maxLat, minLng: null, maxLng: null };
  return { minLat, maxLat, minLng, maxLng };
}

/**
 * The great-circle distance in metres (haversine on earthdistance's sphere, so it agrees with
 * earth_box and earth_distance) in plain float8 arithmetic: earth_distance(ll_to_earth(…)) builds
 * two cubes per row and was the largest single cost of ranking ~1,500 candidates.
 */
export function greatCircleSql(lat: string, lng: string): string {
  return `(${2 * EARTH_RADIUS_M}.0::float8 * asin(least(1.0::float8, sqrt(
      power(sin(radians(d.latitude - ${lat}) / 2), 2)
      + cos(radians(${lat})) * cos(radians(d.latitude)) * power(sin(radians(d.longitude - ${lng}) / 2), 2)))))`;
}

/**
 * The same great-circle distance from the unit-sphere columns of search_rank (3110): 2R·asin(chord/2),
 * where the chord is the straight line between the two points on the unit sphere. Mathematically
 * the haversine's value, for three subtractions and multiplications a row instead of six
 * trigonometric calls; the query point's coordinates are computed once, here.
 */
export function chordDistanceSql(point: { x: string; y: string; z: string }): string {
  return `(${2 * EARTH_RADIUS_M}.0::float8 * asin(least(1.0::float8, sqrt(
      (d.unit_x - ${point.x}) * (d.unit_x - ${point.x}) + (d.unit_y - ${point.y}) * (d.unit_y - ${point.y})
      + (d.unit_z - ${point.z}) * (d.unit_z - ${point.z})) / 2.0::float8)))`;
}

/** A point on the unit sphere (the convention of search_rank's unit_x/y/z columns). */
export function unitVector(latitude: number, longitude: number): { x: number; y: number; z: number } {
  const lat = (latitude * Math.PI) / 180;
  const lng = (longitude * Math.PI) / 180;
  return { x: Math.cos(lat) * Math.cos(lng), y: Math.cos(lat) * Math.sin(lng), z: Math.sin(lat) };
}

/**
 * The query words qualified by the city, against search_city_words(city_code, tsv) (3110): the same terms as
 * toTsQuery, each lexeme 'city/word' (quoted: the cast takes it as one lexeme). City codes and words
 * are [a-z0-9-] by then (the input schema and the word filter), so nothing needs escaping.
 */
export function cityTsQuery(city: string, words: SearchQuery['words']): string | null {
  const groups = words
    .map((alternatives) => alternatives.map((word) => word.replace(/[^a-z0-9]/g, '')).filter(Boolean))
    .filter((alternatives) => alternatives.length > 0);
  if (groups.length === 0 || !/^[a-z0-9-]+$/.test(city)) return null;
  const lexeme = (word: string) => `'${city}/${word}'`;
  return groups
    .map(
      ([typed, ...synonyms], index) =>
        `(${[index === groups.length - 1 ? `${lexeme(typed!)}:*` : lexeme(typed!), ...synonyms.map(lexeme)].join(' | ')})`,
    )
    .join(' & ');
}

/** Cities (a small table) and listing names in one statement. */
const SUGGEST_SQL = `(SELECT name AS text, 'CITY' AS kind FROM cities WHERE lower(name) LIKE $1 ORDER BY name LIMIT $2)
       UNION ALL
       (SELECT title, 'LISTING' FROM (
          SELECT DISTINCT ON (lower(title) COLLATE "C") title FROM search_documents
           WHERE nsfw_band = 0 AND lower(title) COLLATE "C" LIKE $1
           ORDER BY lower(title) COLLATE "C" LIMIT $2) t)`;

/** Orders over the ranked candidates' columns (`r.`), so the page is cut before the wide columns are read. */
const ORDER_BY: Record<SearchQuery['sort'], string> = {
  RELEVANCE: 'r.score DESC, r.id',
  PRICE_ASC: 'r.price_min_cents ASC NULLS LAST, r.id',
  PRICE_DESC: 'r.price_max_cents DESC NULLS LAST, r.id',
  NEWEST: 'r.published_at DESC, r.id',
  DISTANCE: 'r.distance_m ASC NULLS LAST, r.id',
};

export class SearchDocumentRepository implements SearchEngine, SearchIndexWriter {
  readonly name = 'postgres' as const;

  /**
   * `preparedStatements`: the search statements run as named prepared statements, so a connection
   * parses each statement shape once, and after five runs PostgreSQL may keep a generic plan
   * (plan_cache_mode auto) that prunes the city partition at run time: measured 25 % less backend
   * CPU per query on the bench mix (5.6 → 4.2 ms). Forcing custom plans kept only ~6 %. The
   * suggestions stay unnamed: a generic plan of `LIKE $1` cannot use the prefix index. Writes and
   * the reindex stay unnamed too.
   */
  constructor(
    private readonly db: Queryable,
    private readonly options: { readonly preparedStatements?: boolean } = {},
  ) {}

  private read<R extends QueryResultRow = QueryResultRow>(sql: string, params: readonly unknown[]) {
    return this.options.preparedStatements
      ? this.db.query<R>(sql, params, { name: statementName('search', sql) })
      : this.db.query<R>(sql, params);
  }

  async upsert(documents: readonly SearchDocument[]): Promise<void> {
    if (documents.length === 0) return;
    const rows = documents.map((d) => ({
      id: d.id,
      kind: d.kind,
      owner_user_id: d.ownerUserId,
      slug: d.slug,
      role: d.role,
      title: d.title,
      headline: d.headline,
      tags: d.tags,
      tags_text: d.tags.join(' '),
      city_code: d.cityCode,
      city_name: d.cityName,
      latitude: d.latitude,
      longitude: d.longitude,
      price_min_cents: d.priceMinCents,
      price_max_cents: d.priceMaxCents,
      currency: d.currency,
      verified: d.verified,
      instant_book: d.instantBook,
      quality: d.quality,
      nsfw_band: d.nsfwBand,
      cover_url: d.coverUrl,
      cover_nsfw_band: d.coverNsfwBand,
      source_version: d.sourceVersion,
      published_at: d.publishedAt.toISOString(),
    }));
    // A redelivered older event never overwrites a newer version of the listing.
    await this.db.query(
      `INSERT INTO search_documents (id, kind, owner_user_id, slug, role, title, headline, tags, tags_text, city_code, city_name,
              latitude, longitude, price_min_cents, price_max_cents, currency, verified, instant_book, quality, nsfw_band,
              cover_url, cover_nsfw_band, source_version, published_at, indexed_at)
       SELECT id, kind, owner_user_id, slug, role, title, headline, tags, tags_text, city_code, city_name,
              latitude, longitude, price_min_cents, price_max_cents, currency, verified, instant_book, quality, nsfw_band,
              cover_url, cover_nsfw_band, source_version, published_at, now()
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, kind text, owner_user_id text, slug text, role text, title text,
              headline text, tags text[], tags_text text, city_code text, city_name text, latitude double precision,
              longitude double precision, price_min_cents integer, price_max_cents integer, currency text, verified boolean,
              instant_book boolean, quality smallint, nsfw_band smallint, cover_url text, cover_nsfw_band smallint,
              source_version integer, published_at timestamptz)
       ON CONFLICT (id) DO UPDATE SET
              owner_user_id = EXCLUDED.owner_user_id, slug = EXCLUDED.slug, role = EXCLUDED.role, title = EXCLUDED.title,
              headline = EXCLUDED.headline, tags = EXCLUDED.tags, tags_text = EXCLUDED.tags_text, city_code = EXCLUDED.city_code,
              city_name = EXCLUDED.city_name, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
              price_min_cents = EXCLUDED.price_min_cents, price_max_cents = EXCLUDED.price_max_cents,
              currency = EXCLUDED.currency, verified = EXCLUDED.verified, instant_book = EXCLUDED.instant_book,
              quality = EXCLUDED.quality, nsfw_band = EXCLUDED.nsfw_band, cover_url = EXCLUDED.cover_url,
              cover_nsfw_band = EXCLUDED.cover_nsfw_band, source_version = EXCLUDED.source_version,
              published_at = EXCLUDED.published_at, indexed_at = now()
        WHERE search_documents.source_version <= EXCLUDED.source_version`,
      [JSON.stringify(rows)],
    );
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query('DELETE FROM search_documents WHERE id = ANY($1)', [ids]);
  }

  async removeOwner(ownerUserId: string): Promise<void> {
    await this.db.query('DELETE FROM search_documents WHERE owner_user_id = $1', [ownerUserId]);
  }

  /** Documents of a kind not written since `before` (a full reindex sweeps them: no longer public). */
  async removeStale(kind: 'PROFILE' | 'STUDIO', before: Date): Promise<number> {
    const result = await this.db.query('DELETE FROM search_documents WHERE kind = $1 AND indexed_at < $2', [
      kind,
      before,
    ]);
    return result.rowCount ?? 0;
  }

  /**
   * Exact words first (the GIN index on the tsvector); only when they find nothing does the query
   * fall back to typo tolerance (trigram word_similarity), as Typesense tries typos only below a
   * result threshold. Computing word_similarity for every candidate row on every query is what
   * made a 100,000-document search take seconds.
   */
  async search(query: SearchQuery): Promise<SearchResult> {
    const tsQuery = query.text ? toTsQuery(query.words) : null;
    if (!query.text || !tsQuery) return this.run(query, { kind: 'none' });
    const exact = await this.run(query, { kind: 'exact', tsQuery });
    if (exact.hits.length > 0) return exact;
    // An empty page after the exact results ran out is the end, not a reason to switch modes.
    if (query.offset > 0 && (await this.anyExact(query, tsQuery))) return exact;
    return this.run(query, { kind: 'typo', text: query.text });
  }

  private async anyExact(query: SearchQuery, tsQuery: string): Promise<boolean> {
    const { sql, params } = this.build({ ...query, offset: 0, limit: 0 }, { kind: 'exact', tsQuery });
    return (await this.read(sql, params)).rows.length > 0;
  }

  private async run(
    query: SearchQuery,
    mode: { kind: 'none' } | { kind: 'exact'; tsQuery: string } | { kind: 'typo'; text: string },
  ): Promise<SearchResult> {
    const { sql, params } = this.build(query, mode);
    const rows = parseRows(hitRow, (await this.read(sql, params)).rows);
    return {
      engine: 'postgres',
      hasMore: rows.length > query.limit,
      hits: rows.slice(0, query.limit).map((row) => ({
        id: row.id,
        kind: row.kind,
        slug: row.slug,
        role: row.role,
        title: row.title,
        headline: row.headline,
        cityCode: row.city_code,
        cityName: row.city_name,
        priceMinCents: row.price_min_cents,
        priceMaxCents: row.price_max_cents,
        currency: row.currency,
        verified: row.verified,
        instantBook: row.instant_book,
        nsfwBand: row.nsfw_band,
        coverUrl: row.cover_url,
        coverNsfwBand: row.cover_nsfw_band,
        distanceKm: row.distance_m === null ? null : row.distance_m / 1000,
        score: row.score,
      })),
    };
  }

  /**
   * Three layers, each doing the least work it can:
   *  1. candidates: the filters only, on index-friendly predicates (GIN tsvector, btree city/role/
   *     price, lat/lng box or, for a radius alone, the GiST earth box), reading narrow columns and
   *     computing the text rank and the distance once per row (OFFSET 0 keeps PostgreSQL from
   *     inlining the subquery and evaluating earth_distance again for the filter, the score and
   *     the output);
   *  2. ranked: the exact radius, the blended score, the sort and the page (LIMIT);
   *  3. the page's display columns, read by primary key for those rows only.
   */
  private build(
    query: SearchQuery,
    mode: { kind: 'none' } | { kind: 'exact'; tsQuery: string } | { kind: 'typo'; text: string },
  ): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    // Safe-Mode: never anything with a band above 0, whatever else the query says.
    const where = ['d.nsfw_band = 0'];
    let textRank = '0';
    // Exact words score text relevance and full marks for spelling; typo matches their similarity only.
    let textScore = '0';
    // Exact words and plain filters read the narrow, city-partitioned ranking projection
    // (search_rank, db/migrations/2300_search_rank.sql) and its derived columns (3110); typo
    // tolerance needs the documents' words.
    const onRank = mode.kind !== 'typo';
    if (mode.kind === 'exact') {
      const cityWords = query.city ? cityTsQuery(query.city, query.words) : null;
      // With a city, the city-qualified words: one posting list per word, not the word's intersected
      // with every row of the city.
      if (cityWords) where.push(`search_city_words(d.city_code, d.tsv) @@ ${p(cityWords)}::tsquery`);
      else where.push(`d.tsv @@ to_tsquery('simple', ${p(mode.tsQuery)})`);
      const fields = fieldTsQueries(query.words);
      textRank = `(${fields
        .map(
          (f) =>
            `CASE WHEN d.tsv @@ ${p(f.name)}::tsquery THEN 1.0::float8 WHEN d.tsv @@ ${p(f.tagged)}::tsquery THEN 0.5::float8 ELSE 0.25::float8 END`,
        )
        .join(' + ')}) / ${fields.length}.0::float8`;
      textScore = `${W.text}::float8 * c.text_rank + ${W.typo}::float8`;
    } else if (mode.kind === 'typo') {
      const text = p(mode.text);
      where.push(`${text} <% d.search_text`);
      textRank = `word_similarity(${text}, d.search_text)`;
      textScore = `${W.typo}::float8 * c.text_rank`;
    }
    if (query.city) where.push(`d.city_code = ${p(query.city)}`);
    if (query.role) where.push(`d.role = ${p(query.role)}`);
    if (query.priceMinCents !== null) where.push(`d.price_max_cents >= ${p(query.priceMinCents)}`);
    if (query.priceMaxCents !== null) where.push(`d.price_min_cents <= ${p(query.priceMaxCents)}`);
    if (query.currency !== null) where.push(`d.currency = ${p(query.currency)}`);
    if (query.verifiedOnly) where.push('d.verified');
    if (query.instantBookOnly) where.push('d.instant_book');
    let distance = 'NULL::float8';
    let within = 'true';
    let proximity = '0';
    if (query.near) {
      // Bound once, and only when a predicate uses them (a parameter no statement text names has no type).
      let latLng: { lat: string; lng: string } | undefined;
      const point = () =>
        (latLng ??= { lat: `${p(query.near!.latitude)}::float8`, lng: `${p(query.near!.longitude)}::float8` });
      const radius = `${p(query.near.radiusKm * 1000)}::float8`;
      where.push('d.latitude IS NOT NULL AND d.longitude IS NOT NULL');
      if (mode.kind === 'none' && !query.city) {
        // The radius is the most selective filter: the GiST index on ll_to_earth answers the cube.
        const { lat, lng } = point();
        where.push(`earth_box(ll_to_earth(${lat}, ${lng}), ${radius}) @> ll_to_earth(d.latitude, d.longitude)`);
      } else {
        const box = boundingBox(query.near);
        where.push(`d.latitude BETWEEN ${p(box.minLat)}::float8 AND ${p(box.maxLat)}::float8`);
        if (box.minLng !== null && box.maxLng !== null)
          where.push(`d.longitude BETWEEN ${p(box.minLng)}::float8 AND ${p(box.maxLng)}::float8`);
      }
      if (onRank) {
        const unit = unitVector(query.near.latitude, query.near.longitude);
        distance = chordDistanceSql({
          x: `${p(unit.x)}::float8`,
          y: `${p(unit.y)}::float8`,
          z: `${p(unit.z)}::float8`,
        });
      } else distance = greatCircleSql(point().lat, point().lng);
      within = `c.distance_m <= ${radius}`;
      proximity = `(1 - least(c.distance_m / ${radius}, 1))`;
    }
    // All float8: numeric arithmetic (a float times a decimal literal, extract()'s numeric, exp of
    // a numeric) cost more per candidate row than the text rank itself. Freshness reads a float8
    // epoch: stored in search_rank (3110), since date_part on a timestamptz computes a numeric per
    // row; the scalar subquery reads now() once per statement, not once per row.
    const score = `${textScore} + ${W.proximity}::float8 * ${proximity} + ${W.verified}::float8 * c.verified::int
      + ${W.quality}::float8 * c.quality / 100.0::float8
      + ${W.freshness}::float8 * exp((c.published_epoch - (SELECT date_part('epoch', now()))) / ${86_400 * FRESHNESS_HALF_DAYS}.0::float8)`;
    const candidates = onRank ? 'search_rank' : 'search_documents';
    const publishedEpoch = onRank ? 'd.published_epoch' : `date_part('epoch', d.published_at)`;
    const sql = `
      SELECT d.id, d.kind, d.slug, d.role, d.title, d.headline, d.city_code, d.city_name, d.price_min_cents,
             d.price_max_cents, d.currency::text AS currency, d.verified, d.instant_book, d.nsfw_band, d.cover_url,
             d.cover_nsfw_band, r.distance_m, r.score
        FROM (
          SELECT c.id, c.price_min_cents, c.price_max_cents, c.published_at, c.distance_m,
                 (${score})::float8 AS score
            FROM (
              SELECT d.id, d.verified, d.quality, d.published_at, ${publishedEpoch} AS published_epoch, d.price_min_cents, d.price_max_cents,
                     (${textRank})::float8 AS text_rank, ${distance} AS distance_m
                FROM ${candidates} d
               WHERE ${where.join(' AND ')}
              OFFSET 0) c
           WHERE ${within}
           ORDER BY ${ORDER_BY[query.sort].replaceAll('r.', '')}
           LIMIT ${p(query.limit + 1)} OFFSET ${p(query.offset)}) r
        JOIN search_documents d ON d.id = r.id
       WHERE d.nsfw_band = 0
       ORDER BY ${ORDER_BY[query.sort]}`;
    return { sql, params };
  }

  /**
   * Names starting with the prefix, in name order, distinct: an ordered scan of the C-collation
   * index on lower(title) that stops after `limit` names; plus matching city names.
   */
  async suggest(prefix: string, limit: number): Promise<SearchSuggestion[]> {
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // One round trip: the cities (a small table) and the listing names in one statement.
    const { rows } = await this.db.query<{ text: string; kind: 'CITY' | 'LISTING' }>(SUGGEST_SQL, [pattern, limit]);
    const cities = rows.filter((row) => row.kind === 'CITY');
    const listings = rows.filter((row) => row.kind === 'LISTING');
    return [
      ...cities.map((row) => ({ text: row.text, kind: 'CITY' as const })),
      ...listings.map((row) => ({ text: row.text, kind: 'LISTING' as const })),
    ];
  }

  // ---- the Typesense reindex's source (typesense-reindex.ts) ----------------------------------------

  async now(): Promise<Date> {
    const { rows } = await this.db.query<{ now: Date }>('SELECT now() AS now');
    return rows[0]!.now;
  }

  async documentsAfter(afterId: string | null, limit: number): Promise<SearchDocument[]> {
    const { rows } = await this.db.query(
      `SELECT ${DOCUMENT_COLUMNS} FROM search_documents WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return parseRows(documentRow, rows).map(toDocument);
  }

  async documentsChangedSince(since: Date, afterId: string | null, limit: number): Promise<SearchDocument[]> {
    const { rows } = await this.db.query(
      `SELECT ${DOCUMENT_COLUMNS} FROM search_documents
        WHERE indexed_at >= $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [since, afterId, limit],
    );
    return parseRows(documentRow, rows).map(toDocument);
  }

  async existingIds(ids: readonly string[]): Promise<ReadonlySet<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.db.query<{ id: string }>('SELECT id FROM search_documents WHERE id = ANY($1)', [ids]);
    return new Set(rows.map((row) => row.id));
  }

  // ---- full reindex runs --------------------------------------------------------------------------

  async startOrResumeRun(id: string, kind: 'PROFILE' | 'STUDIO', total: number): Promise<ReindexRun> {
    const result = await this.db.query(
      `INSERT INTO search_reindex_runs (id, kind, total) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET total = EXCLUDED.total, updated_at = now()
       RETURNING id, kind, cursor_id, processed, total, status, started_at`,
      [id, kind, total],
    );
    return parseRows(reindexRunRow, result.rows)[0]!;
  }

  async advanceRun(id: string, cursorId: string, processed: number): Promise<void> {
    await this.db.query(
      'UPDATE search_reindex_runs SET cursor_id = $2, processed = processed + $3, updated_at = now() WHERE id = $1',
      [id, cursorId, processed],
    );
  }

  async finishRun(id: string): Promise<void> {
    await this.db.query("UPDATE search_reindex_runs SET status = 'DONE', updated_at = now() WHERE id = $1", [id]);
  }
}

export type SearchDocumentStore = PortOf<SearchDocumentRepository>;
