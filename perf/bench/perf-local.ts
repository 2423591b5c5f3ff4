/**
 * `npm run perf:local`: the shapes of the k6 scenarios (perf/k6/*.js, same GraphQL documents, same
 * budgets from perf/k6/budgets.js) driven with a Node load generator (autocannon, in its own process:
 * perf/bench/mix-load.ts) against a local stack, printed as ONE table: surface, seed budget, aim,
 * measured p50/p95 at the k6 steady arrival rate, req/s at saturation, pass/fail.
 *
 * Stack: a throwaway one started here (ephemeral PostgreSQL, in-memory DynamoDB; per-IP sign-in
 * buckets skipped for loopback, a local-only setting, so the sign-in row measures sign-in and not the
 * limiter), or, with BASE_URL, a running `npm start` whose state folder (RASTUP_STATE_DIR, default
 * .local) holds endpoints.json and secrets.json (start it with RASTUP_AUTH_EXEMPT_LOOPBACK=on).
 *
 * Every public read the web app makes without signing in (the schema's API-key queries: profile and
 * studio pages, booking slots and terms, listing reviews, cities, feature flags, search, suggestions) is
 * measured twice. "cached": one answer (one argument set) again and again: the API-key reads from the
 * gateway's emulation of AppSync's per-resolver cache (infra/definitions/domains.ts `cachedReads`),
 * search and suggestions from the search Lambda's hot-query cache. "uncached": a rotation over
 * PERF_LISTINGS (6,000) distinct listings, more than the emulated API cache holds (5,000 entries, oldest
 * dropped first), so in round-robin order every read is a miss and reaches the Lambda. Search
 * "uncached" rotates 600 distinct filter combinations, suggestions 600 distinct prefixes. Cities (no
 * arguments) cannot rotate past the cache: its uncached row runs last with the gateway's emulated cache
 * switched off (the local stack's /dev/api-cache route). Listing reviews and feature flags are not in
 * the API cache (domains.ts says why): their rows are one argument set and a rotation, both misses.
 *
 * PERF_SECONDS (5) per run; PERF_CONNECTIONS (32). PERF_CPU_PROFILE=<dir> writes a CPU profile of the
 * stack's process per saturation run (read with `npm run perf:profile-top -- <file>`). Pass = the seed budget (p95, and p50 where the
 * seed gives one) met at the steady rate with an error rate ≤ 0.5 %.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hash } from '@node-rs/argon2';
import { seedCityCoordinates } from '../../db/seeds/seed.ts';
import { seedSyntheticListings } from '../../db/seeds/synthetic-listings.ts';
import { mediaPublicBucket, physicalBucketName } from '../../infra/definitions/buckets.ts';
import { controlTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { LOOPBACK_IPS, startLocalStack, type Endpoints, type LocalStack } from '../../infra/local/stack.ts';
import { DynamoDbTtlCache } from '../../lambdas/adapters/dynamodb-ttl-cache.ts';
import { documentClientFromEnv } from '../../lambdas/adapters/dynamodb.ts';
import { ARGON2_PARAMS } from '../../lambdas/auth/password-hasher.ts';
import { availabilitySchema } from '../../lambdas/booking/availability.ts';
import { SigningKeyStore } from '../../lambdas/auth/signing-keys.ts';
import { TokenService } from '../../lambdas/auth/token.service.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { partnerRegistry, type Verdict } from '../../lambdas/partner/index.ts';
import { reindexAll } from '../../ops/scripts/search-reindex.ts';
import { ERROR_RATE_BUDGET, SURFACES, type SurfaceId } from '../k6/budgets.js';
import {
  BOOKING_SLOTS,
  BOOKING_TERMS,
  CHECKOUT_QUOTE,
  CITIES,
  FEATURE_FLAGS,
  INBOX,
  LISTING_REVIEWS,
  PROFILE_VIEW,
  SEARCH,
  STUDIO_VIEW,
  SUGGESTIONS,
  THREAD,
} from '../k6/queries.js';
import { profiled, rootDir } from './harness.ts';
import type { MixRequest, MixResult } from './mix-load.ts';

const SECONDS = Number(process.env.PERF_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.PERF_CONNECTIONS ?? 32);
const LISTINGS = Number(process.env.PERF_LISTINGS ?? 6_000);
const PASSWORD = 'perf lantern orbit velvet harbor';
const runFile = promisify(execFile);

interface Row {
  label: string;
  surface: SurfaceId;
  /** Which seed budget applies: a cache hit or a miss (public reads). */
  budget: 'hit' | 'miss';
  url: string;
  requests: MixRequest[];
  /** Aims on throughput apply to the uncached public reads only (issue #17: ≥ 5,000 req/s). */
  throughputAim?: number;
}

