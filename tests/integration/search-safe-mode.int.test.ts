/**
 * Safe-Mode on the PostgreSQL engine (the local default and the AWS fallback), on the local stack's
 * real PostgreSQL as the search role: over random documents (every NSFW band, covers of every band
 * and off the public CDN) and random filters, no NSFW item or URL is ever returned, neither by the
 * engine's SQL nor through the service. The Typesense side of the same property runs in
 * lambdas/search/typesense-search.adapter.test.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { DynamoDbRateLimiter } from '../../lambdas/adapters/dynamodb-rate-limiter.ts';
import { ManualClock } from '../../lambdas/core/clock.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { SearchDocumentRepository } from '../../lambdas/search/search-document.repository.ts';
import { SearchService } from '../../lambdas/search/search.service.ts';
import {
  documentsArbitrary,
  isEvenId,
  ParityAvailability,
  PUBLIC_MEDIA,
  queryArbitrary,
} from '../../lambdas/search/testing/search-arbitraries.ts';
import { controlTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { randomLoopbackIp } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';

let db: Database;
let dynamo: DynamoDBDocumentClient;

beforeAll(() => {
  const connection = databaseConnection('search', { DATABASE_URL: stackInfo().endpoints.databaseUrl });
  if (connection.kind !== 'url') throw new Error('expected a local URL connection');
  db = createDatabase({ connectionString: connection.connectionString, max: 2 });
  dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stackInfo().endpoints.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
});
afterAll(async () => {
  await db.query(`DELETE FROM search_documents WHERE owner_user_id LIKE 'usr\\_sm%'`);
  await db.close();
  dynamo.destroy();
});

describe('Safe-Mode (PostgreSQL engine)', () => {
  it('never returns an item with nsfwBand > 0 or a non-SFW media URL, whatever the filters (property)', async () => {
    const repository = new SearchDocumentRepository(db);
    const availability = new ParityAvailability();
    const service = new SearchService(
      repository,
      { mediaPublicBaseUrl: PUBLIC_MEDIA, cacheMs: 0 },
      new ManualClock(),
      availability,
      // The window-search buckets in DynamoDB Local, as in the Lambda; each run searches from its own IP.
      new DynamoDbRateLimiter(dynamo, physicalTableName('local', controlTable)),
    );
    let run = 0;
    let nsfwSeen = 0;
    await fc.assert(
      fc.asyncProperty(documentsArbitrary('sm'), queryArbitrary, async (documents, input) => {
        run += 1;
        const owner = `usr_sm${run}`;
        const scoped = documents.map((d) => ({
          ...d,
          id: `${d.id}x${run}`,
          slug: `${d.slug}-${run}`,
          ownerUserId: owner,
        }));
        nsfwSeen += scoped.filter((d) => d.nsfwBand > 0).length;
        await repository.upsert(scoped);
        try {
          // A profile and a studio may share a slug (different public paths): key by both.
          const bySlug = new Map(scoped.map((d) => [`${d.kind} ${d.slug}`, d]));
          const page = await service.search(input, { kind: 'public', ip: randomLoopbackIp() });
          for (const item of page.items) {
            const source = bySlug.get(`${item.kind} ${item.slug}`);
            if (!source) continue; // another test's document: published through the real pipeline
            expect(source.nsfwBand).toBe(0);
            // The price band in the listing's currency, and the availability window, hold too.
            if (input.currency) expect(source.currency).toBe(input.currency.toUpperCase());
            if (input.available) expect(isEvenId(source.id)).toBe(true);
            if (item.coverUrl !== null) {
              expect(source.coverNsfwBand).toBe(0);
              expect(item.coverUrl.startsWith(`${PUBLIC_MEDIA}/`)).toBe(true);
            }
          }
          // Booking's port is only ever asked about Safe-Mode listings.
          const nsfwIds = new Set(scoped.filter((d) => d.nsfwBand > 0).map((d) => d.id));
          expect(availability.asked.filter((id) => nsfwIds.has(id))).toEqual([]);
          // The engine alone (no service check): its WHERE clause holds Safe-Mode by itself.
          const raw = await repository.search({
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
          await repository.removeOwner(owner);
        }
      }),
      { numRuns: 80 },
    );
    expect(nsfwSeen).toBeGreaterThan(0);
  }, 180_000);
});
