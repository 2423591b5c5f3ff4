/**
 * The partner API's brief and invite lists, closing a brief, the brief/invite webhook events (to
 * the owning client only), idempotency under a race, and the token endpoint's RFC 6749 wire format
 * driven with raw fetch exactly as RFC 6749 §4.4.2/§5.2 show it. All on the local stack; lists and
 * reads through the generated TypeScript SDK.
 */
import { spawnSync } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { RastUpApiError } from '../../sdk/ts/src/index.ts';
import { publishedProfile } from '../support/booking.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, sql } from '../support/graphql.ts';
import { createPartnerClient, partnerSdk, WebhookReceiver } from '../support/partner.ts';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const PHONE = /\+\d{7,15}\b|\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4}\b/;
const bodies: unknown[] = [];

afterAll(() => {
  expect(bodies.length).toBeGreaterThan(0);
  for (const body of bodies) {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(EMAIL);
    expect(text).not.toMatch(PHONE);
  }
});

async function apiError(promise: Promise<unknown>): Promise<RastUpApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RastUpApiError);
  return error as RastUpApiError;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const briefInput = (description = 'Campaign shoot, two looks, one day') => ({
  role: 'PHOTOGRAPHER' as const,
  city: 'us-nyc',
  dateFrom: day(5),
  dateTo: day(12),
  budget: { minCents: 40_000, maxCents: 90_000 },
  description,
});

