/**
 * The partner API end to end on the local stack, driven by the generated TypeScript SDK
 * (sdk/ts): client credentials at the issuer, scopes, revocation through the cached verdict,
 * quotas, every /v1 inventory route with privacy rules, conditional GETs and cursors, webhook
 * endpoint CRUD with idempotency keys, and signed deliveries verified by the Standard Webhooks
 * reference library (npm `standardwebhooks`), retries, 410, and the replayer.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { RastUpApiError } from '../../sdk/ts/src/index.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlOk } from '../support/graphql.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { mintAccessToken } from '../support/tokens.ts';
import {
  createPartnerClient,
  partnerSdk,
  runWebhookJob,
  sdkFor,
  seedPublishedStudio,
  setPartnerStatus,
  WebhookReceiver,
} from '../support/partner.ts';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const PHONE = /\+\d{7,15}\b|\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4}\b/;

let profile: { profileId: string; mediaId: string };
let studio: { studioId: string; mediaId: string };
const contactEmail = `owner.${Date.now()}@example.com`;
const studioEmail = `host.${Date.now()}@example.com`;
const studioPhone = '+17185550123';
const street = '417 Kent Avenue, Unit 3';
const bodies: unknown[] = [];

async function expectApiError(promise: Promise<unknown>, status: number, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RastUpApiError);
  expect(error).toMatchObject({ status, code });
  return error as RastUpApiError;
}

beforeAll(async () => {
  const provider = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
  profile = await seedPublishedProfile(provider, contactEmail);
  const host = await mintAccessToken({ userId: newId('user'), roles: ['host'] });
  studio = await seedPublishedStudio(host, {
    slug: `loft-${Date.now().toString(36)}`,
    street,
    postal: '11249',
    email: studioEmail,
    phone: studioPhone,
  });
}, 120_000);

afterAll(() => {
  // No answer anywhere in this file carried an email or a phone number.
  for (const body of bodies) {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(EMAIL);
    expect(text).not.toMatch(PHONE);
  }
});

describe('client credentials at the issuer', () => {
  it('issues a short-lived RS256 token for the client’s scopes and refuses bad credentials alike', async () => {
    const credentials = await createPartnerClient(['read:profiles']);
    const { restUrl } = stackInfo().endpoints;
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const good = await fetch(`${restUrl}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: basic(credentials.clientId, credentials.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(good.status).toBe(200);
    expect(good.headers.get('cache-control')).toBe('no-store');
    const token = (await good.json()) as { access_token: string; expires_in: number; scope: string };
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'read:profiles' });
    const header = JSON.parse(Buffer.from(token.access_token.split('.')[0]!, 'base64url').toString());
    expect(header.alg).toBe('RS256');
    // The issuer's JWKS publishes the key that signed it.
    const jwks = (await (await fetch(`${restUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid);

    for (const [id, secret] of [
      [credentials.clientId, `${credentials.clientSecret}x`],
      ['prt_01JD0000000000000000000000', credentials.clientSecret],
    ] as const) {
      const bad = await fetch(`${restUrl}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(((await bad.json()) as { error: string }).error).toBe('invalid_client');
    }
    const tooMuch = await fetch(`${restUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        scope: 'read:profiles studios:exact_address',
      }).toString(),
    });
    expect(tooMuch.status).toBe(400);
  });

  it('refuses user tokens, missing scopes, revoked clients (despite the cached verdict) and spent quotas', async () => {
    const { sdk, credentials } = await partnerSdk(['read:profiles']);
    bodies.push((await sdk.listProfiles()).data); // caches the verdict
    const userToken = await mintAccessToken({ userId: newId('user'), roles: ['client'] });
    const asUser = await fetch(`${stackInfo().endpoints.restUrl}/v1/profiles`, {
      headers: { authorization: `Bearer ${userToken}` },
    });
    expect(asUser.status).toBe(401);
    await expectApiError(sdk.listStudios(), 403, 'PARTNER.INSUFFICIENT_SCOPE');

    const cachedToken = await sdk.accessToken();
    expect(await setPartnerStatus(credentials.clientId, 'suspended')).toBe(true);
    const suspendedAt = Date.now();
    // A container trusts a verdict it read for PARTNER_VERDICT_LOCAL_TTL_SECONDS (2 s; the exact bound
    // is unit-tested on a manual clock): the token stops working, and stays refused.
    const call = () =>
      fetch(`${stackInfo().endpoints.restUrl}/v1/profiles`, { headers: { authorization: `Bearer ${cachedToken}` } });
    let revoked = await call();
    while (revoked.status === 200 && Date.now() - suspendedAt < 10_000) {
      await revoked.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 100));
      revoked = await call();
    }
    expect(revoked.status).toBe(401);
    for (let i = 0; i < 3; i++) {
      const again = await call();
      expect(again.status).toBe(401);
      await again.arrayBuffer();
    }
    expect(((await revoked.json()) as { error: { code: string } }).error.code).toBe('PARTNER.INVALID_TOKEN');
    // The SDK then asks for a new token, which a suspended client does not get (RFC 6749 invalid_client).
    await expectApiError(sdk.listProfiles(), 401, 'invalid_client');

    const limited = await partnerSdk(['read:work'], 3);
    const noRetry = sdkFor(limited.credentials, { maxRetries: 0 });
    for (let i = 0; i < 3; i++) await noRetry.listWork({ limit: 1 });
    const refused = await fetch(`${stackInfo().endpoints.restUrl}/v1/work`, {
      headers: { authorization: `Bearer ${await noRetry.accessToken()}` },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The SDK waits out Retry-After (20 s for one token at 3/min is too long here: one retry shows it waits).
  });
});

describe('/v1 inventory', () => {
  it('lists and gets profiles and work: city level, SFW public URLs, no contact details', async () => {
    const { sdk } = await partnerSdk(['read:profiles', 'read:work']);
    const one = (await sdk.getProfile(profile.profileId)).data;
    bodies.push(one);
    expect(one).toMatchObject({ id: profile.profileId, city: { code: 'us-lax' }, role: 'PHOTOGRAPHER' });
    expect(one.cover?.variants.length).toBeGreaterThan(0);
    for (const variant of one.cover!.variants) expect(variant.url).toContain('media-public');
    expect(JSON.stringify(one)).not.toContain(contactEmail);

    // Walk every page with limit 1: the profile shows up exactly once; cursors are opaque.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await sdk.listProfiles({ limit: 1, ...(cursor ? { cursor } : {}) })).data;
      bodies.push(page);
      seen.push(...page.data.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
      if (cursor) expect(cursor).not.toContain('prf_');
    } while (cursor);
    expect(seen.filter((id) => id === profile.profileId)).toHaveLength(1);
    const first = (await sdk.listProfiles({ limit: 1 })).data;
    if (first.nextCursor)
      await expectApiError(
        sdk.listProfiles({ limit: 1, cursor: first.nextCursor, city: 'us-nyc' }),
        400,
        'PARTNER.INVALID_CURSOR',
      );

    const work = (await sdk.listWork({ ownerId: profile.profileId })).data;
    bodies.push(work);
    expect(work.data.map((item) => item.id)).toEqual([profile.mediaId]);
    const item = (await sdk.getWork(profile.mediaId)).data;
    expect(item).toMatchObject({ id: profile.mediaId, ownerType: 'PROFILE', ownerId: profile.profileId });
    await expectApiError(sdk.getWork(newId('media')), 404, 'RESOURCE.NOT_FOUND');
    await expectApiError(sdk.getProfile(newId('profile')), 404, 'RESOURCE.NOT_FOUND');
  });

  it('shows a studio’s exact address only with studios:exact_address', async () => {
    const plain = (await partnerSdk(['read:studios'])).sdk;
    const contractual = (await partnerSdk(['read:studios', 'studios:exact_address'])).sdk;
    const without = (await plain.getStudio(studio.studioId)).data;
    const withScope = (await contractual.getStudio(studio.studioId)).data;
    bodies.push(without, withScope);
    expect(without.city).toMatchObject({ code: 'us-nyc' });
    expect(without).not.toHaveProperty('address');
    expect(JSON.stringify(without)).not.toContain('417 Kent');
    expect(withScope.address).toEqual({ line1: street, line2: null, postalCode: '11249' });
    const listed = (await plain.listStudios({ city: 'us-nyc', limit: 100 })).data;
    bodies.push(listed);
    const mine = listed.data.find((s) => s.id === studio.studioId);
    expect(mine).toBeDefined();
    expect(mine).not.toHaveProperty('address');
    const listedWith = (await contractual.listStudios({ city: 'us-nyc', limit: 100 })).data;
    expect(listedWith.data.find((s) => s.id === studio.studioId)?.address?.line1).toBe(street);
    expect(JSON.stringify([without, withScope, listed])).not.toContain(studioEmail);
    expect(JSON.stringify([without, withScope, listed])).not.toContain('5550123');
  });

  it('answers conditional GETs with 304 (ETag and Last-Modified)', async () => {
    const { sdk } = await partnerSdk(['read:profiles']);
    const first = await sdk.getProfile(profile.profileId);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(lastModified).toMatch(/GMT$/);
    const again = await sdk.getProfile(profile.profileId, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.data).toBeUndefined();
    const since = await sdk.getProfile(profile.profileId, { headers: { 'if-modified-since': lastModified } });
    expect(since.status).toBe(304);
    const changed = await sdk.getProfile(profile.profileId, { headers: { 'if-none-match': '"other"' } });
    expect(changed.status).toBe(200);
    const list = await sdk.listProfiles({ limit: 5 });
    expect(
      (await sdk.listProfiles({ limit: 5 }, { headers: { 'if-none-match': list.headers.get('etag')! } })).status,
    ).toBe(304);
  });

  it('serves its OpenAPI document', async () => {
    const { sdk } = await partnerSdk(['read:profiles']);
    const document = (await sdk.getOpenApi()).data as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/v1/profiles');
  });
});

describe('webhooks', () => {
  const receiver = new WebhookReceiver();
  let url: string;
  beforeAll(async () => {
    url = await receiver.start();
  });
  afterAll(() => receiver.stop());

  it('manages endpoints: secret once, idempotent creation, rotation with overlap, others’ endpoints not found', async () => {
    const { sdk } = await partnerSdk(['webhooks:manage']);
    const key = `create-${Date.now()}`;
    const input = { url: `${url}/crud`, eventTypes: ['profile.published' as const] };
    // Two identical requests at once: one endpoint; the twin gets the same answer or "in progress".
    const twins = await Promise.all(
      [0, 1].map(() => sdk.createWebhookEndpoint(input, { idempotencyKey: key }).catch((e: unknown) => e)),
    );
    const created = twins.filter(
      (t): t is Awaited<ReturnType<typeof sdk.createWebhookEndpoint>> => !(t instanceof Error),
    );
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const twin of twins) if (twin instanceof RastUpApiError) expect(twin.code).toBe('IDEMPOTENCY.IN_PROGRESS');
    const a = created[0]!;
    expect(a.status).toBe(201);
    expect(a.data.secret).toMatch(/^whsec_/);
    expect(new Set(created.map((t) => t.data.id)).size).toBe(1);
    const replayed = await sdk.createWebhookEndpoint(input, { idempotencyKey: key });
    expect(replayed.data).toEqual(a.data);
    const listed = (await sdk.listWebhookEndpoints()).data.data;
    expect(listed.map((e) => e.id)).toEqual([a.data.id]);
    expect(listed[0]).not.toHaveProperty('secret');
    await expectApiError(sdk.createWebhookEndpoint(input), 409, 'WEBHOOK.URL_TAKEN');

    const rotated = (await sdk.rotateWebhookSecret(a.data.id)).data;
    expect(rotated.secret).not.toBe(a.data.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt)).toBeGreaterThan(Date.now());

    const other = (await partnerSdk(['webhooks:manage'])).sdk;
    await expectApiError(other.getWebhookEndpoint(a.data.id), 404, 'RESOURCE.NOT_FOUND');
    await expectApiError(other.deleteWebhookEndpoint(a.data.id), 404, 'RESOURCE.NOT_FOUND');
    expect((await sdk.getWebhookEndpoint(a.data.id)).data.status).toBe('active');
    expect((await sdk.deleteWebhookEndpoint(a.data.id)).status).toBe(204);
    await expectApiError(sdk.getWebhookEndpoint(a.data.id), 404, 'RESOURCE.NOT_FOUND');
  });

  it('delivers signed events that the Standard Webhooks library verifies; a stale one it rejects', async () => {
    const { sdk } = await partnerSdk(['webhooks:manage']);
    const endpoint = (
      await sdk.createWebhookEndpoint({
        url: `${url}/signed`,
        eventTypes: ['profile.published', 'profile.unpublished'],
      })
    ).data;
    const provider = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const published = await seedPublishedProfile(provider);
    const hook = await eventually(async () =>
      receiver.about(published.profileId, '/hooks/signed').find((h) => h.json.type === 'profile.published'),
    );
    expect(hook.headers['x-rastup-event-version']).toBe('1');
    expect(hook.headers['webhook-id']).toMatch(/^whm_/);
    const verified = new Webhook(endpoint.secret).verify(hook.body, {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    }) as { type: string; data: Record<string, unknown> };
    expect(verified).toMatchObject({ type: 'profile.published', data: { profileId: published.profileId } });
    expect(verified.data).not.toHaveProperty('ownerUserId');

    // Signed the same way but 6 minutes old: the reference verifier refuses it (replay protection).
    const stale = Math.floor(Date.now() / 1000) - 360;
    const signer = new Webhook(endpoint.secret);
    const id = String(hook.headers['webhook-id']);
    const signature = signer.sign(id, new Date(stale * 1000), hook.body);
    expect(() =>
      signer.verify(hook.body, {
        'webhook-id': id,
        'webhook-timestamp': String(stale),
        'webhook-signature': signature,
      }),
    ).toThrow(/timestamp/i);

    // After a rotation every delivery carries two signatures, each verifying with its secret.
    const rotated = (await sdk.rotateWebhookSecret(endpoint.id)).data;
    await gqlOk(provider, `mutation($id: ID!) { unpublishProfile(id: $id) { status } }`, { id: published.profileId });
    const second = await eventually(async () =>
      receiver.about(published.profileId, '/hooks/signed').find((h) => h.json.type === 'profile.unpublished'),
    );
    expect(String(second.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.secret])
      expect(() =>
        new Webhook(secret).verify(second.body, {
          'webhook-id': String(second.headers['webhook-id']),
          'webhook-timestamp': String(second.headers['webhook-timestamp']),
          'webhook-signature': String(second.headers['webhook-signature']),
        }),
      ).not.toThrow();
    await sdk.deleteWebhookEndpoint(endpoint.id);
  }, 60_000);

  it('retries a failing receiver with backoff: 3 failures then one success, logged with its attempt count', async () => {
    const { sdk } = await partnerSdk(['webhooks:manage']);
    const endpoint = (await sdk.createWebhookEndpoint({ url: `${url}/flaky`, eventTypes: ['profile.published'] })).data;
    const provider = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    let target = '';
    receiver.respond = (json) => {
      if (json.data.aggregateId !== target) return 200;
      return receiver.about(target, '/hooks/flaky').length < 3 ? 503 : 200;
    };
    const published = await seedPublishedProfile(provider);
    target = published.profileId;
    // The first attempt runs at fan-out; later ones when their backoff elapsed (the job, as if later).
    let at = Date.now();
    await eventually(async () => receiver.about(target, '/hooks/flaky').length >= 1);
    for (let i = 0; i < 5 && !receiver.about(target, '/hooks/flaky').some((h) => h.status === 200); i++) {
      at += 24 * 3600_000;
      await runWebhookJob(new Date(at));
    }
    expect(receiver.about(target, '/hooks/flaky').map((h) => h.status)).toEqual([503, 503, 503, 200]);
    // All four attempts carried the same webhook-id (receivers dedupe on it).
    expect(new Set(receiver.about(target, '/hooks/flaky').map((h) => h.headers['webhook-id'])).size).toBe(1);
    const log = (await sdk.listWebhookDeliveries({ endpointId: endpoint.id })).data.data;
    const delivered = log.filter((d) => d.status === 'delivered');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ attempt: 4, responseCode: 200 });
    expect(
      log
        .filter((d) => d.status === 'failed')
        .map((d) => d.attempt)
        .sort(),
    ).toEqual([1, 2, 3]);
    receiver.respond = () => 200;
    await sdk.deleteWebhookEndpoint(endpoint.id);
  }, 60_000);

  it('disables an endpoint at once when it answers 410 Gone', async () => {
    const { sdk } = await partnerSdk(['webhooks:manage']);
    const endpoint = (
      await sdk.createWebhookEndpoint({ url: `${url}/gone`, eventTypes: ['studio.updated', 'profile.published'] })
    ).data;
    receiver.respond = () => 410;
    try {
      const provider = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
      await seedPublishedProfile(provider);
      const state = await eventually(async () => {
        const current = (await sdk.getWebhookEndpoint(endpoint.id)).data;
        return current.status === 'disabled' ? current : undefined;
      });
      expect(state.disabledReason).toMatch(/410/);
    } finally {
      receiver.respond = () => 200;
    }
  }, 60_000);

  it('replays exactly the events matching the filters', async () => {
    const { sdk } = await partnerSdk(['webhooks:manage']);
    const provider = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const endpoint = (
      await sdk.createWebhookEndpoint({
        url: `${url}/replay`,
        eventTypes: ['profile.published', 'profile.unpublished'],
      })
    ).data;
    const one = await seedPublishedProfile(provider);
    await gqlOk(provider, `mutation($id: ID!) { unpublishProfile(id: $id) { status } }`, { id: one.profileId });
    await eventually(async () =>
      receiver.about(one.profileId, '/hooks/replay').some((h) => h.json.type === 'profile.unpublished'),
    );
    const before = receiver.about(one.profileId, '/hooks/replay').length;

    const result = (
      await sdk.replayWebhookEvents({
        aggregateId: one.profileId,
        types: ['profile.published'],
        endpointId: endpoint.id,
      })
    ).data;
    expect(result.replayed).toBe(1);
    await runWebhookJob();
    const after = receiver.about(one.profileId, '/hooks/replay').slice(before);
    expect(after.map((h) => h.json.type)).toEqual(['profile.published']);
    expect(after[0]!.json.data.eventId).toBe(result.eventIds[0]);
    // A replay is a new message (a new webhook-id), delivered to this endpoint only.
    const original = receiver.about(one.profileId, '/hooks/replay').find((h) => h.json.type === 'profile.published')!;
    expect(after[0]!.headers['webhook-id']).not.toBe(original.headers['webhook-id']);

    const none = (
      await sdk.replayWebhookEvents({ aggregateId: one.profileId, from: new Date(Date.now() + 3600_000).toISOString() })
    ).data;
    expect(none.replayed).toBe(0);
  }, 60_000);
});
