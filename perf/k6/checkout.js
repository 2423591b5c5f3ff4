// Checkout (GraphQL checkoutQuote, OIDC): seed 001 Appendix V (server processing ≤ 600 ms p95). Signs in
// once per run; the quote prices PACKAGE_NAME of the published profile PROFILE_ID. The checkout
// limit (rate-limit matrix `checkout.user`) applies per user: give ACCOUNTS as email:password pairs to
// spread the load, or expect typed RATE_LIMITED errors beyond it.
//
//   k6 run -e BASE_URL=… -e ACCOUNTS=a@x.test:pw,b@x.test:pw -e PROFILE_ID=prf_… -e PACKAGE_NAME=Headshots perf/k6/checkout.js
import { scenariosFor, thresholdsFor } from './budgets.js';
import { CHECKOUT_QUOTE as query } from './queries.js';
import { graphql, list, login, required } from './common.js';

const accounts = list('ACCOUNTS', `${__ENV.EMAIL || ''}:${__ENV.PASSWORD || ''}`);
const profileId = required('PROFILE_ID');
const packageName = required('PACKAGE_NAME');

export const options = { scenarios: scenariosFor('checkout'), thresholds: thresholdsFor('checkout') };

export function setup() {
  return {
    tokens: accounts.map((pair) => {
      const at = pair.indexOf(':');
      return login(pair.slice(0, at), pair.slice(at + 1));
    }),
  };
}

export default function (data) {
  const token = data.tokens[Math.floor(Math.random() * data.tokens.length)];
  graphql('checkout', { token }, query, {
    input: { legs: [{ legId: 'shoot', profileId, packageName, extraMinutes: 30 }] },
  });
}
