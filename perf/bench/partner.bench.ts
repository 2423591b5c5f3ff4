/**
 * `npm run bench:partner`:
 *  1. GET /v1/profiles?limit=20 (20 published profiles with covers) through the local API Gateway to
 *     the partner Lambda handler, with a bearer token whose verdict is already cached in DynamoDB
 *     (each request: JWT verify, verdict read, one token-bucket read + conditional write, two SQL
 *     queries), at 32 connections (saturation), p50/p95/p99 and req/s;
 *  2. webhook delivery throughput: BENCH_WEBHOOKS (1000) queued deliveries to a loopback receiver,
 *     drained by the delivery worker (claim with SKIP LOCKED, sign, POST, log the attempt, close
 *     the task), deliveries per second.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbTtlCache } from '../../lambdas/adapters/dynamodb-ttl-cache.ts';
import { documentClientFromEnv } from '../../lambdas/adapters/dynamodb.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { partnerRegistry, type Verdict } from '../../lambdas/partner/index.ts';
import { controlTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { describeResult, load, profiled, withBenchStack } from './harness.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 1000);

await withBenchStack(async (stack) => {
  const { restUrl } = stack.endpoints;
  for (let p = 0; p < 20; p++) {
    const userId = newId('user');
    const profileId = newId('profile');
    await stack.db.query(
      `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, headline, bio, tags, city_code, price_min_cents, price_max_cents, languages, contact_email, published_at)
       VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Bench Mark', 'Portraits and events', $4, '{portrait,events}', 'us-nyc', 20000, 80000, '{English}', 'bench@example.com', now())`,
      [profileId, userId, `bench-${profileId.slice(-12).toLowerCase()}`, 'Portrait and event photographer. '.repeat(4)],
    );
    const mediaId = newId('media');
    const variants = ['square', 'small', 'medium', 'large'].map((name, i) => ({
      name,
      key: `media/${mediaId}/${name}.webp`,
      width: 320 * (i + 1),
      height: 320 * (i + 1),
      format: 'webp',
    }));
    await stack.db.query(
      `INSERT INTO media (id, owner_user_id, owner_type, owner_id, status, declared_content_type, declared_size_bytes, incoming_key, nsfw_band, variants, public_variants, sort_order, is_cover, width, height, upload_expires_at)
       VALUES ($1, $2, 'PROFILE', $3, 'READY', 'image/jpeg', 1000, 'incoming/x', 0, $4, $4, 0, true, 1600, 1200, now())`,
      [mediaId, userId, profileId, JSON.stringify(variants)],
    );
  }
  const registry = partnerRegistry(
    stack.db,
    new DynamoDbTtlCache<Verdict>(documentClientFromEnv(), physicalTableName('local', controlTable), 'PV'),
  );
  const client = await registry.createClient({
    name: 'Bench',
    contactEmail: 'dpa@bench.example',
    scopes: ['read:profiles', 'webhooks:manage'],
    requestsPerMinute: 10_000_000,
  });
  const tokenAnswer = await fetch(`${restUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
  const headers = { authorization: `Bearer ${token}` };
  const url = `${restUrl}/v1/profiles?limit=20`;
  const sample = await fetch(url, { headers }); // also caches the verdict
  const text = await sample.text();
  const page = JSON.parse(text) as { data: { cover: unknown }[] };
  if (sample.status !== 200 || page.data.length !== 20 || page.data.some((p) => !p.cover) || text.includes('@'))
    throw new Error(`unexpected answer ${sample.status}: ${text.slice(0, 300)}`);
  console.log(
    `bench:partner — GET /v1/profiles?limit=20 (${text.length} B, covers included, cached verdict), ${DURATION} s, load generator in a separate process, ${process.arch} x ${(await import('node:os')).cpus().length} cores\n`,
  );
  const saturated = await profiled('partner-v1-profiles', () =>
    load({ url, connections: 32, durationSeconds: DURATION, method: 'GET', headers }),
  );
  console.log(describeResult('32 connections, saturation', saturated));
  // The same gateway and machine serving a document with no database or DynamoDB work, for scale.
  const baseline = await load({
    url: `${restUrl}/.well-known/openid-configuration`,
    connections: 32,
    durationSeconds: DURATION,
    method: 'GET',
  });
  console.log(describeResult('baseline: OIDC discovery document', baseline));
  console.log(
    `load average while measuring: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );

  // ---- webhook delivery throughput ----
  let received = 0;
  const receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = await fetch(`${restUrl}/v1/webhooks/endpoints`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/bench`,
      eventTypes: ['profile.updated'],
    }),
  });
  const { id: endpointId } = (await endpoint.json()) as { id: string };
  await stack.db.query(
    `WITH events AS (
       INSERT INTO partner.event (event_id, type, version, aggregate_type, aggregate_id, occurred_at, payload)
       SELECT 'evt_bench' || lpad(g::text, 8, '0'), 'profile.updated', 1, 'profile', 'prf_bench', now(),
              jsonb_build_object('profileId', 'prf_bench', 'slug', 'bench', 'city', 'us-nyc', 'version', g, 'role', 'PHOTOGRAPHER')
         FROM generate_series(1, $1) g RETURNING event_id)
     INSERT INTO partner.delivery_task (message_id, endpoint_id, event_id) SELECT 'whm_' || event_id, $2, event_id FROM events`,
    [WEBHOOKS, endpointId],
  );
  const started = performance.now();
  const job = await fetch(`${restUrl}/dev/jobs/partner-webhooks`);
  const run = (await job.json()) as { attempted: number; delivered: number };
  const seconds = (performance.now() - started) / 1000;
  receiver.close();
  if (run.delivered !== WEBHOOKS || received !== WEBHOOKS)
    throw new Error(`expected ${WEBHOOKS} deliveries, got ${JSON.stringify(run)} (${received} received)`);
  console.log(
    `webhook delivery: ${WEBHOOKS} signed deliveries to a loopback receiver in ${seconds.toFixed(2)} s → ${Math.round(WEBHOOKS / seconds)} deliveries/s (batches of 50 in parallel, one worker)`,
  );
});
