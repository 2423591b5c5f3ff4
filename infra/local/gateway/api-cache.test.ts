/**
 * The local gateway's emulation of AppSync's per-resolver cache, on the real merged schema with the
 * one definition of cached reads (infra/definitions/domains.ts) and the real eviction resolver code
 * (infra/definitions/appsync-cache-eviction.js). The domain Lambdas are replaced by a counting
 * dispatcher: what is measured is when the gateway calls a Lambda and when it answers from the cache.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { cachedReads } from '../../definitions/domains.ts';
import { ApiCache, ApiCacheKeyMismatch } from './api-cache.ts';
import { createGraphqlGateway } from './graphql-gateway.ts';

const credentials = { LOCALKEY: 'local-secret' };
const PAGE = 'query($slug: String!) { publicProfile(slug: $slug) { slug displayName } }';
const STUDIO = 'query($slug: String!) { publicStudio(slug: $slug) { slug name } }';
const EVICT =
  'mutation($kind: PublicListingKind!, $slug: String!) { evictPublicListing(kind: $kind, slug: $slug) { kind slug } }';

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
  /** Signed as a Lambda signs (the AWS SDK's SigV4 signer, service appsync): the AWS_IAM mode. */
  const asLambda = async (query: string, variables: Record<string, unknown>) => {
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
    expect(Object.keys(cachedReads).sort()).toEqual(['Query.publicProfile', 'Query.publicStudio']);
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
