// Sign-in (REST POST /auth/login): the rest-auth latency SLO (infra/definitions/slos.ts, 450 ms).
// Per-identity limits and lockout stay on, so ACCOUNTS_FILE (JSON: [{"email","password"}]) must hold
// enough test accounts that none signs in more than its limit; run from several source IPs or with
// the stage's allow-list for the load generator, or the per-IP limit answers 429.
//
//   k6 run -e BASE_URL=… -e ACCOUNTS_FILE=./accounts.json perf/k6/auth.js
import http from 'k6/http';
import { check } from 'k6';
import { scenariosFor, thresholdsFor } from './budgets.js';
import { BASE_URL, required } from './common.js';

const accounts = JSON.parse(open(required('ACCOUNTS_FILE')));

export const options = { scenarios: scenariosFor('auth'), thresholds: thresholdsFor('auth') };

export default function () {
  const account = accounts[Math.floor(Math.random() * accounts.length)];
  const res = http.post(`${BASE_URL}/auth/login`, JSON.stringify(account), {
    headers: { 'content-type': 'application/json' },
    tags: { surface: 'auth' },
  });
  check(res, { 'status 200': (r) => r.status === 200 });
}
