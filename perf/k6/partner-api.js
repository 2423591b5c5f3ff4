// Partner API (REST GET /v1/profiles, OAuth client credentials): the partner-api latency SLO
// (infra/definitions/slos.ts, 450 ms). The client's quota (rate-limit matrix `partner.client`, 600/min
// by default) must allow the arrival rate, or the run measures 429s.
//
//   k6 run -e BASE_URL=… -e PARTNER_CLIENT_ID=pcl_… -e PARTNER_CLIENT_SECRET=… perf/k6/partner-api.js
import http from 'k6/http';
import { check, fail } from 'k6';
import encoding from 'k6/encoding';
import { scenariosFor, thresholdsFor } from './budgets.js';
import { BASE_URL, required } from './common.js';

const clientId = required('PARTNER_CLIENT_ID');
const clientSecret = required('PARTNER_CLIENT_SECRET');

export const options = { scenarios: scenariosFor('partner-api'), thresholds: thresholdsFor('partner-api') };

export function setup() {
  const res = http.post(`${BASE_URL}/oauth2/token`, 'grant_type=client_credentials', {
    headers: {
      authorization: `Basic ${encoding.b64encode(`${clientId}:${clientSecret}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    tags: { surface: 'setup' },
  });
  if (res.status !== 200) fail(`token endpoint answered ${res.status}`);
  return { token: res.json('access_token') };
}

export default function (data) {
  const res = http.get(`${BASE_URL}/v1/profiles?limit=20`, {
    headers: { authorization: `Bearer ${data.token}` },
    tags: { surface: 'partner-api' },
  });
  check(res, { 'status 200': (r) => r.status === 200 });
}
