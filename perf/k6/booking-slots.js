// Availability preview (GraphQL bookingSlots, API key), as a listing page asks for it: seed 001
// Appendix V (GraphQL cached p95 ≤ 200 ms, miss ≤ 450 ms, steady 150 RPS, burst 500). AppSync keeps an
// answer 10 s (infra/definitions/domains.ts `cachedReads`), so PROFILE_ID is mostly a hit and
// LISTING_IDS (prf_ ids) spread the rest over many listings (mostly misses).
//
//   k6 run -e BASE_URL=… -e API_KEY=da2-… -e PROFILE_ID=prf_… -e LISTING_IDS=prf_a,prf_b perf/k6/booking-slots.js
import { SURFACES, scenariosFor, thresholdsFor } from './budgets.js';
import { BOOKING_SLOTS as query } from './queries.js';
import { graphql, list, required } from './common.js';

const apiKey = required('API_KEY');
const hot = required('PROFILE_ID');
const ids = list('LISTING_IDS', hot);
const input = (profileId) => ({ input: { profileId, durationMinutes: 60, days: 7 } });

export const options = {
  scenarios: scenariosFor('booking-slots'),
  thresholds: {
    ...thresholdsFor('booking-slots', 'booking-slots-cached'),
    [`http_req_duration{surface:booking-slots-miss}`]: [`p(95)<${SURFACES['booking-slots'].missBudget.p95Ms}`],
  },
};

export default function () {
  if (Math.random() < 0.5) graphql('booking-slots-cached', { apiKey }, query, input(hot));
  else graphql('booking-slots-miss', { apiKey }, query, input(ids[Math.floor(Math.random() * ids.length)]));
}
