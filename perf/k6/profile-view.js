// Public profile page (GraphQL publicProfile, API key): seed 001 Appendix V (GraphQL cached p95 ≤ 200 ms,
// miss ≤ 450 ms, steady 150 RPS, burst 500). HOT_SLUG is requested again and again (cached after the
// first read); PROFILE_SLUGS spreads the rest over many pages (mostly cache misses).
//
//   k6 run -e BASE_URL=… -e API_KEY=da2-… -e HOT_SLUG=jane-doe -e PROFILE_SLUGS=a,b,c perf/k6/profile-view.js
import { SURFACES, scenariosFor, thresholdsFor } from './budgets.js';
import { PROFILE_VIEW as query } from './queries.js';
import { graphql, list, required } from './common.js';

const apiKey = required('API_KEY');
const hot = required('HOT_SLUG');
const slugs = list('PROFILE_SLUGS', hot);

export const options = {
  scenarios: scenariosFor('profile-view'),
  thresholds: {
    ...thresholdsFor('profile-view', 'profile-view-cached'),
    [`http_req_duration{surface:profile-view-miss}`]: [`p(95)<${SURFACES['profile-view'].missBudget.p95Ms}`],
  },
};

export default function () {
  if (Math.random() < 0.5) graphql('profile-view-cached', { apiKey }, query, { slug: hot });
  else graphql('profile-view-miss', { apiKey }, query, { slug: slugs[Math.floor(Math.random() * slugs.length)] });
}
