// One city's feature flags (GraphQL featureFlags, API key), loaded with every page: not in AppSync's
// cache (infra/definitions/domains.ts `cachedReads` says why), so every read has the GraphQL miss budget
// of seed 001 Appendix V (p95 ≤ 450 ms; steady 150 RPS, burst 500), spread over CITIES.
//
//   k6 run -e BASE_URL=… -e API_KEY=da2-… -e CITY=us-nyc -e CITIES=us-nyc,us-lax perf/k6/feature-flags.js
import { scenariosFor, thresholdsFor } from './budgets.js';
import { FEATURE_FLAGS as query } from './queries.js';
import { graphql, list, required } from './common.js';

const apiKey = required('API_KEY');
const cities = list('CITIES', required('CITY'));

export const options = { scenarios: scenariosFor('feature-flags'), thresholds: thresholdsFor('feature-flags') };

export default function () {
  graphql('feature-flags', { apiKey }, query, { city: cities[Math.floor(Math.random() * cities.length)] });
}
