/**
 * The local gateway's emulation of AppSync's per-resolver cache, on the real merged schema with the
 * one definition of cached reads (infra/definitions/domains.ts) and the real eviction resolver code
 * (infra/definitions/appsync-cache-eviction.js). The domain Lambdas are replaced by a counting
 * dispatcher: what is measured is when the gateway calls a Lambda and when it answers from the cache.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { cachedReads } from '../../definitions/domains.ts';
import { EVICT_BOOKING_TERMS } from '../../../lambdas/adapters/appsync-terms-eviction.ts';
import { ApiCache, ApiCacheKeyMismatch } from './api-cache.ts';
import { buildGatewaySchema, createGraphqlGateway } from './graphql-gateway.ts';

const credentials = { LOCALKEY: 'local-secret' };
const PAGE = 'query($slug: String!) { publicProfile(slug: $slug) { slug displayName } }';
const STUDIO = 'query($slug: String!) { publicStudio(slug: $slug) { slug name } }';
const EVICT =
  'mutation($kind: PublicListingKind!, $slug: String!) { evictPublicListing(kind: $kind, slug: $slug) { kind slug } }';

/** Signed as a Lambda signs (the AWS SDK's SigV4 signer, service appsync): the AWS_IAM mode. */
function signedAsLambda(gateway: ReturnType<typeof createGraphqlGateway>) {
  return async (query: string, variables: Record<string, unknown>) => {
    const body = JSON.stringify({ query, variables });
    const signer = new SignatureV4({
      service: 'appsync',
      region: 'us-east-1',
      credentials: { accessKeyId: 'LOCALKEY', secretAccessKey: 'local-secret' },
      sha256: Sha256,
    });
    const request = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      port: 4000,
      path: '/graphql',
      headers: { host: 'localhost:4000', 'content-type': 'application/json' },
      body,
    });
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return JSON.parse((await gateway.handle(body, headers)).body) as {
      data: Record<string, any> | null;
      errors?: Record<string, unknown>[];
    };
  };
}

function setup() {
  const calls: string[] = [];
  let now = Date.parse('2026-12-01T12:00:00Z');
  let version = 1;
  const gateway = createGraphqlGateway({
    stage: 'test',
    isValidApiKey: (key) => key === 'da2-test',
    verifyToken: async (token) => ({ sub: token, issuer: 'https://issuer.test', claims: {} }),
    iamCredentials: credentials,
    nowMs: () => now,
    dispatch: async (_domain, event) => {
      const slug = String(event.arguments.slug ?? event.arguments.id);
      calls.push(`${event.info.fieldName}:${slug}`);
      if (slug === 'gone') return { error: { errorType: 'NOT_FOUND', message: 'Profile not found' } };
      const name = `${slug} v${version}`;
      return {
        data:
          event.info.fieldName === 'publicStudio'
            ? { slug, name }
            : { id: slug, slug, displayName: name, status: 'PUBLISHED' },
      };
    },
  });
  const post = async (headers: Record<string, string>, query: string, variables: Record<string, unknown>) => {
    const answer = await gateway.handle(JSON.stringify({ query, variables }), headers);
    return JSON.parse(answer.body) as { data: Record<string, any> | null; errors?: Record<string, unknown>[] };
  };
  const apiKey = { 'content-type': 'application/json', 'x-api-key': 'da2-test' };
  const user = { 'content-type': 'application/json', authorization: 'user-1' };
  const asLambda = signedAsLambda(gateway);
  return {
    calls,
    post,
    apiKey,
    user,
    asLambda,
    advance: (ms: number) => (now += ms),
    change: () => (version += 1),
  };
}