describe('brief and invite lists', () => {
  it('pages the partner’s own briefs and invites with opaque cursors, conditional GETs, and closes a brief once', async () => {
    const { sdk } = await partnerSdk(['write:briefs', 'write:invites']);
    const stranger = (await partnerSdk(['write:briefs', 'write:invites'])).sdk;
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await sdk.createBrief(briefInput(`Brief number ${i}`))).data.id);
    await stranger.createBrief(briefInput('Someone else’s brief'));

    const first = await sdk.listBriefs({ limit: 2 });
    expect(first.status).toBe(200);
    expect(first.data.nextCursor).toEqual(expect.any(String));
    const second = await sdk.listBriefs({ limit: 2, cursor: first.data.nextCursor! });
    expect(second.data.nextCursor).toBeNull();
    const listed = [...first.data.data, ...second.data.data];
    expect(listed.map((b) => b.id)).toEqual(made.toSorted().toReversed());
    expect(listed.every((b) => b.status === 'open' && b.updatedAt)).toBe(true);
    bodies.push(first.data, second.data);
    // A cursor made under other filters is refused; a forged one too.
    expect(await apiError(sdk.listBriefs({ status: 'open', cursor: first.data.nextCursor! }))).toMatchObject({
      status: 400,
      code: 'PARTNER.INVALID_CURSOR',
    });

    // Conditional GET on the list and on one brief.
    const { restUrl } = stackInfo().endpoints;
    const auth = { authorization: `Bearer ${await sdk.accessToken()}` };
    const etag = first.headers.get('etag')!;
    expect((await fetch(`${restUrl}/v1/briefs?limit=2`, { headers: { ...auth, 'if-none-match': etag } })).status).toBe(
      304,
    );
    const one = await sdk.getBrief(made[0]!);
    expect(one.data).toMatchObject({ id: made[0], status: 'open' });
    const oneTag = one.headers.get('etag')!;
    expect(
      (await fetch(`${restUrl}/v1/briefs/${made[0]}`, { headers: { ...auth, 'if-none-match': oneTag } })).status,
    ).toBe(304);
    expect(await apiError(stranger.getBrief(made[0]!))).toMatchObject({ status: 404, code: 'RESOURCE.NOT_FOUND' });

    // Invites: listed newest first, by brief, never another partner's.
    const photographers = [await publishedProfile(newId('user')), await publishedProfile(newId('user'))];
    for (const profileId of photographers) await sdk.createInvite({ briefId: made[0]!, profileId });
    await sdk.createInvite({ briefId: made[1]!, profileId: photographers[0]! });
    const invites = await sdk.listInvites({ limit: 2 });
    const rest = await sdk.listInvites({ limit: 2, cursor: invites.data.nextCursor! });
    expect([...invites.data.data, ...rest.data.data]).toHaveLength(3);
    expect(rest.data.nextCursor).toBeNull();
    const ofFirst = await sdk.listInvites({ briefId: made[0]! });
    expect(ofFirst.data.data.map((i) => i.profileId).toSorted()).toEqual(photographers.toSorted());
    expect((await stranger.listInvites()).data.data).toEqual([]);
    bodies.push(invites.data, rest.data, ofFirst.data);

    // Closing: the brief's state changes once (the second close answers the same closed brief), the
    // ETag changes with it, and a closed brief takes no further invite.
    const closed = await sdk.closeBrief(made[0]!);
    expect(closed.data).toMatchObject({ id: made[0], status: 'closed' });
    expect((await sdk.closeBrief(made[0]!)).data).toEqual(closed.data);
    const after = await fetch(`${restUrl}/v1/briefs/${made[0]}`, { headers: { ...auth, 'if-none-match': oneTag } });
    expect(after.status).toBe(200);
    await after.arrayBuffer();
    expect((await sdk.listBriefs({ status: 'closed' })).data.data.map((b) => b.id)).toEqual([made[0]]);
    expect(
      await apiError(sdk.createInvite({ briefId: made[0]!, profileId: await publishedProfile(newId('user')) })),
    ).toMatchObject({ status: 409, code: 'PARTNER.BRIEF_CLOSED' });
    expect(await apiError(stranger.closeBrief(made[1]!))).toMatchObject({ status: 404, code: 'RESOURCE.NOT_FOUND' });
    const [state] = await sql<{ status: string }>('SELECT status FROM partner.brief WHERE brief_id = $1', [made[1]]);
    expect(state!.status).toBe('open');
  }, 60_000);

  it('20 identical POST /v1/briefs with one Idempotency-Key make one brief', async () => {
    const { sdk } = await partnerSdk(['write:briefs']);
    const token = await sdk.accessToken();
    const description = `Race ${newId('request')}`;
    const key = `race-${newId('request')}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${stackInfo().endpoints.restUrl}/v1/briefs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(briefInput(description)),
        }).then(async (answer) => ({ status: answer.status, body: (await answer.json()) as Record<string, unknown> })),
      ),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThan(0);
    // Every 201 is the same brief; the others were told the first request was still running.
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const other of answers.filter((a) => a.status !== 201))
      expect(other).toMatchObject({ status: 409, body: { error: { code: 'IDEMPOTENCY.IN_PROGRESS' } } });
    const [count] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM partner.brief WHERE description = $1', [
      description,
    ]);
    expect(count!.n).toBe(1);
    const [events] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'brief.created' AND aggregate_id = $1`,
      [created[0]!.body.id],
    );
    expect(events!.n).toBe(1);
    // A retry after the race gets the same brief.
    const retry = await sdk.createBrief(briefInput(description), { idempotencyKey: key });
    expect(retry.data.id).toBe(created[0]!.body.id);
  }, 60_000);
});

