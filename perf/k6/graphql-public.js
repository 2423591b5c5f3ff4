// k6 scenario for a deployed stage (k6 does not install on the dev machines; see perf/bench for
// local measurements). Budgets from seed 001 Appendix V.1: GraphQL cached p95 ≤ 200 ms,
// steady 150 RPS, burst 500 RPS.
//
//   k6 run -e GRAPHQL_URL=https://<appsync-host>/graphql -e API_KEY=da2-… perf/k6/graphql-public.js
import http from 'k6/http';
import { check } from 'k6';

const url = __ENV.GRAPHQL_URL;
const apiKey = __ENV.API_KEY;

export const options = {
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate: 150,
      timeUnit: '1s',
      duration: '30m',
      preAllocatedVUs: 50,
      maxVUs: 200,
    },
    burst: {
      executor: 'constant-arrival-rate',
      rate: 500,
      timeUnit: '1s',
      duration: '5m',
      startTime: '30m',
      preAllocatedVUs: 150,
      maxVUs: 600,
    },
  },
  thresholds: {
    'http_req_duration{kind:cities}': ['p(95)<200'],
    'http_req_duration{kind:flags}': ['p(95)<200'],
    http_req_failed: ['rate<0.001'],
    checks: ['rate>0.999'],
  },
};

const cities = JSON.stringify({ query: '{ cities { code name status } }' });
const flags = JSON.stringify({
  query: 'query F($c: ID!) { featureFlags(city: $c) { key enabled } }',
  variables: { c: 'us-nyc' },
});
const headers = { 'content-type': 'application/json', 'x-api-key': apiKey };

export default function () {
  const pick = Math.random() < 0.5;
  const res = http.post(url, pick ? cities : flags, { headers, tags: { kind: pick ? 'cities' : 'flags' } });
  check(res, {
    'status 200': (r) => r.status === 200,
    'no GraphQL errors': (r) => !r.json('errors'),
  });
}