describe('AppSync per-resolver cache (local emulation)', () => {
  it('answers a public page from the cache, keyed by its arguments and shared by every caller', async () => {
    const { calls, post, apiKey, user, change } = setup();
    const first = await post(apiKey, PAGE, { slug: 'ana' });
    expect(first.data?.publicProfile).toEqual({ slug: 'ana', displayName: 'ana v1' });
    change();
    // Same slug: the cached answer, whoever asks (the caching key is the slug alone).
    expect((await post(apiKey, PAGE, { slug: 'ana' })).data?.publicProfile.displayName).toBe('ana v1');
    expect((await post(user, PAGE, { slug: 'ana' })).data?.publicProfile.displayName).toBe('ana v1');
    // Another slug, and another cached field with the same argument value, are other entries.
    expect((await post(apiKey, PAGE, { slug: 'bo' })).data?.publicProfile.displayName).toBe('bo v2');
    expect((await post(apiKey, STUDIO, { slug: 'ana' })).data?.publicStudio.name).toBe('ana v2');
    expect(calls).toEqual(['publicProfile:ana', 'publicProfile:bo', 'publicStudio:ana']);
  });

  it('keeps an answer for the TTL of cachedReads, then asks the Lambda again', async () => {
    const { calls, post, apiKey, advance } = setup();
    await post(apiKey, PAGE, { slug: 'ana' });
    advance(cachedReads['Query.publicProfile']!.ttlSeconds * 1000 - 1);
    await post(apiKey, PAGE, { slug: 'ana' });
    expect(calls).toHaveLength(1);
    advance(1);
    await post(apiKey, PAGE, { slug: 'ana' });
    expect(calls).toHaveLength(2);
  });

  it('never keeps an error (an unpublished page is NOT_FOUND until published, not for a TTL)', async () => {
    const { calls, post, apiKey } = setup();
    for (let i = 0; i < 2; i++) {
      const answer = await post(apiKey, PAGE, { slug: 'gone' });
      expect(answer.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
    }
    expect(calls).toEqual(['publicProfile:gone', 'publicProfile:gone']);
  });

  it('never caches a field outside cachedReads (signed-in reads such as myProfile)', async () => {
    const { calls, post, user, change } = setup();
    const query = 'query($id: ID!) { myProfile(id: $id) { displayName } }';
    expect((await post(user, query, { id: 'prf_1' })).data?.myProfile.displayName).toBe('prf_1 v1');
    change();
    expect((await post(user, query, { id: 'prf_1' })).data?.myProfile.displayName).toBe('prf_1 v2');
    expect(calls).toEqual(['myProfile:prf_1', 'myProfile:prf_1']);
    expect(Object.keys(cachedReads)).not.toContain('Query.myProfile');
  });

  it('evicts through evictPublicListing (AWS_IAM, the real APPSYNC_JS code): the next read asks the Lambda at once', async () => {
    const { calls, post, apiKey, asLambda, change } = setup();
    await post(apiKey, PAGE, { slug: 'ana' });
    await post(apiKey, STUDIO, { slug: 'ana' });
    change();
    const evicted = await asLambda(EVICT, { kind: 'PROFILE', slug: 'ana' });
    expect(evicted).toEqual({ data: { evictPublicListing: { kind: 'PROFILE', slug: 'ana' } } });
    expect((await post(apiKey, PAGE, { slug: 'ana' })).data?.publicProfile.displayName).toBe('ana v2');
    // Only the named page went: the studio with the same slug is still cached.
    expect((await post(apiKey, STUDIO, { slug: 'ana' })).data?.publicStudio.name).toBe('ana v1');
    await asLambda(EVICT, { kind: 'STUDIO', slug: 'ana' });
    expect((await post(apiKey, STUDIO, { slug: 'ana' })).data?.publicStudio.name).toBe('ana v2');
    // Evicting what is not cached is fine (a consumer's redelivery).
    expect((await asLambda(EVICT, { kind: 'STUDIO', slug: 'nobody' })).errors).toBeUndefined();
    expect(calls).toEqual(['publicProfile:ana', 'publicStudio:ana', 'publicProfile:ana', 'publicStudio:ana']);
  });

  it('refuses the eviction mutation to API-key and signed-in callers, and evicts nothing for them', async () => {
    const { calls, post, apiKey, user, change } = setup();
    await post(apiKey, PAGE, { slug: 'ana' });
    change();
    for (const headers of [apiKey, user]) {
      const answer = await post(headers, EVICT, { kind: 'PROFILE', slug: 'ana' });
      expect(answer.data).toEqual({ evictPublicListing: null });
      expect(answer.errors?.[0]).toMatchObject({
        errorType: 'Unauthorized',
        message: 'Not Authorized to access evictPublicListing on type Mutation',
      });
    }
    expect((await post(apiKey, PAGE, { slug: 'ana' })).data?.publicProfile.displayName).toBe('ana v1');
    expect(calls).toEqual(['publicProfile:ana']);
  });

  it('refuses a bad kind as a validation error before any code runs', async () => {
    const { asLambda } = setup();
    const answer = await asLambda(EVICT, { kind: 'BOOKING', slug: 'ana' });
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.message).toMatch(/BOOKING/);
  });
});