describe('brief and invite webhooks', () => {
  const receiver = new WebhookReceiver();
  let url = '';
  beforeAll(async () => {
    url = await receiver.start();
  });
  afterAll(() => receiver.stop());

  it('delivers brief.created, invite.created and brief.closed, signed, to the owning partner only; replay keeps to it', async () => {
    const owner = await partnerSdk(['write:briefs', 'write:invites', 'webhooks:manage']);
    const other = await partnerSdk(['webhooks:manage']);
    const types = ['brief.created', 'invite.created', 'brief.closed'] as const;
    const endpoint = (await owner.sdk.createWebhookEndpoint({ url: `${url}/owner`, eventTypes: [...types] })).data;
    const otherEndpoint = (await other.sdk.createWebhookEndpoint({ url: `${url}/other`, eventTypes: [...types] })).data;

    const brief = (await owner.sdk.createBrief(briefInput('Webhook brief'))).data;
    const profileId = await publishedProfile(newId('user'));
    const invite = (await owner.sdk.createInvite({ briefId: brief.id, profileId })).data;
    await owner.sdk.closeBrief(brief.id);

    const hooks = await eventually(async () => {
      const got = receiver.about(brief.id, '/hooks/owner');
      return got.length >= 3 ? got : undefined;
    }, 30_000);
    expect(hooks.map((h) => h.json.type).toSorted()).toEqual([...types].toSorted());
    for (const hook of hooks) {
      const verified = new Webhook(endpoint.secret).verify(hook.body, {
        'webhook-id': String(hook.headers['webhook-id']),
        'webhook-timestamp': String(hook.headers['webhook-timestamp']),
        'webhook-signature': String(hook.headers['webhook-signature']),
      }) as { type: string; data: Record<string, unknown> };
      expect(hook.headers['x-rastup-event-version']).toBe('1');
      expect(verified.data).toMatchObject({ briefId: brief.id, clientId: owner.credentials.clientId });
    }
    const created = hooks.find((h) => h.json.type === 'brief.created')!.json.data;
    expect(created).toMatchObject({ role: 'PHOTOGRAPHER', city: 'us-nyc', dateFrom: brief.dateFrom });
    expect(hooks.find((h) => h.json.type === 'invite.created')!.json.data).toMatchObject({
      inviteId: invite.id,
      profileId,
    });
    bodies.push(hooks.map((h) => h.json));

    // The other partner subscribed to the same types and heard nothing of this brief, live or replayed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.about(brief.id, '/hooks/other')).toEqual([]);
    const replayed = await other.sdk.replayWebhookEvents({ aggregateId: brief.id, endpointId: otherEndpoint.id });
    expect(replayed.data).toEqual({ replayed: 0, eventIds: [] });
    const own = await owner.sdk.replayWebhookEvents({ aggregateId: brief.id, endpointId: endpoint.id });
    expect(own.data.eventIds).toHaveLength(3);
  }, 60_000);
});

