// Shared by the k6 scenarios: endpoints and credentials from -e variables, never from the code.
//   BASE_URL     REST base of the stage (API Gateway custom domain), e.g. https://api.stage.rastup.com
//   GRAPHQL_URL  AppSync endpoint (default: BASE_URL + /graphql, the local stack's layout)
//   API_KEY      AppSync API key for public reads
//   EMAIL, PASSWORD            a test account for OIDC scenarios (signed in once in setup())
//   PARTNER_CLIENT_ID, PARTNER_CLIENT_SECRET   an OAuth client of the partner API
import http from 'k6/http';
import { check, fail } from 'k6';

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:4000').replace(/\/$/, '');
export const GRAPHQL_URL = __ENV.GRAPHQL_URL || `${BASE_URL}/graphql`;

export function required(name) {
  const value = __ENV[name];
  if (!value) fail(`set -e ${name}=…`);
  return value;
}

/** A GraphQL POST tagged with its surface; the check fails on a non-200 or any `errors` entry. */
export function graphql(surface, auth, query, variables) {
  const headers = { 'content-type': 'application/json' };
  if (auth.apiKey) headers['x-api-key'] = auth.apiKey;
  if (auth.token) headers.authorization = auth.token;
  const res = http.post(GRAPHQL_URL, JSON.stringify({ query, variables }), { headers, tags: { surface } });
  check(res, {
    'status 200': (r) => r.status === 200,
    'no GraphQL errors': (r) => r.status === 200 && !r.json('errors'),
  });
  return res;
}

/** Password sign-in at the REST auth API; returns the access token (AppSync OIDC takes it raw). */
export function login(email, password) {
  const res = http.post(`${BASE_URL}/auth/login`, JSON.stringify({ email, password }), {
    headers: { 'content-type': 'application/json' },
    tags: { surface: 'setup' },
  });
  if (res.status !== 200) fail(`login answered ${res.status}`);
  return res.json('accessToken');
}

/** Comma-separated list from an -e variable. */
export function list(name, fallback) {
  return (__ENV[name] || fallback || '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
