import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { RateLimitDecision, RateLimitPolicy, RateLimiter } from '../core/ports.ts';
import { refill, secondsUntil } from '../core/rate-limit.ts';
import { LeasedRateLimiter } from './leased-rate-limiter.ts';

/** The shared bucket (core/rate-limit.ts arithmetic), counting its calls. */
class MemoryBucket implements RateLimiter {
  calls = 0;
  private tokens = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly clock: ManualClock) {}
  async consume(policy: RateLimitPolicy, key: string, cost = 1): Promise<RateLimitDecision> {
    this.calls++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    const now = this.clock.nowMs();
    const current = this.tokens.get(key);
    const available = current ? refill(current.tokens, current.at, now, policy) : policy.capacity;
    const allowed = available >= cost;
    this.tokens.set(key, { tokens: allowed ? available - cost : available, at: now });
    return {
      allowed,
      remaining: allowed ? available - cost : available,
      retryAfterSeconds: secondsUntil(cost, available, policy),
    };
  }
  async reset(): Promise<void> {}
}

const perMinute = (n: number): RateLimitPolicy => ({ name: 'partner-client', capacity: n, refillPerSecond: n / 60 });

describe('LeasedRateLimiter', () => {
  it('admits exactly the quota for small quotas and refuses with Retry-After', async () => {
    const limiter = new LeasedRateLimiter(new MemoryBucket(new ManualClock()));
    const decisions = await Promise.all([0, 1, 2, 3].map(() => limiter.consume(perMinute(3), 'prt_a')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    expect(decisions.find((d) => !d.allowed)!.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('spends leased batches locally: 32 concurrent calls make a handful of shared writes, never over quota + one batch', async () => {
    const bucket = new MemoryBucket(new ManualClock());
    const limiter = new LeasedRateLimiter(bucket);
    const policy = perMinute(600); // batches of 30
    const decisions = await Promise.all(Array.from({ length: 32 }, () => limiter.consume(policy, 'prt_b')));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(bucket.calls).toBe(2);
    const more = await Promise.all(Array.from({ length: 700 }, () => limiter.consume(policy, 'prt_b')));
    const admitted = 32 + more.filter((d) => d.allowed).length;
    expect(admitted).toBeLessThanOrEqual(600);
    expect(admitted).toBeGreaterThanOrEqual(600 - 30);
  });
});
