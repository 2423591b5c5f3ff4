// Public studio page (GraphQL publicStudio, API key): the same budgets as a profile page.
//
//   k6 run -e BASE_URL=… -e API_KEY=da2-… -e HOT_SLUG=loft-one -e STUDIO_SLUGS=a,b,c perf/k6/studio-view.js
import { SURFACES, scenariosFor, thresholdsFor } from './budgets.js';
import { STUDIO_VIEW as query } from './queries.js';
import { graphql, list, required } from './common.js';

const apiKey = required('API_KEY');
const hot = required('HOT_SLUG');
const slugs = list('STUDIO_SLUGS', hot);

export const options = {
  scenarios: scenariosFor('studio-view'),
  thresholds: {
    ...thresholdsFor('studio-view', 'studio-view-cached'),
    [`http_req_duration{surface:studio-view-miss}`]: [`p(95)<${SURFACES['studio-view'].missBudget.p95Ms}`],
  },
};

export default function () {
  if (Math.random() < 0.5) graphql('studio-view-cached', { apiKey }, query, { slug: hot });
  else graphql('studio-view-miss', { apiKey }, query, { slug: slugs[Math.floor(Math.random() * slugs.length)] });
}
