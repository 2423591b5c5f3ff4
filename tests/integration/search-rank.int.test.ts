/**
 * The ranking projection (search_rank, db/migrations/2300_search_rank.sql) on the local stack's real
 * PostgreSQL, as the search role:
 *  - it follows every write to search_documents (insert, newer version moving a listing to another
 *    city partition, an older version ignored, delete, erasure by owner), because a trigger and a
 *    cascading foreign key keep it, not the code;
 *  - over random documents and filters, the engine's answer (which reads the projection) is exactly
 *    the documents a brute-force filter over the inputs keeps, with the same great-circle distances
 *    as earthdistance's earth_distance.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { SearchDocumentRepository, toTsQuery } from '../../lambdas/search/search-document.repository.ts';
import type { SearchDocument, SearchQuery } from '../../lambdas/search/search.port.ts';
import { documentArbitrary } from '../../lambdas/search/testing/search-arbitraries.ts';
import { expandWord } from '../../lambdas/search/synonyms.ts';
import { stackInfo } from '../support/clients.ts';

let db: Database;

beforeAll(() => {
  const connection = databaseConnection('search', { DATABASE_URL: stackInfo().endpoints.databaseUrl });
  if (connection.kind !== 'url') throw new Error('expected a local URL connection');
  db = createDatabase({ connectionString: connection.connectionString, max: 2 });
});
afterAll(async () => {
  await db.query(`DELETE FROM search_documents WHERE owner_user_id LIKE 'usr\\_rk%'`);
  await db.close();
});

async function rankRow(id: string) {
  const { rows } = await db.query<{ city_code: string; price_min_cents: number | null; verified: boolean }>(
    'SELECT city_code, price_min_cents, verified FROM search_rank WHERE id = $1',
    [id],
  );
  return rows;
}

/** earthdistance's sphere, metres: the reference the engine must agree with. */
async function earthDistances(near: { latitude: number; longitude: number }, docs: readonly SearchDocument[]) {
  const { rows } = await db.query<{ id: string; m: number }>(
    `SELECT d.id, earth_distance(ll_to_earth($1, $2), ll_to_earth(d.latitude, d.longitude)) AS m
       FROM jsonb_to_recordset($3::jsonb) AS d(id text, latitude float8, longitude float8)`,
    [
      near.latitude,
      near.longitude,
      JSON.stringify(docs.map((d) => ({ id: d.id, latitude: d.latitude, longitude: d.longitude }))),
    ],
  );
  return new Map(rows.map((row) => [row.id, row.m]));
}