/** A target's GraphQL request builder and API key, for rows built on either stack. */
interface RowKit {
  graphqlUrl: string;
  api: Record<string, string>;
  gq: (auth: Record<string, string>, query: string, variables: object) => MixRequest;
}

interface Target {
  endpoints: Endpoints;
  keyEncryptionKey: string;
  db: Database;
  stop: () => Promise<void>;
}

let visitor = 0;

async function openTarget(): Promise<Target> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (process.env.BASE_URL) {
    const stateDir = process.env.RASTUP_STATE_DIR ?? join(rootDir, '.local');
    const file = join(stateDir, 'endpoints.json');
    if (!existsSync(file)) throw new Error(`BASE_URL given but no ${file}: start the stack (npm start) first`);
    const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
    if (!endpoints.restUrl.startsWith(process.env.BASE_URL.replace(/\/$/, '')))
      throw new Error(`${file} describes ${endpoints.restUrl}, not BASE_URL ${process.env.BASE_URL}`);
    const { keyEncryptionKey } = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
      keyEncryptionKey: string;
    };
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.DYNAMODB_ENDPOINT = endpoints.dynamodbEndpoint;
    const db = createDatabase({ connectionString: endpoints.databaseUrl, max: 4 });
    return { endpoints, keyEncryptionKey, db, stop: () => db.close() };
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'rastup-perf-'));
  const stack: LocalStack = await startLocalStack({
    rootDir,
    stateDir,
    port: 0,
    ephemeral: true,
    logFile: join(stateDir, 'stack.log'),
    authRateLimitExemptIps: LOOPBACK_IPS,
    // Many visitors, not one address: the emulated WAF's per-IP search limits are not what is measured.
    edgeClientIp: () => `10.${(visitor >> 16) & 255}.${(visitor >> 8) & 255}.${visitor++ & 255}`,
  });
  const { keyEncryptionKey } = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
    keyEncryptionKey: string;
  };
  return {
    endpoints: stack.endpoints,
    keyEncryptionKey,
    db: stack.db,
    stop: async () => {
      await stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

async function measure(row: Row, rate: number | undefined, workDir: string, startIndex: number): Promise<MixResult> {
  const file = join(workDir, `${row.label.replace(/\W+/g, '-')}-${rate ?? 'max'}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      url: row.url,
      connections: CONNECTIONS,
      durationSeconds: SECONDS,
      warmupSeconds: 1,
      startIndex,
      ...(rate ? { rate } : {}),
      requests: row.requests,
    }),
  );
  const run = () =>
    runFile(process.execPath, ['--import', 'tsx', join(rootDir, 'perf/bench/mix-load.ts'), file], {
      cwd: rootDir,
      maxBuffer: 16 * 1024 * 1024,
    });
  // PERF_CPU_PROFILE=<dir>: a CPU profile of the stack during each saturation run (harness.ts).
  const { stdout } = rate ? await run() : await profiled(row.label, run);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as MixResult;
}

/** Published listings with the page a visitor gets: six images and two packages per profile, three photos per studio. */
async function seedPublicListings(db: Database, count: number): Promise<void> {
  await seedSyntheticListings(db, count);
  // Bulk statements without the pool's 10 s statement timeout: on a loaded machine they take longer.
  const seed = {
    query: (text: string, values?: unknown[]) =>
      db.transaction(async (tx) => {
        await tx.query('SET LOCAL statement_timeout = 0');
        return tx.query(text, values);
      }),
  };
  const packages = JSON.stringify([
    { name: 'Headshots', durationMinutes: 60, priceCents: 20000, extras: ['retouch'] },
    { name: 'Event', durationMinutes: 240, priceCents: 80000, extras: [] },
  ]);
  await seed.query(
    `UPDATE service_profiles SET packages = $1, cancellation_policy = 'Free until 48 h before.'
      WHERE id LIKE 'prf\\_01JSEEDPRF%' AND id <= 'prf_01JSEEDPRF' || lpad($2::text, 16, '0')`,
    [packages, count],
  );
  const variants = (prefix: string) =>
    `(SELECT jsonb_agg(jsonb_build_object('name', name, 'key', 'media/' || ${prefix} || '/' || name || '.webp',
             'width', w, 'height', w * 3 / 4, 'format', 'webp'))
        FROM (VALUES ('square', 320), ('small', 640), ('medium', 1024), ('large', 1600)) AS s(name, w))`;
  // Five more portfolio images per seeded profile (the seed gives each a cover).
  await seed.query(
    `WITH g AS (SELECT n, i, lpad(n::text, 16, '0') AS k FROM generate_series(1, $1::int) n, generate_series(1, 5) i)
     INSERT INTO media (id, owner_user_id, owner_type, owner_id, status, declared_content_type, declared_size_bytes,
                        incoming_key, alt_text, width, height, nsfw_band, variants, public_variants, sort_order, is_cover,
                        upload_expires_at, processed_at)
     SELECT 'med_01JPERFMED' || i || g.k, 'usr_01JSEEDACC' || g.k, 'PROFILE', 'prf_01JSEEDPRF' || g.k, 'READY',
            'image/jpeg', 1000, 'incoming/perf', 'Synthetic sample image', 1600, 1200, 0, v.x, v.x, i, false, now(), now()
       FROM g CROSS JOIN LATERAL (SELECT ${variants(`'med_01JPERFMED' || i || g.k`)} AS x) v
     ON CONFLICT (id) DO NOTHING`,
    [count],
  );
  await seed.query(
    `WITH g AS (SELECT n, lpad(n::text, 16, '0') AS k FROM generate_series(1, $1::int) n)
     INSERT INTO studios (id, owner_user_id, slug, status, name, description, city_code, amenities, hourly_min_cents,
                          hourly_max_cents, deposit_cents, contact_email, address_line1, published_at)
     SELECT 'std_01JPERFSTD' || g.k, 'usr_01JPERFOWN' || g.k, 'perf-studio-' || g.n, 'PUBLISHED', 'Perf Loft ' || g.n,
            'Synthetic daylight studio for load tests. No real place.', 'us-nyc', '{cyclorama,parking,wifi}', 5000, 12000,
            10000, 'owner@example.test', '1 Synthetic Way', now()
       FROM g ON CONFLICT (id) DO NOTHING`,
    [count],
  );
  await seed.query(
    `WITH g AS (SELECT n, i, lpad(n::text, 16, '0') AS k FROM generate_series(1, $1::int) n, generate_series(0, 2) i)
     INSERT INTO media (id, owner_user_id, owner_type, owner_id, status, declared_content_type, declared_size_bytes,
                        incoming_key, alt_text, width, height, nsfw_band, variants, public_variants, sort_order, is_cover,
                        upload_expires_at, processed_at)
     SELECT 'med_01JPERFSTM' || i || g.k, 'usr_01JPERFOWN' || g.k, 'STUDIO', 'std_01JPERFSTD' || g.k, 'READY',
            'image/jpeg', 1000, 'incoming/perf', 'Synthetic studio photo', 1600, 1200, 0, v.x, v.x, i, i = 0, now(), now()
       FROM g CROSS JOIN LATERAL (SELECT ${variants(`'med_01JPERFSTM' || i || g.k`)} AS x) v
     ON CONFLICT (id) DO NOTHING`,
    [count],
  );
  // Published availability for every profile (the slots and terms reads need it) and twelve visible
  // client reviews each (the reviews read: summary, distribution, newest ten).
  const availability = JSON.stringify(
    availabilitySchema.parse({
      timezone: 'America/New_York',
      weekly: [1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '09:00', end: '18:00' })),
      minNoticeMinutes: 60,
    }),
  );
  await seed.query(
    `WITH g AS (SELECT n, lpad(n::text, 16, '0') AS k FROM generate_series(1, $1::int) n)
     INSERT INTO booking_settings (resource_id, resource_type, owner_user_id, availability, cancellation_policy)
     SELECT 'prf_01JSEEDPRF' || g.k, 'PROFILE', 'usr_01JSEEDACC' || g.k, $2::jsonb, 'MODERATE' FROM g
     ON CONFLICT (resource_id) DO NOTHING`,
    [count, availability],
  );
  // Ids: a 2-digit review number and 15 digits of the profile number keep the 26-character ULID body.
  const reviewSeries = `WITH g AS (SELECT n, i, lpad(n::text, 16, '0') AS k, lpad(i::text, 2, '0') || substr(lpad(n::text, 16, '0'), 2) AS j
                                  FROM generate_series(1, $1::int) n, generate_series(1, 12) i)`;
  await seed.query(
    `${reviewSeries}
     INSERT INTO review_windows (leg_id, group_id, client_user_id, owner_user_id, listing_type, listing_id,
                                 completed_at, closes_at)
     SELECT 'bkl_01JPERFKG' || j, 'bkg_01JPERFGR' || j, 'usr_01JPERFCX' || j, 'usr_01JSEEDACC' || k, 'PROFILE',
            'prf_01JSEEDPRF' || k, now() - interval '30 days' - i * interval '1 day',
            now() - interval '16 days' - i * interval '1 day'
       FROM g ON CONFLICT (leg_id) DO NOTHING`,
    [count],
  );
  await seed.query(
    `${reviewSeries}
     INSERT INTO reviews (id, leg_id, direction, author_user_id, subject_user_id, listing_type, listing_id, rating, body,
                          created_at, published_at)
     SELECT 'rev_01JPERFRV' || j, 'bkl_01JPERFKG' || j, 'CLIENT_TO_LISTING', 'usr_01JPERFCX' || j,
            'usr_01JSEEDACC' || k, 'PROFILE', 'prf_01JSEEDPRF' || k, 3 + (n + i) % 3,
            'Synthetic review: on time, clear direction, good results.',
            now() - interval '20 days' - i * interval '1 day', now() - interval '16 days' - i * interval '1 day'
       FROM g ON CONFLICT (id) DO NOTHING`,
    [count],
  );
  await seed.query(
    'ANALYZE service_profiles; ANALYZE studios; ANALYZE media; ANALYZE booking_settings; ANALYZE review_windows; ANALYZE reviews',
  );
}

async function signUp(endpoints: Endpoints, role: 'client' | 'provider') {
  const email = `perf-${newId('request').slice(-12).toLowerCase()}@example.test`;
  const password = `Perf-${newId('request')}!x`;
  const post = (path: string, body: unknown) =>
    fetch(new URL(path, endpoints.restUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const answer = await post('/auth/signup', {
    email,
    password,
    role,
    consents: { terms: '2026-01-01', privacy: '2026-01-01', marketing: false },
  });
  if (answer.status !== 202) throw new Error(`signup ${answer.status}: ${await answer.text()}`);
  let code: string | undefined;
  for (let i = 0; i < 200 && !code; i++) {
    const { messages } = (await (await fetch(endpoints.mailboxUrl)).json()) as {
      messages: { to: string; text: string; template: string }[];
    };
    code = /\b(\d{6})\b/.exec(
      messages.find((m) => m.to === email && m.template === 'auth.verify_email')?.text ?? '',
    )?.[1];
    if (!code) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if ((await post('/auth/verify-email', { email, code, password })).status !== 200) throw new Error('verify failed');
  const login = await post('/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login ${login.status}`);
  return (await login.json()) as { accessToken: string; userId: string };
}

async function graphql<T>(endpoints: Endpoints, auth: Record<string, string>, query: string, variables = {}) {
  const answer = await fetch(endpoints.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await answer.json()) as { data: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors).slice(0, 500));
  return body.data;
}

const gqlRequest = (auth: Record<string, string>, query: string, variables: object): MixRequest => ({
  method: 'POST',
  path: '/graphql',
  headers: { 'content-type': 'application/json', ...auth },
  body: JSON.stringify({ query, variables }),
});

async function buildRows(target: Target): Promise<Row[]> {
  const { endpoints, db } = target;
  const graphqlUrl = endpoints.graphqlUrl;
  const pathOf = (url: string) => new URL(url).pathname;
  const api = { 'x-api-key': endpoints.apiKey };
  const gqlPath = pathOf(graphqlUrl);
  const gq = (auth: Record<string, string>, query: string, variables: object) => ({
    ...gqlRequest(auth, query, variables),
    path: gqlPath,
  });

  const started = Date.now();
  await seedPublicListings(db, LISTINGS);
  const indexed = await reindexAll({
    databaseUrl: endpoints.databaseUrl,
    mediaPublicBaseUrl: `${endpoints.s3Endpoint}/${physicalBucketName('local', mediaPublicBucket)}`,
    kinds: ['PROFILE', 'STUDIO'],
    runId: `perf-${Date.now()}`,
  });
  await db.query('ANALYZE search_documents');
  console.log(
    `seeded ${LISTINGS} profiles (6 images, 2 packages each) and ${LISTINGS} studios (3 photos), indexed ${indexed.processed} documents in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const slugs = Array.from({ length: LISTINGS }, (_, i) => `seed-${i + 1}`);
  const studioSlugs = Array.from({ length: LISTINGS }, (_, i) => `perf-studio-${i + 1}`);
  // The sample answers are real pages: six images, no contact data.
  const sample = await graphql<{ publicProfile: { portfolio: unknown[] } }>(endpoints, api, PROFILE_VIEW, {
    slug: slugs[0],
  });
  if (sample.publicProfile.portfolio.length < 6)
    throw new Error(`expected a 6-image page, got ${sample.publicProfile.portfolio.length}`);
  const studio = await graphql<{ publicStudio: { photos: unknown[] } }>(endpoints, api, STUDIO_VIEW, {
    slug: studioSlugs[0],
  });
  if (studio.publicStudio.photos.length !== 3 || /owner@example|Synthetic Way/.test(JSON.stringify(studio)))
    throw new Error(`unexpected studio page: ${JSON.stringify(studio).slice(0, 300)}`);

  // Booking slots, terms and reviews of the seeded profiles: real answers (open slots, 12 reviews).
  const profileIds = Array.from({ length: LISTINGS }, (_, i) => `prf_01JSEEDPRF${String(i + 1).padStart(16, '0')}`);
  const slotsInput = (profileId: string) => ({ input: { profileId, durationMinutes: 60, days: 7 } });
  const slotSample = await graphql<{ bookingSlots: { slots: unknown[] } }>(
    endpoints,
    api,
    BOOKING_SLOTS,
    slotsInput(profileIds[0]!),
  );
  if (slotSample.bookingSlots.slots.length === 0) throw new Error('the sample listing has no open slots');
  await graphql(endpoints, api, BOOKING_TERMS, { id: profileIds[0] });
  const reviewSample = await graphql<{ listingReviews: { count: number; reviews: unknown[] } }>(
    endpoints,
    api,
    LISTING_REVIEWS,
    { id: profileIds[0], first: 10 },
  );
  if (reviewSample.listingReviews.count !== 12 || reviewSample.listingReviews.reviews.length !== 10)
    throw new Error(`unexpected reviews: ${JSON.stringify(reviewSample).slice(0, 300)}`);
  const cityList = (await graphql<{ cities: { code: string }[] }>(endpoints, api, CITIES)).cities;

  // Search: 600 distinct combinations (text × city × price band), and one hot query.
  const words = ['photographer', 'model', 'portrait', 'wedding', 'fashion', 'video', 'editorial', 'headshot'];
  const cities = Object.keys(seedCityCoordinates).slice(0, 4);
  const searches = Array.from({ length: 600 }, (_, i) => ({
    text: words[i % words.length],
    city: cities[Math.floor(i / words.length) % cities.length],
    priceMinCents: (Math.floor(i / 32) % 19) * 5_000,
    priceMaxCents: (Math.floor(i / 32) % 19) * 5_000 + 40_000,
    first: 20,
  }));
  const found = await graphql<{ searchListings: { items: unknown[]; engine: string } }>(endpoints, api, SEARCH, {
    input: searches[0],
  });
  if (found.searchListings.items.length === 0) throw new Error('the sample search found nothing');
  // Suggestions: 600 distinct prefixes that each match seeded studio titles ("Perf Loft 17" matches 17, 170…).
  const prefixes = Array.from({ length: 600 }, (_, i) => `perf loft ${i + 1}`);
  const suggested = await graphql<{ searchSuggestions: unknown[] }>(endpoints, api, SUGGESTIONS, {
    prefix: prefixes[0],
  });
  if (suggested.searchSuggestions.length === 0) throw new Error('the sample prefix suggested nothing');

  // Checkout: quotes by 200 signed-in clients (the per-user checkout limit is not what is measured).
  const tokens = new TokenService(
    new SigningKeyStore(db, systemClock, target.keyEncryptionKey, 30, 4500),
    systemClock,
    endpoints.restUrl,
    'rastup-api',
    3600,
  );
  const clientTokens: string[] = [];
  for (let i = 0; i < 200; i++) {
    const now = Math.floor(Date.now() / 1000);
    const { token } = await tokens.issueAccessToken({
      userId: newId('user'),
      roles: ['client'],
      amr: ['pwd'],
      authTime: now,
    });
    clientTokens.push(token);
  }
  const quoteLegs = (i: number) => ({
    input: {
      legs: [
        {
          legId: 'shoot',
          profileId: `prf_01JSEEDPRF${String((i % LISTINGS) + 1).padStart(16, '0')}`,
          packageName: 'Headshots',
          extraMinutes: 30,
        },
      ],
    },
  });
  await graphql(endpoints, { authorization: clientTokens[0]! }, CHECKOUT_QUOTE, quoteLegs(0));

  // Messages: a provider with a published profile, 30 clients' inquiries, 60 messages in one thread.
  const provider = await signUp(endpoints, 'provider');
  const profileId = newId('profile');
  await db.query(
    `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, published_at)
     VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Perf Inbox', now())`,
    [profileId, provider.userId, `perf-${profileId.slice(-10).toLowerCase()}`],
  );
  const threads: string[] = [];
  for (let i = 0; i < 30; i++) {
    const client = await signUp(endpoints, 'client');
    const started = await graphql<{ startInquiry: { thread: { threadId: string } } }>(
      endpoints,
      { authorization: client.accessToken },
      'mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }',
      { input: { profileId, body: 'Hello, are you available next week?' } },
    );
    threads.push(started.startInquiry.thread.threadId);
    if (i === 0)
      for (let m = 0; m < 20; m++)
        await graphql(
          endpoints,
          { authorization: client.accessToken },
          'mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }',
          { input: { threadId: started.startInquiry.thread.threadId, body: `Message number ${m}` } },
        );
  }
  const providerAuth = { authorization: provider.accessToken };

  // Partner API: an OAuth client whose quota the run does not reach.
  const registry = partnerRegistry(
    db,
    new DynamoDbTtlCache<Verdict>(documentClientFromEnv(), physicalTableName('local', controlTable), 'PV'),
  );
  const partner = await registry.createClient({
    name: 'Perf',
    contactEmail: 'dpa@perf.example',
    scopes: ['read:profiles'],
    requestsPerMinute: 10_000_000,
  });
  const tokenAnswer = await fetch(`${endpoints.restUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${partner.clientId}:${partner.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (tokenAnswer.status !== 200) throw new Error(`partner token ${tokenAnswer.status}`);
  const { access_token: partnerToken } = (await tokenAnswer.json()) as { access_token: string };

  // Sign-in: 400 verified accounts sharing one argon2id hash (each login still verifies it), so
  // per-identity limits and lockout (which stay on) never trigger.
  const stored = await hash(PASSWORD, ARGON2_PARAMS);
  const emails = Array.from({ length: 400 }, (_, i) => `perf-${i}-${Date.now()}@example.test`);
  await db.query(
    `INSERT INTO users (id, email, password_hash, password_changed_at, email_verified_at, roles)
     SELECT unnest($1::text[]), unnest($2::text[]), $3, now(), now(), ARRAY['client']`,
    [emails.map(() => newId('user')), emails, stored],
  );
  const restPath = (path: string) => `${pathOf(endpoints.restUrl).replace(/\/$/, '')}${path}`;

  return [
    {
      label: 'profile view, cached',
      surface: 'profile-view',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(api, PROFILE_VIEW, { slug: slugs[0] })],
    },
    {
      label: 'profile view, uncached',
      surface: 'profile-view',
      budget: 'miss',
      url: graphqlUrl,
      requests: slugs.map((slug) => gq(api, PROFILE_VIEW, { slug })),
      throughputAim: SURFACES['profile-view'].aim.minRps,
    },
    {
      label: 'studio view, cached',
      surface: 'studio-view',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(api, STUDIO_VIEW, { slug: studioSlugs[0] })],
    },
    {
      label: 'studio view, uncached',
      surface: 'studio-view',
      budget: 'miss',
      url: graphqlUrl,
      requests: studioSlugs.map((slug) => gq(api, STUDIO_VIEW, { slug })),
      throughputAim: SURFACES['studio-view'].aim.minRps,
    },
    {
      label: 'booking slots, cached',
      surface: 'booking-slots',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(api, BOOKING_SLOTS, slotsInput(profileIds[0]!))],
    },
    {
      label: 'booking slots, uncached',
      surface: 'booking-slots',
      budget: 'miss',
      url: graphqlUrl,
      requests: profileIds.map((id) => gq(api, BOOKING_SLOTS, slotsInput(id))),
      throughputAim: SURFACES['booking-slots'].aim.minRps,
    },
    {
      label: 'booking terms, cached',
      surface: 'booking-terms',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(api, BOOKING_TERMS, { id: profileIds[0] })],
    },
    {
      label: 'booking terms, uncached',
      surface: 'booking-terms',
      budget: 'miss',
      url: graphqlUrl,
      requests: profileIds.map((id) => gq(api, BOOKING_TERMS, { id })),
      throughputAim: SURFACES['booking-terms'].aim.minRps,
    },
    {
      label: 'listing reviews, one listing (not API-cached)',
      surface: 'listing-reviews',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(api, LISTING_REVIEWS, { id: profileIds[0], first: 10 })],
    },
    {
      label: `listing reviews, ${LISTINGS} listings (not API-cached)`,
      surface: 'listing-reviews',
      budget: 'miss',
      url: graphqlUrl,
      requests: profileIds.map((id) => gq(api, LISTING_REVIEWS, { id, first: 10 })),
      throughputAim: SURFACES['listing-reviews'].aim.minRps,
    },
    ...cachedOnlyRows({ graphqlUrl, api, gq }, cityList[0]!.code),
    {
      label: 'search, cached (one query)',
      surface: 'search',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(api, SEARCH, { input: searches[0] })],
    },
    {
      label: 'search, uncached (600 queries)',
      surface: 'search',
      budget: 'miss',
      url: graphqlUrl,
      requests: searches.map((input) => gq(api, SEARCH, { input })),
    },
    {
      label: 'suggestions, cached (one prefix)',
      surface: 'search',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(api, SUGGESTIONS, { prefix: prefixes[0] })],
    },
    {
      label: 'suggestions, uncached (600 prefixes)',
      surface: 'search',
      budget: 'miss',
      url: graphqlUrl,
      requests: prefixes.map((prefix) => gq(api, SUGGESTIONS, { prefix })),
    },
    {
      label: 'checkout quote',
      surface: 'checkout',
      budget: 'hit',
      url: graphqlUrl,
      requests: clientTokens.map((token, i) => gq({ authorization: token }, CHECKOUT_QUOTE, quoteLegs(i))),
    },
    {
      label: 'messages: inbox + thread',
      surface: 'messages',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(providerAuth, INBOX, {}), gq(providerAuth, THREAD, { t: threads[0] })],
    },
    {
      label: 'partner GET /v1/profiles',
      surface: 'partner-api',
      budget: 'hit',
      url: endpoints.restUrl,
      requests: [
        {
          method: 'GET',
          path: restPath('/v1/profiles?limit=20'),
          headers: { authorization: `Bearer ${partnerToken}` },
        },
      ],
    },
    {
      label: 'auth POST /auth/login',
      surface: 'auth',
      budget: 'hit',
      url: endpoints.restUrl,
      requests: emails.map((email) => ({
        method: 'POST' as const,
        path: restPath('/auth/login'),
        headers: { 'content-type': 'application/json', 'user-agent': 'rastup-perf' },
        body: JSON.stringify({ email, password: PASSWORD }),
      })),
    },
  ];
}

/** Cities (cached: one entry, read again and again) and one city's flags (not API-cached). */
function cachedOnlyRows({ graphqlUrl, api, gq }: RowKit, city: string): Row[] {
  return [
    { label: 'cities, cached', surface: 'cities', budget: 'hit', url: graphqlUrl, requests: [gq(api, CITIES, {})] },
    {
      label: 'feature flags, one city (not API-cached)',
      surface: 'feature-flags',
      budget: 'hit',
      url: graphqlUrl,
      requests: [gq(api, FEATURE_FLAGS, { city })],
    },
  ];
}

/** With the gateway's API cache off (setApiCache): every read of cities and flags reaches the Lambda. */
async function uncachedOnlyRows(endpoints: Endpoints): Promise<Row[]> {
  const api = { 'x-api-key': endpoints.apiKey };
  const path = new URL(endpoints.graphqlUrl).pathname;
  const gq = (auth: Record<string, string>, query: string, variables: object) => ({
    ...gqlRequest(auth, query, variables),
    path,
  });
  const { cities } = await graphql<{ cities: { code: string }[] }>(endpoints, api, CITIES);
  return [
    {
      label: 'cities, uncached (no API cache)',
      surface: 'cities',
      budget: 'miss',
      url: endpoints.graphqlUrl,
      requests: [gq(api, CITIES, {})],
      throughputAim: SURFACES.cities.aim.minRps,
    },
    {
      label: `feature flags, ${cities.length} cities (not API-cached)`,
      surface: 'feature-flags',
      budget: 'miss',
      url: endpoints.graphqlUrl,
      requests: cities.map(({ code }) => gq(api, FEATURE_FLAGS, { city: code })),
      throughputAim: SURFACES['feature-flags'].aim.minRps,
    },
  ];
}

/** The local gateway's switch for its emulated API cache (a dev route of the local stack, never in AWS). */
async function setApiCache(endpoints: Endpoints, enabled: boolean): Promise<void> {
  const answer = await fetch(new URL(`/dev/api-cache?enabled=${enabled}`, endpoints.restUrl));
  if (answer.status !== 200) throw new Error(`/dev/api-cache answered ${answer.status}: ${await answer.text()}`);
}

function budgetText(row: Row): { text: string; p50?: number; p95: number } {
  const surface = SURFACES[row.surface];
  const budget = row.budget === 'miss' && surface.missBudget ? surface.missBudget : surface.budget;
  return {
    text: `${budget.p50Ms !== undefined ? `p50<${budget.p50Ms} ` : ''}p95≤${budget.p95Ms} (${budget.source})`,
    ...(budget.p50Ms !== undefined ? { p50: budget.p50Ms } : {}),
    p95: budget.p95Ms,
  };
}

const target = await openTarget();
const workDir = mkdtempSync(join(tmpdir(), 'rastup-perf-load-'));
const lines: string[][] = [];
let failed = 0;
let measured = 0;

async function measureRows(rows: Row[]): Promise<void> {
  for (const row of rows) {
    const surface = SURFACES[row.surface];
    // The saturation run goes on in the rotation where the paced run stopped (rotation.ts), so an
    // uncached row does not re-ask ids the paced run just cached.
    const paced = await measure(row, surface.steadyRps, workDir, 0);
    const saturated = await measure(row, undefined, workDir, paced.nextIndex ?? 0);
    if (process.env.PERF_DEBUG) console.log(row.label, JSON.stringify(paced), JSON.stringify(saturated));
    const budget = budgetText(row);
    const errorRate = paced.total > 0 ? paced.failures / paced.total : 1;
    const answered = paced.total > 0 && saturated.total > 0;
    const pass =
      answered &&
      paced.p95 <= budget.p95 &&
      (budget.p50 === undefined || paced.p50 < budget.p50) &&
      errorRate <= ERROR_RATE_BUDGET &&
      saturated.failures / Math.max(1, saturated.total) <= ERROR_RATE_BUDGET;
    measured++;
    if (!pass) failed++;
    const aimMet =
      answered &&
      paced.p95 <= surface.aim.p95Ms &&
      (row.throughputAim === undefined || saturated.requestsPerSecond >= row.throughputAim);
    const aim = `p95≤${surface.aim.p95Ms}${row.throughputAim ? `, ≥${row.throughputAim} req/s` : ''}`;
    lines.push([
      row.label,
      budget.text,
      `${aim} ${aimMet ? 'met' : 'missed'}`,
      `${surface.steadyRps}`,
      answered ? paced.p50.toFixed(1) : 'none answered',
      answered ? paced.p95.toFixed(1) : '-',
      `${(errorRate * 100).toFixed(2)}%`,
      String(saturated.requestsPerSecond),
      pass ? 'PASS' : 'FAIL',
    ]);
    const notes = { ...paced.statuses };
    delete notes['200'];
    if (Object.keys(notes).length > 0)
      console.log(`  ${row.label}: non-2xx/errors at steady rate ${JSON.stringify(notes)}`);
    const saturationNotes = { ...saturated.statuses };
    delete saturationNotes['200'];
    if (Object.keys(saturationNotes).length > 0)
      console.log(`  ${row.label}: non-2xx/errors at saturation ${JSON.stringify(saturationNotes)}`);
  }
}

try {
  await measureRows(await buildRows(target));
  await setApiCache(target.endpoints, false);
  try {
    await measureRows(await uncachedOnlyRows(target.endpoints));
  } finally {
    await setApiCache(target.endpoints, true);
  }
  const header = [
    'surface',
    'seed budget (ms)',
    'aim (ms)',
    'steady req/s',
    'p50 ms',
    'p95 ms',
    'errors',
    'max req/s',
    'result',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => (line[i] ?? '').length)));
  const format = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ');
  console.log(
    `\nperf:local — ${target.endpoints.graphqlUrl}, ${process.arch} x ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )} at the end; ${SECONDS} s per run after 1 s warm-up, ${CONNECTIONS} connections; p50/p95 at the k6 steady rate, max req/s at saturation; load generator in its own process\n`,
  );
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const line of lines) console.log(format(line));
  console.log(`\n${measured - failed}/${measured} within the seed budgets`);
  process.exitCode = failed > 0 ? 1 : 0;
} finally {
  rmSync(workDir, { recursive: true, force: true });
  await target.stop();
}
