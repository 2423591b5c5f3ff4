/**
 * `npm run bench:profiles`: `publicProfile(slug)` with its portfolio, packages and JSON-LD through
 * the local AppSync gateway (API key) to the profiles Lambda handler and PostgreSQL, at 32
 * connections (saturation) and at a fixed 200 req/s. Target: p95 ≤ 20 ms on 2 cores.
 * After the first read the page is answered by the gateway's emulation of AppSync's per-resolver cache
 * (infra/definitions/domains.ts `cachedReads`); `npm run perf:local` measures the uncached cost.
 */
import { newId } from '../../lambdas/core/ids.ts';
import { describeResult, load, withBenchStack } from './harness.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

await withBenchStack(async (stack) => {
  const userId = newId('user');
  const profileId = newId('profile');
  const slug = `bench-${profileId.slice(-10).toLowerCase()}`;
  await stack.db.query(
    `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, headline, bio, tags, city_code, price_min_cents, price_max_cents, languages, links, packages,
                                   cancellation_policy, reschedule_policy, contact_email, published_at)
     VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Bench Mark', 'Portraits and events', $4, '{portrait,events,headshot}', 'us-nyc', 20000, 80000, '{English,Spanish}',
             $5, $6, 'Free until 48 h before.', 'Free once.', 'bench@example.com', now())`,
    [
      profileId,
      userId,
      slug,
      'Portrait and event photographer. '.repeat(6),
      JSON.stringify([{ label: 'Site', url: 'https://example.com' }]),
      JSON.stringify([
        { name: 'Headshots', durationMinutes: 60, priceCents: 20000, extras: ['retouch'] },
        { name: 'Event', durationMinutes: 240, priceCents: 80000, extras: [] },
      ]),
    ],
  );
  for (let i = 0; i < 6; i++) {
    const mediaId = newId('media');
    const variants = ['square', 'small', 'medium', 'large'].map((name, index) => ({
      name,
      key: `media/${mediaId}/${name}.webp`,
      width: 320 * (index + 1),
      height: 320 * (index + 1),
      format: 'webp',
    }));
    await stack.db.query(
      // Published as the publisher consumer leaves it: public pages read public_variants only.
      `INSERT INTO media (id, owner_user_id, owner_type, owner_id, status, declared_content_type, declared_size_bytes, incoming_key, nsfw_band, variants, public_variants, sort_order, is_cover, width, height, upload_expires_at)
       VALUES ($1, $2, 'PROFILE', $3, 'READY', 'image/jpeg', 1000, 'incoming/x', 0, $4, $4, $5, $6, 1600, 1200, now())`,
      [mediaId, userId, profileId, JSON.stringify(variants), i, i === 0],
    );
  }
  const { graphqlUrl, apiKey } = stack.endpoints;
  const headers = { 'content-type': 'application/json', 'x-api-key': apiKey };
  const body = JSON.stringify({
    query: `query($slug: String!) { publicProfile(slug: $slug) { id slug role roles displayName headline bio city cityName verified instantBook tags languages
      priceBand { minCents maxCents currency label } packages { name durationMinutes priceCents extras } cancellationPolicy reschedulePolicy
      avatar { id variants { name url width height } } portfolio { id alt width height variants { name url width height format } } seo { canonicalUrl title description jsonLd } } }`,
    variables: { slug },
  });
  const sample = await fetch(graphqlUrl, { method: 'POST', headers, body });
  const text = await sample.text();
  if (sample.status !== 200 || text.includes('"errors"') || text.includes('bench@example.com'))
    throw new Error(`unexpected answer ${sample.status}: ${text.slice(0, 300)}`);
  // Measure the page a visitor gets: with its six portfolio images, not an empty shell.
  const portfolio = (JSON.parse(text) as { data: { publicProfile: { portfolio: unknown[] } } }).data.publicProfile
    .portfolio;
  if (portfolio.length !== 6)
    throw new Error(`expected 6 portfolio items on the benchmarked page, got ${portfolio.length}`);

  console.log(
    `bench:profiles — publicProfile (6 images, 2 packages, JSON-LD, ${text.length} B), ${DURATION} s per run, load generator in a separate process, ${process.arch} x ${(await import('node:os')).cpus().length} cores\n`,
  );
  const saturated = await load({
    url: graphqlUrl,
    connections: 32,
    durationSeconds: DURATION,
    method: 'POST',
    headers,
    body,
  });
  console.log(describeResult('32 connections, saturation', saturated));
  const paced = await load({
    url: graphqlUrl,
    connections: 32,
    durationSeconds: DURATION,
    method: 'POST',
    headers,
    body,
    rate: 200,
  });
  console.log(describeResult('32 connections, fixed 200 req/s', paced));
  console.log(
    `\ntarget p95 ≤ 20 ms at 32 connections (saturation) → ${saturated.p95 <= 20 ? 'met' : 'MISSED'} (${saturated.p95} ms)`,
  );
});
