/**
 * Window searches (searchListings with `available`) check booking feasibility for every candidate,
 * and a new window each call defeats the hot-query cache: they have their own, tighter limit per
 * source IP for API-key callers and per user for signed-in ones (rows search.available.* of
 * lambdas/core/rate-limit-matrix.ts). Past it the typed RATE_LIMITED error answers, while plain
 * searches from the same address, and a signed-in user's window searches, still pass.
 */
import { describe, expect, it } from 'vitest';
import { rateLimitMatrix } from '../../lambdas/core/rate-limit-matrix.ts';
import { gql, randomLoopbackIp, registeredUser } from '../support/auth-client.ts';

const SEARCH = `query($input: SearchListingsInput!) { searchListings(input: $input) { items { slug } nextCursor engine } }`;

let shift = 0;
function freshWindow() {
  shift += 1;
  const from = Date.UTC(2027, 6, 1) + shift * 3_600_000;
  return { from: new Date(from).toISOString(), to: new Date(from + 2 * 86_400_000).toISOString() };
}

type Answer = { status: number; body: any };
const errorOf = (answer: Answer) => answer.body?.errors?.[0] as { errorType?: string; errorInfo?: any } | undefined;

describe('search: window searches have their own rate limit', () => {
  it('answers RATE_LIMITED after the per-IP capacity of window searches; plain searches still pass', async () => {
    const ip = randomLoopbackIp();
    const capacity = rateLimitMatrix['search.available.ip'].capacity;
    const started = Date.now();
    for (let i = 0; i < capacity; i++) {
      const answer = await gql(null, SEARCH, { input: { available: freshWindow(), first: 5 } }, ip);
      expect(errorOf(answer), JSON.stringify(answer.body)).toBeUndefined();
      expect(answer.body.data.searchListings.engine).toBeTruthy();
    }
    // Tokens refill while the loop runs (capacity per minute): allow those, and no more.
    const refilled = Math.ceil(((Date.now() - started) / 60_000) * capacity);
    let refused: Answer | undefined;
    for (let i = 0; i <= refilled && !refused; i++) {
      const answer = await gql(null, SEARCH, { input: { available: freshWindow() } }, ip);
      if (errorOf(answer)) refused = answer;
    }
    expect(refused, `no refusal after ${capacity}+${refilled} window searches`).toBeDefined();
    expect(refused!.status).toBe(200);
    expect(errorOf(refused!)?.errorType).toBe('RATE_LIMITED');
    expect(errorOf(refused!)?.errorInfo).toMatchObject({ code: 'REQUEST.RATE_LIMITED' });
    expect(errorOf(refused!)?.errorInfo.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(errorOf(refused!)?.errorInfo.retryAfterSeconds).toBeLessThanOrEqual(Math.ceil(60 / capacity) + 1);
    expect(refused!.body.data?.searchListings ?? null).toBeNull();

    // The same address searching without a window is not limited by it.
    for (let i = 0; i < capacity; i++) {
      const plain = await gql(null, SEARCH, { input: { city: 'us-lax', first: 5 + (i % 10) } }, ip);
      expect(errorOf(plain), JSON.stringify(plain.body)).toBeUndefined();
    }
    // A signed-in user behind the same address spends their own bucket.
    const { accessToken } = await registeredUser();
    const signedIn = await gql(accessToken, SEARCH, { input: { available: freshWindow() } }, ip);
    expect(errorOf(signedIn), JSON.stringify(signedIn.body)).toBeUndefined();
  }, 120_000);
});
