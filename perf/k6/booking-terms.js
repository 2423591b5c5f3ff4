// A listing's booking terms (GraphQL bookingTerms, API key), shown on its page and at checkout: seed 001
// Appendix V (GraphQL cached p95 ≤ 200 ms, miss ≤ 450 ms, steady 150 RPS, burst 500). PROFILE_ID is
// requested again and again (cached); LISTING_IDS (prf_/std_ ids) spread the rest (mostly misses).
//
//   k6 run -e BASE_URL=… -e API_KEY=da2-… -e PROFILE_ID=prf_… -e LISTING_IDS=prf_a,std_b perf/k6/booking-terms.js
import { SURFACES, scenariosFor, thresholdsFor } from './budgets.js';
import { BOOKING_TERMS as query } from './queries.js';
import { graphql, list, required } from './common.js';

const apiKey = required('API_KEY');
const hot = required('PROFILE_ID');
const ids = list('LISTING_IDS', hot);

export const options = {
  scenarios: scenariosFor('booking-terms'),
  thresholds: {
    ...thresholdsFor('booking-terms', 'booking-terms-cached'),
    [`http_req_duration{surface:booking-terms-miss}`]: [`p(95)<${SURFACES['booking-terms'].missBudget.p95Ms}`],
  },
};

export default function () {
  if (Math.random() < 0.5) graphql('booking-terms-cached', { apiKey }, query, { id: hot });
  else graphql('booking-terms-miss', { apiKey }, query, { id: ids[Math.floor(Math.random() * ids.length)] });
}