describe('ApiCache.evict (extensions.evictFromApiCache)', () => {
  it('names the caching keys in order; anything else is a bug in resolver code', () => {
    const cache = new ApiCache({ 'Query.page': { ttlSeconds: 60, keys: ['slug', 'locale'] } }, () => 0);
    cache.set('Query.page', { slug: 'a', locale: 'en', other: 1 }, { ok: true });
    expect(cache.get('Query.page', { slug: 'a', locale: 'en' })).toEqual({ value: { ok: true } });
    expect(() => cache.evict('Query', 'page', { 'context.arguments.slug': 'a' })).toThrow(ApiCacheKeyMismatch);
    expect(() =>
      cache.evict('Query', 'page', { 'context.arguments.locale': 'en', 'context.arguments.slug': 'a' }),
    ).toThrow(ApiCacheKeyMismatch);
    expect(() => cache.evict('Query', 'other', {})).toThrow(ApiCacheKeyMismatch);
    expect(cache.evict('Query', 'page', { 'context.arguments.slug': 'a', 'context.arguments.locale': 'en' })).toBe(1);
    expect(cache.get('Query.page', { slug: 'a', locale: 'en' })).toBeUndefined();
  });
});

/** The public reads cached besides the listing pages, each with arguments and an answer the dispatcher varies. */
const OTHER_READS = [
  {
    coordinate: 'Query.bookingSlots',
    query: 'query($input: BookingSlotsInput!) { bookingSlots(input: $input) { timezone durationMinutes } }',
    variables: { input: { profileId: 'prf_1', durationMinutes: 60, days: 7 } },
    other: { input: { profileId: 'prf_1', durationMinutes: 90, days: 7 } },
    answer: (v: number) => ({ timezone: `Zone/${v}`, durationMinutes: 60, slots: [] }),
    pick: (data: any) => data.bookingSlots.timezone,
  },
  {
    coordinate: 'Query.bookingTerms',
    query: 'query($id: ID!) { bookingTerms(resourceId: $id) { resourceId timezone } }',
    variables: { id: 'prf_1' },
    other: { id: 'std_1' },
    answer: (v: number) => ({
      resourceId: 'prf_1',
      instantBook: false,
      timezone: `Zone/${v}`,
      minDurationMinutes: 60,
      granularityMinutes: 30,
      minNoticeMinutes: 0,
      cancellationPolicy: 'FLEXIBLE',
      cancellationTerms: [],
    }),
    pick: (data: any) => data.bookingTerms.timezone,
  },
  {
    coordinate: 'Query.cities',
    query: '{ cities { code name } }',
    variables: {},
    other: undefined,
    answer: (v: number) => [
      { code: 'us-nyc', name: `New York ${v}`, countryCode: 'US', timezone: 'America/New_York', status: 'LIVE' },
    ],
    pick: (data: any) => data.cities[0].name,
  },
] as const;

