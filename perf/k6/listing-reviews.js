// A listing's review summary and newest reviews (GraphQL listingReviews, API key): not in AppSync's
// cache (infra/definitions/domains.ts `cachedReads` says why), so every read has the GraphQL miss
// budget of seed 001 Appendix V (p95 ≤ 450 ms; steady 150 RPS, burst 500), spread over LISTING_IDS.
//
//   k6 run -e BASE_URL=… -e API_KEY=da2-… -e PROFILE_ID=prf_… -e LISTING_IDS=prf_a,std_b perf/k6/listing-reviews.js
import { scenariosFor, thresholdsFor } from './budgets.js';
import { LISTING_REVIEWS as query } from './queries.js';
import { graphql, list, required } from './common.js';

const apiKey = required('API_KEY');
const ids = list('LISTING_IDS', required('PROFILE_ID'));

export const options = { scenarios: scenariosFor('listing-reviews'), thresholds: thresholdsFor('listing-reviews') };

export default function () {
  graphql('listing-reviews', { apiKey }, query, { id: ids[Math.floor(Math.random() * ids.length)], first: 10 });
}
