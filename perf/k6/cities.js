// The city list (GraphQL cities, API key) every page's city picker loads: seed 001 Appendix V (GraphQL
// cached p95 ≤ 200 ms, steady 150 RPS, burst 500). It has no arguments, so AppSync holds one entry and
// a miss happens once per TTL (300 s): on a stage this scenario measures the cached read.
//
//   k6 run -e BASE_URL=… -e API_KEY=da2-… perf/k6/cities.js
import { scenariosFor, thresholdsFor } from './budgets.js';
import { CITIES as query } from './queries.js';
import { graphql, required } from './common.js';

const apiKey = required('API_KEY');

export const options = { scenarios: scenariosFor('cities'), thresholds: thresholdsFor('cities') };

export default function () {
  graphql('cities', { apiKey }, query, {});
}
