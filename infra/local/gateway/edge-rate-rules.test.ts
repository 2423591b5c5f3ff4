import { describe, expect, it } from 'vitest';
import { rateLimitMatrix } from '../../../lambdas/core/rate-limit-matrix.ts';
import { EdgeRateRules } from './edge-rate-rules.ts';

const search = JSON.stringify({ query: '{ searchListings(input: {}) { nextCursor } }' });
const suggest = JSON.stringify({ query: '{ searchSuggestions(prefix: "pat") { text } }' });

function rules() {
  let now = 1_000_000;
  const edge = new EdgeRateRules(() => now);
  return { edge, advance: (ms: number) => (now += ms) };
}

describe('EdgeRateRules (the WAF rate-based rules, emulated)', () => {
  it('blocks the request past the row limit within its window, per client address, as AppSync does (403)', () => {
    const { edge, advance } = rules();
    const limit = rateLimitMatrix['search.ip'].capacity;
    for (let i = 0; i < limit; i++) expect(edge.check({ body: search, headers: {}, ip: '192.0.2.1' })).toBeNull();
    const blocked = edge.check({ body: search, headers: {}, ip: '192.0.2.1' });
    expect(blocked?.status).toBe(403);
    expect(JSON.parse(blocked!.body)).toEqual({
      errors: [{ errorType: 'WAFForbiddenException', message: '403 Forbidden' }],
    });
    expect(blocked?.headers).toEqual({ 'x-amzn-errortype': 'WAFForbiddenException' });
    // Another address has its own count; suggestions are another rule.
    expect(edge.check({ body: search, headers: {}, ip: '192.0.2.2' })).toBeNull();
    expect(edge.check({ body: suggest, headers: {}, ip: '192.0.2.1' })).toBeNull();
    // A trailing window: once the burst is older than the window, requests pass again.
    advance(rateLimitMatrix['search.ip'].windowSeconds * 1000);
    expect(edge.check({ body: search, headers: {}, ip: '192.0.2.1' })).toBeNull();
  });

  it('counts blocked requests too: a client that keeps hammering stays blocked', () => {
    const { edge, advance } = rules();
    const { capacity, windowSeconds } = rateLimitMatrix['suggestions.ip'];
    const step = (windowSeconds * 1000) / capacity / 2; // twice the allowed rate
    let blocked = 0;
    for (let i = 0; i < capacity * 4; i++) {
      if (edge.check({ body: suggest, headers: {}, ip: '192.0.2.3' })) blocked++;
      advance(step);
    }
    expect(blocked).toBeGreaterThan(capacity * 2);
  });

  it('scopes by field name in the decoded query, signed-in callers out of search.ip, oversize bodies in', () => {
    const { edge } = rules();
    const limit = rateLimitMatrix['search.ip'].capacity;
    const other = JSON.stringify({ query: '{ publicProfile(slug: "x") { slug } }' });
    for (let i = 0; i < limit * 2; i++) {
      expect(edge.check({ body: other, headers: {}, ip: '192.0.2.4' })).toBeNull();
      expect(edge.check({ body: search, headers: { authorization: 'jwt' }, ip: '192.0.2.4' })).toBeNull();
    }
    // JSON escapes do not hide the name; nor does padding past WAF's 8 KB inspection limit.
    const escaped = '{"query":"{ \\u0073earchListings(input: {}) { nextCursor } }"}';
    const padded = JSON.stringify({ query: `${' '.repeat(9000)}{ searchListings(input: {}) { nextCursor } }` });
    for (let i = 0; i < limit / 2; i++) {
      expect(edge.check({ body: escaped, headers: {}, ip: '192.0.2.4' })).toBeNull();
      expect(edge.check({ body: padded, headers: {}, ip: '192.0.2.4' })).toBeNull();
    }
    expect(edge.check({ body: search, headers: {}, ip: '192.0.2.4' })?.status).toBe(403);
  });
});