describe('search ranking projection (search_rank)', () => {
  it('follows inserts, newer versions across cities, older versions, deletes and erasure', async () => {
    const repository = new SearchDocumentRepository(db);
    const [base] = fc.sample(documentArbitrary('rk'), { numRuns: 1, seed: 7 });
    const doc: SearchDocument = { ...base!, id: 'prf_rkfollow1', ownerUserId: 'usr_rkfollow', nsfwBand: 0 };
    await repository.upsert([doc]);
    expect(await rankRow(doc.id)).toEqual([
      { city_code: doc.cityCode, price_min_cents: doc.priceMinCents, verified: doc.verified },
    ]);

    // A newer version in another city (another partition) replaces the row; no city is stored as ''.
    await repository.upsert([{ ...doc, cityCode: null, verified: !doc.verified, sourceVersion: 2 }]);
    expect(await rankRow(doc.id)).toEqual([
      { city_code: '', price_min_cents: doc.priceMinCents, verified: !doc.verified },
    ]);
    // A redelivered older version changes nothing, here or in the documents.
    await repository.upsert([{ ...doc, cityCode: 'zz-older', sourceVersion: 1 }]);
    expect(await rankRow(doc.id)).toEqual([
      { city_code: '', price_min_cents: doc.priceMinCents, verified: !doc.verified },
    ]);

    await repository.remove([doc.id]);
    expect(await rankRow(doc.id)).toEqual([]);

    await repository.upsert([
      { ...doc, id: 'prf_rkfollow2' },
      { ...doc, id: 'std_rkfollow3', kind: 'STUDIO' },
    ]);
    expect((await rankRow('prf_rkfollow2')).length + (await rankRow('std_rkfollow3')).length).toBe(2);
    await repository.removeOwner('usr_rkfollow');
    expect([...(await rankRow('prf_rkfollow2')), ...(await rankRow('std_rkfollow3'))]).toEqual([]);
  });

  it('ranks a word found in the name above role/tags/city above the headline, others equal (prepared statements)', async () => {
    const repository = new SearchDocumentRepository(db, { preparedStatements: true });
    const [base] = fc.sample(documentArbitrary('rk'), { numRuns: 1, seed: 11 });
    const city = `zz-rkfield-${Date.now().toString(36)}`;
    const common: SearchDocument = {
      ...base!,
      ownerUserId: 'usr_rkfield',
      role: 'PHOTOGRAPHER',
      title: 'Lee Morgan',
      headline: 'Weekend sessions',
      tags: ['film'],
      cityCode: city,
      cityName: 'Fieldtown',
      latitude: 10,
      longitude: 10,
      priceMinCents: 1_000,
      priceMaxCents: 2_000,
      verified: false,
      instantBook: false,
      quality: 50,
      nsfwBand: 0,
      coverUrl: null,
      coverNsfwBand: null,
      publishedAt: new Date('2026-11-01T00:00:00Z'),
    };
    // 'quartz' is its own stem in the english headline configuration too.
    const docs: SearchDocument[] = [
      { ...common, id: 'prf_rkfieldc', slug: 'rkfield-c', headline: 'Quartz light sessions' },
      { ...common, id: 'prf_rkfieldb', slug: 'rkfield-b', tags: ['film', 'quartz'] },
      { ...common, id: 'prf_rkfielda', slug: 'rkfield-a', title: 'Quartz Morgan' },
      { ...common, id: 'prf_rkfieldz', slug: 'rkfield-z' },
    ];
    await repository.upsert(docs);
    try {
      const query: SearchQuery = {
        words: [['quartz']],
        text: 'quartz',
        city,
        role: null,
        priceMinCents: null,
        priceMaxCents: null,
        currency: null,
        near: null,
        verifiedOnly: false,
        instantBookOnly: false,
        sort: 'RELEVANCE',
        offset: 0,
        limit: 10,
      };
      // More than five runs: PostgreSQL may switch a prepared statement to its generic plan after five.
      for (let i = 0; i < 8; i++) {
        const result = await repository.search(query);
        expect(result.hits.map((hit) => hit.id)).toEqual(['prf_rkfielda', 'prf_rkfieldb', 'prf_rkfieldc']);
        const [name, tagged, headline] = result.hits.map((hit) => hit.score);
        // 0.4 × (1 − 0.5) and 0.4 × (0.5 − 0.25) apart: the field weights, nothing else differs.
        expect(name! - tagged!).toBeCloseTo(0.2, 6);
        expect(tagged! - headline!).toBeCloseTo(0.1, 6);
      }
    } finally {
      await repository.removeOwner('usr_rkfield');
    }
  });

  it('answers exactly what a brute-force filter keeps, with earth_distance distances (property)', async () => {
    // Prepared statements, so the runs past the fifth may use PostgreSQL's generic plan (runtime pruning).
    const repository = new SearchDocumentRepository(db, { preparedStatements: true });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(documentArbitrary('rk'), { minLength: 1, maxLength: 30, selector: (d) => d.id }),
        fc.record({
          city: fc.boolean(),
          radiusKm: fc.integer({ min: 1, max: 60 }),
          price: fc.option(fc.tuple(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 50_000 }))),
          currency: fc.option(fc.constantFrom('USD', 'EUR')),
          verifiedOnly: fc.boolean(),
          instantBookOnly: fc.boolean(),
          sort: fc.constantFrom<SearchQuery['sort']>('RELEVANCE', 'DISTANCE', 'PRICE_ASC', 'NEWEST'),
        }),
        async (generated, filters) => {
          run += 1;
          // A city of this run only, so other tests' documents never enter the comparison.
          const city = `zz-rk${run}-${Date.now().toString(36)}`;
          const docs = generated.map((d) => ({
            ...d,
            id: `${d.id}r${run}`,
            slug: `${d.slug}-r${run}`,
            ownerUserId: `usr_rk${run}`,
            cityCode: city,
          }));
          const centre = { latitude: docs[0]!.latitude!, longitude: docs[0]!.longitude! };
          const [low, high] = filters.price ? [Math.min(...filters.price), Math.max(...filters.price)] : [null, null];
          const query: SearchQuery = {
            words: [],
            text: null,
            city,
            role: null,
            priceMinCents: low,
            priceMaxCents: high,
            currency: filters.currency,
            near: { ...centre, radiusKm: filters.radiusKm },
            verifiedOnly: filters.verifiedOnly,
            instantBookOnly: filters.instantBookOnly,
            sort: filters.sort,
            offset: 0,
            limit: 100,
          };
          await repository.upsert(docs);
          try {
            const distances = await earthDistances(centre, docs);
            const expected = docs.filter(
              (d) =>
                d.nsfwBand === 0 &&
                (low === null || (d.priceMaxCents !== null && d.priceMaxCents >= low)) &&
                (high === null || (d.priceMinCents !== null && d.priceMinCents <= high)) &&
                (filters.currency === null || d.currency === filters.currency) &&
                (!filters.verifiedOnly || d.verified) &&
                (!filters.instantBookOnly || d.instantBook) &&
                distances.get(d.id)! <= filters.radiusKm * 1000 - 0.01,
            );
            const result = await repository.search(query);
            const got = new Set(result.hits.map((hit) => hit.id));
            for (const d of expected) expect(got.has(d.id), d.id).toBe(true);
            // Nothing outside the filters (a point within 1 cm of the circle may go either way).
            for (const hit of result.hits) {
              const source = docs.find((d) => d.id === hit.id)!;
              expect(source.nsfwBand).toBe(0);
              if (filters.currency) expect(source.currency).toBe(filters.currency);
              expect(distances.get(hit.id)!).toBeLessThanOrEqual(filters.radiusKm * 1000 + 0.01);
              expect(Math.abs(hit.distanceKm! * 1000 - distances.get(hit.id)!)).toBeLessThan(0.001);
            }
            if (filters.sort === 'DISTANCE') {
              const order = result.hits.map((hit) => hit.distanceKm!);
              expect(order).toEqual([...order].sort((a, b) => a - b));
            }
          } finally {
            await repository.removeOwner(`usr_rk${run}`);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
  it('typo matching through the city + trigram index (3170) answers exactly what a scan without indexes does (property)', async () => {
    const repository = new SearchDocumentRepository(db);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(documentArbitrary('rt'), { minLength: 1, maxLength: 30, selector: (d) => d.id }),
        // A word of the documents with one letter changed (or a stranger), so the exact words match nothing.
        fc.tuple(fc.nat(), fc.nat({ max: 11 }), fc.constantFrom('x', 'q', 'z')),
        fc.record({
          city: fc.constantFrom('run', 'other', 'none'),
          price: fc.option(fc.tuple(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 50_000 }))),
          role: fc.option(fc.constantFrom<NonNullable<SearchQuery['role']>>('MODEL', 'PHOTOGRAPHER', 'STUDIO')),
          near: fc.boolean(),
        }),
        async (generated, [pick, at, letter], filters) => {
          run += 1;
          const city = `zz-rt${run}-${Date.now().toString(36)}`;
          const owner = `usr_rt${run}`;
          const docs = generated.map((d) => ({
            ...d,
            id: `${d.id}t${run}`,
            slug: `${d.slug}-t${run}`,
            ownerUserId: owner,
            cityCode: city,
          }));
          const vocabulary = docs.flatMap((d) => d.title.split(' '));
          const word = vocabulary[pick % vocabulary.length]!;
          const typed = `${word.slice(0, at)}${letter}${word.slice(at + 1)}`.toLowerCase();
          const [low, high] = filters.price ? [Math.min(...filters.price), Math.max(...filters.price)] : [null, null];
          const query: SearchQuery = {
            words: [expandWord(typed)],
            text: typed,
            // 'none': across every city (the index's trigram column alone); 'other': a city with no documents.
            city: filters.city === 'run' ? city : filters.city === 'other' ? `${city}-none` : null,
            role: filters.role,
            priceMinCents: low,
            priceMaxCents: high,
            currency: null,
            near: filters.near ? { latitude: docs[0]!.latitude!, longitude: docs[0]!.longitude!, radiusKm: 40 } : null,
            verifiedOnly: false,
            instantBookOnly: false,
            sort: 'RELEVANCE',
            offset: 0,
            limit: 100,
          };
          await repository.upsert(docs);
          try {
            // The reference: the same engine and statements in a transaction where the planner may use no index.
            const reference = await db.transaction(async (tx) => {
              await tx.query('SET LOCAL enable_indexscan = off');
              await tx.query('SET LOCAL enable_bitmapscan = off');
              await tx.query('SET LOCAL enable_indexonlyscan = off');
              return new SearchDocumentRepository(tx).search(query);
            });
            const result = await repository.search(query);
            // The index itself: the city + trigram candidates through it (the only index with these
            // conditions; bitmap scans only) are exactly what a scan finds.
            const candidates = async (settings: string[]) =>
              db.transaction(async (tx) => {
                for (const setting of settings) await tx.query(`SET LOCAL ${setting}`);
                const sql = `SELECT id FROM search_documents WHERE ${query.city ? 'city_code = $2 AND ' : ''}$1 <% search_text ORDER BY id`;
                const params = query.city ? [typed, query.city] : [typed];
                const plan = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
                const rows = await tx.query<{ id: string }>(sql, params);
                return {
                  viaIndex: plan.rows.some((row) => row['QUERY PLAN'].includes('search_documents_city_trgm_idx')),
                  ids: rows.rows.map((row) => row.id).filter((id) => docs.some((d) => d.id === id)),
                };
              });
            const indexed = await candidates(['enable_seqscan = off', 'enable_indexscan = off']);
            const scanned = await candidates(['enable_indexscan = off', 'enable_bitmapscan = off']);
            expect(indexed.viaIndex).toBe(true);
            expect(scanned.viaIndex).toBe(false);
            expect(indexed.ids).toEqual(scanned.ids);
            // Only this run's documents: a query without a city may also find other tests' (written meanwhile).
            const mine = (hits: typeof result.hits) => hits.filter((hit) => docs.some((d) => d.id === hit.id));
            expect(mine(result.hits).map((hit) => hit.id)).toEqual(mine(reference.hits).map((hit) => hit.id));
            // The freshness term reads now(), the transaction's start: the two answers are a few ms apart.
            mine(result.hits).forEach((hit, i) => expect(hit.score).toBeCloseTo(mine(reference.hits)[i]!.score, 9));
          } finally {
            await repository.removeOwner(owner);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
  it('with words and a city, finds exactly what the words match in that city (the city-qualified index, 3110) (property)', async () => {
    const repository = new SearchDocumentRepository(db);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(documentArbitrary('rw'), { minLength: 1, maxLength: 30, selector: (d) => d.id }),
        // Words typed: from the documents' own words, whole or cut to a prefix (the last one is a prefix match).
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 2 }),
        async (generated, picks) => {
          run += 1;
          const city = `zz-rw${run}-${Date.now().toString(36)}`;
          const docs = generated.map((d) => ({
            ...d,
            id: `${d.id}w${run}`,
            slug: `${d.slug}-w${run}`,
            ownerUserId: `usr_rw${run}`,
            cityCode: city,
          }));
          const vocabulary = docs.flatMap((d) => [...d.title.split(' '), ...d.tags]);
          const typed = picks.map(([doc, word, length]) =>
            vocabulary[(doc + word) % vocabulary.length]!.slice(0, length),
          );
          const text = typed.join(' ').toLowerCase();
          const words = text.split(' ').map(expandWord);
          await repository.upsert(docs);
          try {
            // The reference: the documents' own tsvector, matched in the city with the plain predicate.
            const { rows } = await db.query<{ id: string }>(
              `SELECT id FROM search_documents
                WHERE city_code = $1 AND nsfw_band = 0 AND tsv @@ to_tsquery('simple', $2)`,
              [city, toTsQuery(words)],
            );
            const result = await repository.search({
              words,
              text,
              city,
              role: null,
              priceMinCents: null,
              priceMaxCents: null,
              currency: null,
              near: null,
              verifiedOnly: false,
              instantBookOnly: false,
              sort: 'RELEVANCE',
              offset: 0,
              limit: 100,
            });
            // Nothing matched exactly: the engine tried typos instead (another path, not this one's).
            if (rows.length === 0) return;
            expect(result.hits.map((hit) => hit.id).sort()).toEqual(rows.map((row) => row.id).sort());
          } finally {
            await repository.removeOwner(`usr_rw${run}`);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