describe('token endpoint: RFC 6749 wire format', () => {
  const tokenUrl = () => `${stackInfo().endpoints.restUrl}/oauth2/token`;
  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const FORM = 'application/x-www-form-urlencoded';

  async function post(headers: Record<string, string>, body: string) {
    const answer = await fetch(tokenUrl(), { method: 'POST', headers, body });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('pragma')).toBe('no-cache');
    return { status: answer.status, headers: answer.headers, json: (await answer.json()) as Record<string, unknown> };
  }

  it('issues tokens to client_secret_basic and client_secret_post (form), and still to JSON', async () => {
    const client = await createPartnerClient(['read:profiles', 'read:work']);
    const viaBasic = await post(
      { authorization: basic(client.clientId, client.clientSecret), 'content-type': FORM },
      'grant_type=client_credentials&scope=read%3Aprofiles',
    );
    expect(viaBasic).toMatchObject({ status: 200, json: { token_type: 'Bearer', scope: 'read:profiles' } });
    const viaPost = await post(
      { 'content-type': FORM },
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }).toString(),
    );
    expect(viaPost).toMatchObject({ status: 200, json: { token_type: 'Bearer' } });
    expect(String(viaPost.json.scope).split(' ').toSorted()).toEqual(['read:profiles', 'read:work']);
    // An empty parameter counts as omitted (§3.1): scope= asks for every scope the client holds.
    expect(
      await post(
        { authorization: basic(client.clientId, client.clientSecret), 'content-type': FORM },
        'grant_type=client_credentials&scope=',
      ),
    ).toMatchObject({ status: 200 });
    const viaJson = await post(
      { 'content-type': 'application/json' },
      JSON.stringify({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    );
    expect(viaJson.status).toBe(200);
    // The token opens /v1.
    const profiles = await fetch(`${stackInfo().endpoints.restUrl}/v1/profiles?limit=1`, {
      headers: { authorization: `Bearer ${String(viaBasic.json.access_token)}` },
    });
    expect(profiles.status).toBe(200);
    bodies.push(await profiles.json());
  });

  it('answers { error, error_description } with the RFC 6749 §5.2 codes and statuses', async () => {
    const client = await createPartnerClient(['read:profiles']);
    const good = basic(client.clientId, client.clientSecret);
    const cases: {
      name: string;
      headers: Record<string, string>;
      body: string;
      status: number;
      error: string;
    }[] = [
      {
        name: 'wrong secret over Basic',
        headers: { authorization: basic(client.clientId, `${client.clientSecret}x`), 'content-type': FORM },
        body: 'grant_type=client_credentials',
        status: 401,
        error: 'invalid_client',
      },
      {
        name: 'unknown client in the body',
        headers: { 'content-type': FORM },
        body: `grant_type=client_credentials&client_id=${newId('partnerClient')}&client_secret=nope`,
        status: 400,
        error: 'invalid_client',
      },
      {
        name: 'no credentials at all',
        headers: { 'content-type': FORM },
        body: 'grant_type=client_credentials',
        status: 400,
        error: 'invalid_client',
      },
      {
        name: 'another grant type',
        headers: { authorization: good, 'content-type': FORM },
        body: 'grant_type=password&username=a&password=b',
        status: 400,
        error: 'unsupported_grant_type',
      },
      {
        name: 'no grant_type',
        headers: { authorization: good, 'content-type': FORM },
        body: 'scope=read%3Aprofiles',
        status: 400,
        error: 'invalid_request',
      },
      {
        name: 'a repeated parameter',
        headers: { authorization: good, 'content-type': FORM },
        body: 'grant_type=client_credentials&scope=read%3Aprofiles&scope=read%3Awork',
        status: 400,
        error: 'invalid_request',
      },
      {
        name: 'two authentication methods',
        headers: { authorization: good, 'content-type': FORM },
        body: `grant_type=client_credentials&client_secret=${encodeURIComponent(client.clientSecret)}`,
        status: 400,
        error: 'invalid_request',
      },
      {
        name: 'a scope the client does not hold',
        headers: { authorization: good, 'content-type': FORM },
        body: 'grant_type=client_credentials&scope=read%3Aprofiles%20studios%3Aexact_address',
        status: 400,
        error: 'invalid_scope',
      },
      {
        name: 'a malformed scope',
        headers: { authorization: good, 'content-type': FORM },
        body: 'grant_type=client_credentials&scope=%22quoted%22',
        status: 400,
        error: 'invalid_request',
      },
      {
        name: 'a body type OAuth does not use',
        headers: { authorization: good, 'content-type': 'text/plain' },
        body: 'grant_type=client_credentials',
        status: 400,
        error: 'invalid_request',
      },
      {
        name: 'malformed JSON',
        headers: { authorization: good, 'content-type': 'application/json' },
        body: '{"grant_type":',
        status: 400,
        error: 'invalid_request',
      },
    ];
    for (const c of cases) {
      const answer = await post(c.headers, c.body);
      expect({ name: c.name, status: answer.status, error: answer.json.error }).toEqual({
        name: c.name,
        status: c.status,
        error: c.error,
      });
      expect(typeof answer.json.error_description).toBe('string');
      expect(Object.keys(answer.json).toSorted()).toEqual(['error', 'error_description']);
      // §5.2 / RFC 7235: WWW-Authenticate exactly when the client tried HTTP Basic and failed.
      if (c.error === 'invalid_client' && c.headers.authorization)
        expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
      else expect(answer.headers.get('www-authenticate')).toBeNull();
    }
  });

  const python3 = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!python3)(
    python3 ? 'the Python client reports the OAuth error code' : 'skipped: no python3 on this machine',
    async () => {
      const client = await createPartnerClient(['read:profiles']);
      const script = [
        'import json, os, sys',
        "sys.path.insert(0, 'sdk/python')",
        'from rastup_partner import RastUpApiError, RastUpPartnerClient',
        "c = RastUpPartnerClient(os.environ['BASE'], os.environ['ID'], os.environ['SECRET'])",
        'try:',
        '    c.list_profiles(limit=1)',
        "    print(json.dumps({'ok': True}))",
        'except RastUpApiError as e:',
        "    print(json.dumps({'status': e.status, 'code': e.code, 'message': e.message}))",
      ].join('\n');
      const run = (secret: string) =>
        JSON.parse(
          spawnSync('python3', ['-c', script], {
            encoding: 'utf8',
            env: { ...process.env, BASE: stackInfo().endpoints.restUrl, ID: client.clientId, SECRET: secret },
          }).stdout,
        ) as Record<string, unknown>;
      expect(run(client.clientSecret)).toEqual({ ok: true });
      expect(run(`${client.clientSecret}x`)).toEqual({
        status: 401,
        code: 'invalid_client',
        message: 'Client authentication failed',
      });
    },
    30_000,
  );
});
