// One definition of the load budgets and scenario shapes, read by the k6 scenarios in this folder
// (k6 imports local ES modules) and by `npm run perf:local` (perf/bench/perf-local.ts), so the
// deployed-stage thresholds and the local table cannot drift apart.
//
// Seed budgets (p95 unless noted):
//  - seed 001 Appendix V.1: GraphQL cached ≤ 200 ms, miss ≤ 450 ms, error rate ≤ 0.5 %; steady 150 RPS,
//    burst 500; Typesense median < 50 ms, p95 < 150 ms at QPS 200; checkout server processing ≤ 600 ms.
//  - seed 004 (messaging): inbox and thread reads ≤ 250 ms.
//  - infra/definitions/slos.ts (NTB-POST-001): REST auth and partner /v1 answered within 450 ms.
// Aims are this project's own, tighter targets for a warm local stack on 2 cores.

/** Error rate allowed on every surface (Appendix V.1: ≤ 0.5 %). */
export const ERROR_RATE_BUDGET = 0.005;

/**
 * Per surface: the seed budget (`p95Ms`, optional `p50Ms`), the aim, and the k6 steady/burst
 * arrival rates (req/s). `perf:local` paces its latency run at `steadyRps` (the k6 steady shape)
 * and measures throughput at saturation separately.
 */
export const SURFACES = {
  'profile-view': {
    title: 'publicProfile (GraphQL, API key)',
    budget: { p95Ms: 200, source: 'App. V.1 GraphQL cached' },
    missBudget: { p95Ms: 450, source: 'App. V.1 GraphQL miss' },
    aim: { p95Ms: 20, minRps: 5000 },
    steadyRps: 150,
    burstRps: 500,
  },
  'studio-view': {
    title: 'publicStudio (GraphQL, API key)',
    budget: { p95Ms: 200, source: 'App. V.1 GraphQL cached' },
    missBudget: { p95Ms: 450, source: 'App. V.1 GraphQL miss' },
    aim: { p95Ms: 20, minRps: 5000 },
    steadyRps: 150,
    burstRps: 500,
  },
  // The other public reads the web app makes without signing in (API key), each cached by AppSync
  // (infra/definitions/domains.ts `cachedReads`): the same GraphQL budgets as a page.
  'booking-slots': {
    title: 'bookingSlots (GraphQL, API key)',
    budget: { p95Ms: 200, source: 'App. V.1 GraphQL cached' },
    missBudget: { p95Ms: 450, source: 'App. V.1 GraphQL miss' },
    aim: { p95Ms: 20, minRps: 5000 },
    steadyRps: 150,
    burstRps: 500,
  },
  'booking-terms': {
    title: 'bookingTerms (GraphQL, API key)',
    budget: { p95Ms: 200, source: 'App. V.1 GraphQL cached' },
    missBudget: { p95Ms: 450, source: 'App. V.1 GraphQL miss' },
    aim: { p95Ms: 20, minRps: 5000 },
    steadyRps: 150,
    burstRps: 500,
  },
  // Not in AppSync's cache (infra/definitions/domains.ts says why): every read is a miss.
  'listing-reviews': {
    title: 'listingReviews (GraphQL, API key)',
    budget: { p95Ms: 450, source: 'App. V.1 GraphQL miss' },
    aim: { p95Ms: 20, minRps: 5000 },
    steadyRps: 150,
    burstRps: 500,
  },
  cities: {
    title: 'cities (GraphQL, API key)',
    budget: { p95Ms: 200, source: 'App. V.1 GraphQL cached' },
    missBudget: { p95Ms: 450, source: 'App. V.1 GraphQL miss' },
    aim: { p95Ms: 20, minRps: 5000 },
    steadyRps: 150,
    burstRps: 500,
  },
  // Not in AppSync's cache (infra/definitions/domains.ts says why): every read is a miss.
  'feature-flags': {
    title: 'featureFlags (GraphQL, API key)',
    budget: { p95Ms: 450, source: 'App. V.1 GraphQL miss' },
    aim: { p95Ms: 20, minRps: 5000 },
    steadyRps: 150,
    burstRps: 500,
  },
  search: {
    title: 'searchListings (GraphQL, API key)',
    budget: { p50Ms: 50, p95Ms: 150, source: 'App. V.1 Typesense' },
    aim: { p95Ms: 30 },
    steadyRps: 200,
    burstRps: 500,
  },
  checkout: {
    title: 'checkoutQuote (GraphQL, OIDC)',
    budget: { p95Ms: 600, source: 'App. V.1 checkout' },
    aim: { p95Ms: 60 },
    steadyRps: 20,
    burstRps: 60,
  },
  messages: {
    title: 'myInbox + threadMessages (GraphQL, OIDC)',
    budget: { p95Ms: 250, source: 'seed 004 inbox/thread' },
    aim: { p95Ms: 20 },
    steadyRps: 100,
    burstRps: 300,
  },
  'partner-api': {
    title: 'GET /v1/profiles (REST, OAuth client)',
    budget: { p95Ms: 450, source: 'SLO partner-api-latency' },
    aim: { p95Ms: 50 },
    steadyRps: 50,
    burstRps: 150,
  },
  auth: {
    title: 'POST /auth/login (REST)',
    budget: { p95Ms: 450, source: 'SLO rest-auth-latency' },
    aim: { p95Ms: 100 },
    steadyRps: 20,
    burstRps: 60,
  },
};

/** k6 thresholds for one surface: its p95 (and p50) budget on the tagged requests, and the error rate. */
export function thresholdsFor(surface, tag = surface) {
  const { budget } = SURFACES[surface];
  const latency = [`p(95)<${budget.p95Ms}`];
  if (budget.p50Ms !== undefined) latency.push(`med<${budget.p50Ms}`);
  return {
    [`http_req_duration{surface:${tag}}`]: latency,
    http_req_failed: [`rate<${ERROR_RATE_BUDGET}`],
    checks: [`rate>${1 - ERROR_RATE_BUDGET}`],
  };
}

/** The seed's load shape (App. V.2): a steady run then a burst, as arrival rates. */
export function scenariosFor(
  surface,
  steadyDuration = __ENV_OR('STEADY', '30m'),
  burstDuration = __ENV_OR('BURST', '5m'),
) {
  const { steadyRps, burstRps } = SURFACES[surface];
  return {
    steady: {
      executor: 'constant-arrival-rate',
      rate: steadyRps,
      timeUnit: '1s',
      duration: steadyDuration,
      preAllocatedVUs: Math.max(10, Math.ceil(steadyRps / 3)),
      maxVUs: Math.max(50, steadyRps * 2),
    },
    burst: {
      executor: 'constant-arrival-rate',
      rate: burstRps,
      timeUnit: '1s',
      duration: burstDuration,
      startTime: steadyDuration,
      preAllocatedVUs: Math.max(10, Math.ceil(burstRps / 3)),
      maxVUs: Math.max(100, burstRps * 2),
    },
  };
}

// k6 exposes -e variables as the global __ENV; under Node (perf:local, tests) it is absent.
function __ENV_OR(name, fallback) {
  return typeof __ENV !== 'undefined' && __ENV[name] ? __ENV[name] : fallback;
}
