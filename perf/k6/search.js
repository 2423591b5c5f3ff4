// Search (GraphQL searchListings, API key): seed 001 Appendix V (Typesense median < 50 ms, p95 < 150 ms
// at QPS 200). Queries vary text, city and price band so the hot-query cache does not answer them all.
//
//   k6 run -e BASE_URL=… -e API_KEY=da2-… -e CITIES=us-nyc,us-lax perf/k6/search.js
import { scenariosFor, thresholdsFor } from './budgets.js';
import { SEARCH as query } from './queries.js';
import { graphql, list, required } from './common.js';

const apiKey = required('API_KEY');
const cities = list('CITIES', 'us-nyc,us-lax,us-chi,us-mia');
const words = list('WORDS', 'photographer,model,portrait,wedding,fashion,video,editorial,headshot,brand,event');

export const options = { scenarios: scenariosFor('search'), thresholds: thresholdsFor('search') };

const pick = (items) => items[Math.floor(Math.random() * items.length)];

export default function () {
  const low = Math.floor(Math.random() * 10) * 5000;
  graphql('search', { apiKey }, query, {
    input: { text: pick(words), city: pick(cities), priceMinCents: low, priceMaxCents: low + 40000, first: 20 },
  });
}