function readsSetup() {
  const calls: string[] = [];
  let now = Date.parse('2026-12-01T12:00:00Z');
  let version = 1;
  const gateway = createGraphqlGateway({
    stage: 'test',
    isValidApiKey: (key) => key === 'da2-test',
    verifyToken: async (token) => ({ sub: token, issuer: 'https://issuer.test', claims: {} }),
    iamCredentials: credentials,
    nowMs: () => now,
    dispatch: async (_domain, event) => {
      calls.push(`${event.info.fieldName}:${JSON.stringify(event.arguments)}`);
      const read = OTHER_READS.find((r) => r.coordinate === `Query.${event.info.fieldName}`)!;
      return { data: read.answer(version) };
    },
  });
  const post = async (headers: Record<string, string>, query: string, variables: Record<string, unknown>) => {
    const answer = await gateway.handle(JSON.stringify({ query, variables }), headers);
    return JSON.parse(answer.body) as { data: Record<string, any> | null; errors?: Record<string, unknown>[] };
  };
  return {
    calls,
    post,
    apiKey: { 'content-type': 'application/json', 'x-api-key': 'da2-test' },
    user: { 'content-type': 'application/json', authorization: 'user-1' },
    asLambda: signedAsLambda(gateway),
    gateway,
    advance: (ms: number) => (now += ms),
    change: () => (version += 1),
  };
}

describe('the other public reads in the API cache (slots, terms, cities)', () => {
  it('lists exactly the reads these tests cover besides the listing pages', () => {
    expect(Object.keys(cachedReads).sort()).toEqual(
      ['Query.publicProfile', 'Query.publicStudio', ...OTHER_READS.map((r) => r.coordinate)].sort(),
    );
  });

  it.each(OTHER_READS)(
    '$coordinate: shared by API-key and signed-in callers for its TTL, keyed by every argument, fresh after the TTL',
    async (read) => {
      const { calls, post, apiKey, user, advance, change } = readsSetup();
      const ttlMs = cachedReads[read.coordinate]!.ttlSeconds * 1000;
      const first = await post(user, read.query, read.variables);
      expect(first.errors).toBeUndefined();
      const seen = read.pick(first.data);
      change();
      // A signed-in caller filled the entry; the API key reads the same entry, and so does the user again.
      expect(read.pick((await post(apiKey, read.query, read.variables)).data)).toEqual(seen);
      expect(read.pick((await post(user, read.query, read.variables)).data)).toEqual(seen);
      expect(calls).toHaveLength(1);
      if (read.other) {
        // Other argument values are another entry (the change shows there at once).
        expect(read.pick((await post(apiKey, read.query, read.other)).data)).not.toEqual(seen);
        expect(calls).toHaveLength(2);
      }
      const before = calls.length;
      advance(ttlMs - 1);
      expect(read.pick((await post(apiKey, read.query, read.variables)).data)).toEqual(seen);
      advance(1);
      expect(read.pick((await post(apiKey, read.query, read.variables)).data)).not.toEqual(seen);
      expect(calls).toHaveLength(before + 1);
    },
  );

  it("evicts a listing's booking terms through evictBookingTerms (AWS_IAM, the real APPSYNC_JS code), and only those", async () => {
    const { calls, post, apiKey, user, asLambda, change } = readsSetup();
    const terms = OTHER_READS.find((r) => r.coordinate === 'Query.bookingTerms')!;
    await post(apiKey, terms.query, { id: 'prf_1' });
    await post(apiKey, terms.query, { id: 'std_1' });
    change();
    // Refused to API-key and signed-in callers: nothing is evicted for them.
    for (const headers of [apiKey, user]) {
      const refused = await post(headers, EVICT_BOOKING_TERMS, { resourceId: 'prf_1' });
      expect(refused.errors?.[0]).toMatchObject({ errorType: 'Unauthorized' });
    }
    expect(terms.pick((await post(apiKey, terms.query, { id: 'prf_1' })).data)).toBe('Zone/1');
    const evicted = await asLambda(EVICT_BOOKING_TERMS, { resourceId: 'prf_1' });
    expect(evicted).toEqual({ data: { evictBookingTerms: { resourceId: 'prf_1' } } });
    // The next read asks the Lambda and sees the change; the other listing's entry stays.
    expect(terms.pick((await post(apiKey, terms.query, { id: 'prf_1' })).data)).toBe('Zone/2');
    expect(terms.pick((await post(apiKey, terms.query, { id: 'std_1' })).data)).toBe('Zone/1');
    expect(calls.filter((c) => c.startsWith('bookingTerms'))).toHaveLength(3);
  });

  it('the local-only switch (/dev/api-cache) turns the emulation off and on, emptying it', async () => {
    const { calls, post, apiKey, gateway } = readsSetup();
    const cities = OTHER_READS.find((r) => r.coordinate === 'Query.cities')!;
    await post(apiKey, cities.query, {});
    await post(apiKey, cities.query, {});
    expect(calls).toHaveLength(1);
    gateway.setApiCacheEnabled(false);
    await post(apiKey, cities.query, {});
    await post(apiKey, cities.query, {});
    expect(calls).toHaveLength(3);
    gateway.setApiCacheEnabled(true);
    await post(apiKey, cities.query, {});
    await post(apiKey, cities.query, {});
    expect(calls).toHaveLength(4);
  });

  // That a taken slot shown stale is refused with BOOKING_CONFLICT is booking.int.test.ts's to prove.
  it('caches slots for at most 10 s', () => {
    expect(cachedReads['Query.bookingSlots']!.ttlSeconds).toBeLessThanOrEqual(10);
  });
});

