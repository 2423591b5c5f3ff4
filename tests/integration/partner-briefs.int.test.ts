/**
 * The partner API's briefs, invites, orders and payouts on the local stack, driven by the generated
 * TypeScript SDK (sdk/ts), and the Python client (sdk/python) run with the machine's python3.
 * No answer in this file carries an email or a phone number (checked over every body at the end).
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { RastUpApiError } from '../../sdk/ts/src/index.ts';
import { hoursFromNow, openAllDay, publishedProfile, REQUEST } from '../support/booking.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlOk, sql } from '../support/graphql.ts';
import { partnerSdk, runWebhookJob, WebhookReceiver } from '../support/partner.ts';
import { mintAccessToken } from '../support/tokens.ts';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const PHONE = /\+\d{7,15}\b|\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4}\b/;
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

afterAll(() => {
  expect(bodies.length).toBeGreaterThan(0);
  for (const body of bodies) {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(EMAIL);
    expect(text).not.toMatch(PHONE);
  }
});

describe('/v1 briefs, invites, orders and payouts', () => {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const briefInput = {
    role: 'PHOTOGRAPHER' as const,
    city: 'us-nyc',
    dateFrom: day(7),
    dateTo: day(21),
    budget: { minCents: 50_000, maxCents: 150_000 },
    description: 'Lookbook shoot: 10 looks, studio or street, final selects in a week',
  };

  it('posts briefs with idempotency keys and Appendix J errors', async () => {
    const { sdk } = await partnerSdk(['write:briefs']);
    const key = `brief-${newId('request')}`;
    const first = await sdk.createBrief(briefInput, { idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(first.data).toMatchObject({ role: 'PHOTOGRAPHER', city: 'us-nyc', status: 'open' });
    expect(first.data.budget).toEqual({ minCents: 50_000, maxCents: 150_000, currency: 'USD' });
    bodies.push(first.data);
    // A retry with the same key gets the first answer; the same key with another brief is refused.
    expect((await sdk.createBrief(briefInput, { idempotencyKey: key })).data).toEqual(first.data);
    await expectApiError(
      sdk.createBrief({ ...briefInput, description: 'another' }, { idempotencyKey: key }),
      409,
      'IDEMPOTENCY.KEY_REUSED',
    );
    // Without a key given, the SDK makes one per call: two calls are two briefs.
    const second = await sdk.createBrief(briefInput);
    expect(second.data.id).not.toBe(first.data.id);

    const past = await expectApiError(sdk.createBrief({ ...briefInput, dateFrom: day(-2) }), 400, 'REQUEST.INVALID');
    expect(past.message).toBeTruthy();
    await expectApiError(sdk.createBrief({ ...briefInput, city: 'us-nowhere' }), 400, 'REQUEST.INVALID');
    await expectApiError(
      sdk.createBrief({ ...briefInput, budget: { minCents: 10, maxCents: 5 } }),
      400,
      'REQUEST.INVALID',
    );
    const raw = await fetch(`${stackInfo().endpoints.restUrl}/v1/briefs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await sdk.accessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...briefInput, description: 'bad\u0000text' }),
    });
    expect(raw.status).toBe(400);
    const error = (await raw.json()) as { error: { code: string; message: string; requestId?: string } };
    expect(error.error).toMatchObject({ code: 'REQUEST.INVALID' });
    expect(typeof error.error.message).toBe('string');
    await expectApiError(
      (await partnerSdk(['read:profiles'])).sdk.createBrief(briefInput),
      403,
      'PARTNER.INSUFFICIENT_SCOPE',
    );
  });

  it('invites a published provider once, even when 10 identical invites race; others’ briefs are not found', async () => {
    const { sdk } = await partnerSdk(['write:briefs', 'write:invites']);
    const made = (await sdk.createBrief(briefInput)).data;
    const provider = await publishedProfile(newId('user'));
    const racing = await Promise.all(
      Array.from({ length: 10 }, () =>
        sdk
          .createInvite({ briefId: made.id, profileId: provider, message: 'Free that week?' })
          .catch((e: unknown) => e),
      ),
    );
    const sent = racing.filter((r): r is Awaited<ReturnType<typeof sdk.createInvite>> => !(r instanceof Error));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe(201);
    expect(sent[0]!.data).toMatchObject({ briefId: made.id, profileId: provider, status: 'sent' });
    bodies.push(sent[0]!.data);
    for (const refused of racing.filter((r) => r instanceof Error))
      expect(refused).toMatchObject({ status: 409, code: 'PARTNER.ALREADY_INVITED' });
    const [count] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM partner.invite WHERE brief_id = $1', [
      made.id,
    ]);
    expect(count!.n).toBe(1);

    const other = (await partnerSdk(['write:invites'])).sdk;
    await expectApiError(other.createInvite({ briefId: made.id, profileId: provider }), 404, 'RESOURCE.NOT_FOUND');
    await expectApiError(
      sdk.createInvite({ briefId: made.id, profileId: newId('profile') }),
      404,
      'RESOURCE.NOT_FOUND',
    );
  });

  it('reads the client account’s order through booking; another partner’s and unknown orders are not found', async () => {
    const account = newId('user');
    const clientToken = await mintAccessToken({ userId: account, roles: ['client'] });
    const owner = newId('user');
    const providerToken = await mintAccessToken({ userId: owner, roles: ['provider'] });
    const profileId = await publishedProfile(owner);
    await openAllDay(providerToken, profileId, {});
    const booked = (
      await gqlOk<{ requestBooking: { id: string } }>(clientToken, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          profileId,
          startsAt: hoursFromNow(24 * 5),
          durationMinutes: 60,
        },
      })
    ).requestBooking;

    const { sdk } = await partnerSdk(['read:orders'], undefined, account);
    const answer = await sdk.getOrder(booked.id);
    expect(answer.status).toBe(200);
    expect(answer.data).toMatchObject({ id: booked.id, status: 'REQUESTED', currency: 'USD', amountCents: 20_000 });
    expect(answer.data.legs).toEqual([expect.objectContaining({ resourceType: 'PROFILE', resourceId: profileId })]);
    bodies.push(answer.data);
    // Conditional GET on the order.
    const etag = answer.headers.get('etag')!;
    const again = await fetch(`${stackInfo().endpoints.restUrl}/v1/orders/${booked.id}`, {
      headers: { authorization: `Bearer ${await sdk.accessToken()}`, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);

    const stranger = (await partnerSdk(['read:orders'], undefined, newId('user'))).sdk;
    await expectApiError(stranger.getOrder(booked.id), 404, 'RESOURCE.NOT_FOUND');
    const noAccount = (await partnerSdk(['read:orders'])).sdk;
    await expectApiError(noAccount.getOrder(booked.id), 404, 'RESOURCE.NOT_FOUND');
    await expectApiError(sdk.getOrder(newId('booking')), 404, 'RESOURCE.NOT_FOUND');
  }, 60_000);

  it('pages the account’s payouts through payments with opaque cursors, no Stripe account ids', async () => {
    const payee = newId('user');
    // Fixture through the master connection: transfers happen at completion through Stripe
    // (payments.int.test.ts); this test is about the partner read of them.
    for (let i = 0; i < 3; i++) {
      const group = newId('booking');
      await sql(
        `INSERT INTO payment_authorizations (group_id, client_user_id, amount_cents, currency, payment_intent_id, status, captured_cents)
         VALUES ($1, $2, 10000, 'usd', $3, 'captured', 10000)`,
        [group, newId('user'), `pi_${group.slice(4)}`],
      );
      await sql(
        `INSERT INTO payment_transfers (id, group_id, leg_id, payee_user_id, stripe_account_id, amount_cents, created_at)
         VALUES ($1, $2, $3, $4, 'acct_partnerTest1', $5, now() - make_interval(hours => $6))`,
        [`tr_${group.slice(4)}`, group, newId('bookingLeg'), payee, 8000 + i, i],
      );
    }
    const { sdk } = await partnerSdk(['read:payouts'], undefined, payee);
    const first = await sdk.listPayouts({ limit: 2 });
    expect(first.data.data.map((p) => p.amountCents)).toEqual([8000, 8001]);
    expect(first.data.nextCursor).toEqual(expect.any(String));
    const second = await sdk.listPayouts({ limit: 2, cursor: first.data.nextCursor! });
    expect(second.data.data.map((p) => p.amountCents)).toEqual([8002]);
    expect(second.data.nextCursor).toBeNull();
    expect(second.data.data[0]).toMatchObject({ currency: 'USD', reversedCents: 0 });
    expect(JSON.stringify([first.data, second.data])).not.toContain('acct_');
    bodies.push(first.data, second.data);
    await expectApiError(sdk.listPayouts({ cursor: 'eyJhIjoiMSIsImYiOiJ4In0' }), 400, 'PARTNER.INVALID_CURSOR');
    expect((await (await partnerSdk(['read:payouts'])).sdk.listPayouts()).data).toEqual({ data: [], nextCursor: null });
  });
});

// The Python client (sdk/python, stdlib only) runs its example against the stack with the machine's
// python3. Without a python3 on PATH the test is skipped, and says so in its name.
const python3 = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;
describe('Python client (sdk/python)', () => {
  it.skipIf(!python3)(
    python3
      ? 'runs example.py: token, operations from the OpenAPI document, list, brief, invite, errors'
      : 'skipped: no python3 on this machine',
    async () => {
      const { credentials } = await partnerSdk(['read:profiles', 'write:briefs', 'write:invites', 'read:orders']);
      const env = {
        ...process.env,
        RASTUP_BASE_URL: stackInfo().endpoints.restUrl,
        RASTUP_CLIENT_ID: credentials.clientId,
        RASTUP_CLIENT_SECRET: credentials.clientSecret,
        RASTUP_INVITE_PROFILE: await publishedProfile(newId('user')),
      };
      const run = (): Promise<{ status: number | null; stdout: string; stderr: string }> =>
        new Promise((resolve) => {
          const child = spawn('python3', ['sdk/python/example.py'], { env });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('close', (status) => resolve({ status, stdout, stderr }));
        });
      const result = await run();
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const report = JSON.parse(result.stdout) as {
        operations: string[];
        profiles: string[];
        brief: { id: string; status: string };
        invite: { id: string; briefId: string; status: string };
        briefs: string[];
        invites: string[];
        error: { status: number; code: string };
      };
      expect(report.operations).toEqual(
        expect.arrayContaining([
          'list_profiles',
          'create_brief',
          'create_invite',
          'get_order',
          'list_payouts',
          'list_briefs',
          'get_brief',
          'close_brief',
          'list_invites',
        ]),
      );
      expect(report.brief).toMatchObject({ status: 'open' });
      expect(report.brief.id).toMatch(/^brf_/);
      expect(report.invite).toMatchObject({ briefId: report.brief.id, status: 'sent' });
      // The lists (GET /v1/briefs, GET /v1/invites?briefId=) show the brief and the invite just made.
      expect(report.briefs).toContain(report.brief.id);
      expect(report.invites).toEqual([report.invite.id]);
      // The client has no account: orders answer 404 with the error object's code.
      expect(report.error).toEqual({ status: 404, code: 'RESOURCE.NOT_FOUND' });
      bodies.push(report);
      // Run again: the brief's Idempotency-Key makes it the same brief; the invite is refused as a duplicate.
      const second = await run();
      expect(second.status).not.toBe(0);
      expect(second.stderr).toContain('PARTNER.ALREADY_INVITED');
    },
    60_000,
  );
});

describe('webhook replayer filters', () => {
  it('re-delivers exactly the events inside the date range, of the types, about the aggregate', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    try {
      const { sdk } = await partnerSdk(['webhooks:manage']);
      const endpoint = (
        await sdk.createWebhookEndpoint({ url: `${url}/range`, eventTypes: ['profile.published', 'profile.updated'] })
      ).data;
      // Past events in the partner event log (fixture through the master connection: live fan-out is
      // covered by partner-api.int.test.ts): one aggregate, hourly, alternating types, plus a neighbour.
      const aggregate = newId('profile');
      const neighbour = newId('profile');
      const t0 = Date.parse('2026-06-01T10:00:00Z');
      const events: { id: string; type: string; at: number; aggregateId: string }[] = [];
      for (let i = 0; i < 5; i++)
        events.push({
          id: newId('event'),
          type: i % 2 === 0 ? 'profile.published' : 'profile.updated',
          at: t0 + i * 3_600_000,
          aggregateId: aggregate,
        });
      events.push({ id: newId('event'), type: 'profile.updated', at: t0 + 3_600_000, aggregateId: neighbour });
      for (const event of events)
        await sql(
          `INSERT INTO partner.event (event_id, type, version, aggregate_type, aggregate_id, occurred_at, payload)
           VALUES ($1, $2, 1, 'profile', $3, $4, $5)`,
          [
            event.id,
            event.type,
            event.aggregateId,
            new Date(event.at),
            JSON.stringify({ profileId: event.aggregateId }),
          ],
        );
      const iso = (ms: number) => new Date(ms).toISOString();
      const replay = async (filter: Parameters<typeof sdk.replayWebhookEvents>[0]) =>
        (await sdk.replayWebhookEvents({ ...filter, endpointId: endpoint.id })).data;

      // Date range [t0+30m, t0+3h] about the aggregate: events 1, 2, 3 (both types), not the neighbour.
      const inRange = await replay({ aggregateId: aggregate, from: iso(t0 + 1_800_000), to: iso(t0 + 3 * 3_600_000) });
      expect(inRange.eventIds).toEqual([events[1]!.id, events[2]!.id, events[3]!.id]);
      // Same range, one type: events 1 and 3.
      const typed = await replay({
        aggregateId: aggregate,
        types: ['profile.updated'],
        from: iso(t0 + 1_800_000),
        to: iso(t0 + 3 * 3_600_000),
      });
      expect(typed.eventIds).toEqual([events[1]!.id, events[3]!.id]);
      // The neighbour alone by aggregate id.
      expect((await replay({ aggregateId: neighbour })).eventIds).toEqual([events[5]!.id]);

      await runWebhookJob();
      const delivered = receiver.received
        .filter((hook) => hook.path === '/hooks/range')
        .map((h) => h.json.data.eventId);
      expect(delivered.toSorted()).toEqual(
        [events[1]!.id, events[2]!.id, events[3]!.id, events[1]!.id, events[3]!.id, events[5]!.id].toSorted(),
      );
      bodies.push(receiver.received.map((hook) => hook.json));
    } finally {
      await receiver.stop();
    }
  }, 60_000);
});