/** Every object type an answer of this type can hold, through lists, non-nulls, interfaces and unions. */
function reachableTypes(schema: GraphQLSchema, root: GraphQLNamedType, seen = new Set<string>()): Set<string> {
  if (seen.has(root.name)) return seen;
  seen.add(root.name);
  const next: GraphQLNamedType[] = [];
  if (isObjectType(root) || isInterfaceType(root))
    for (const field of Object.values(root.getFields())) next.push(getNamedType(field.type));
  if (isUnionType(root)) next.push(...root.getTypes());
  if (isInterfaceType(root)) next.push(...schema.getPossibleTypes(root));
  for (const type of next) reachableTypes(schema, type, seen);
  return seen;
}

describe('nothing private or per-caller enters a shared cache entry', () => {
  const schema = buildGatewaySchema();
  const modes = (directives: readonly { name: { value: string } }[] | undefined) =>
    (directives ?? []).map((d) => d.name.value).filter((name) => name.startsWith('aws_'));

  it.each(Object.keys(cachedReads))(
    '%s: every field its answer can hold is one the API key reaches (no signed-in-only field is ever fetched into the entry)',
    (coordinate) => {
      const [typeName, fieldName] = coordinate.split('.') as [string, string];
      const field = schema.getType(typeName) as ReturnType<typeof schema.getQueryType> & object;
      const root = field.getFields()[fieldName]!;
      // Keyed by arguments alone: no identity or source key, so the answer must not depend on who asks.
      expect(cachedReads[coordinate]!.keys.every((key) => root.args.some((arg) => arg.name === key))).toBe(true);
      const privateFields: string[] = [];
      for (const name of reachableTypes(schema, getNamedType(root.type))) {
        const type = schema.getType(name)!;
        if (!isObjectType(type)) continue;
        const typeModes = [type.astNode, ...(type.extensionASTNodes ?? [])].flatMap((node) => modes(node?.directives));
        for (const child of Object.values(type.getFields())) {
          const fieldModes = modes(child.astNode?.directives);
          const effective = fieldModes.length ? fieldModes : typeModes;
          if (!effective.includes('aws_api_key')) privateFields.push(`${name}.${child.name}`);
        }
      }
      expect(privateFields).toEqual([]);
    },
  );
});
