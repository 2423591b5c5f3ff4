import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { RateLimitedError } from './errors.ts';
import type { RateLimitPolicy, RateLimiter } from './ports.ts';
import { enforceRateLimits, refill, secondsUntil } from './rate-limit.ts';
import { MemoryRateLimiter } from './testing/memory-rate-limiter.ts';

const perMinute: RateLimitPolicy = { name: 'login-ip', capacity: 10, refillPerSecond: 10 / 60 };
const fast: RateLimitPolicy = { name: 'fast', capacity: 5, refillPerSecond: 1 };

describe('refill', () => {
  it('adds tokens for the elapsed time', () => {
    expect(refill(2, 0, 1_500, fast)).toBeCloseTo(3.5);
    expect(refill(0, 0, 60_000, perMinute)).toBeCloseTo(10);
  });

  it('never exceeds capacity', () => {
    expect(refill(4, 0, 10_000, fast)).toBe(5);
  });

  it('ignores a clock that went backwards', () => {
    expect(refill(2, 5_000, 1_000, fast)).toBe(2);
  });
});

describe('secondsUntil', () => {
  it('is zero when enough tokens are there', () => {
    expect(secondsUntil(1, 1, fast)).toBe(0);
    expect(secondsUntil(2, 3.5, fast)).toBe(0);
  });

  it('is the deficit divided by the refill rate', () => {
    expect(secondsUntil(1, 0.25, fast)).toBeCloseTo(0.75);
    expect(secondsUntil(1, 0, perMinute)).toBeCloseTo(6);
    expect(secondsUntil(3, 1, perMinute)).toBeCloseTo(12);
  });
});

async function refusal(promise: Promise<unknown>): Promise<RateLimitedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimitedError);
  return error as RateLimitedError;
}

describe('enforceRateLimits', () => {
  it('passes while every bucket has tokens, then refuses', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryRateLimiter(clock);
    for (let i = 0; i < 5; i++) await enforceRateLimits(limiter, [{ policy: fast, key: '1.2.3.4' }]);
    const error = await refusal(enforceRateLimits(limiter, [{ policy: fast, key: '1.2.3.4' }]));
    expect(error.retryAfterSeconds).toBe(1);
    clock.advance(1_000);
    await expect(enforceRateLimits(limiter, [{ policy: fast, key: '1.2.3.4' }])).resolves.toBeUndefined();
  });

  it('reports the longest retry-after of the refused buckets, rounded up', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryRateLimiter(clock);
    await enforceRateLimits(limiter, [
      { policy: fast, key: 'ip', cost: 5 },
      { policy: perMinute, key: 'usr_1', cost: 10 },
    ]);
    clock.advance(500); // fast has 0.5 tokens (0.5 s to go); perMinute has 0.083 (5.5 s to go)
    const error = await refusal(
      enforceRateLimits(limiter, [
        { policy: fast, key: 'ip' },
        { policy: perMinute, key: 'usr_1' },
      ]),
    );
    expect(error.retryAfterSeconds).toBe(6);
    expect(error.details).toEqual({ retryAfterSeconds: 6 });
  });

  it('refuses when only one of several buckets is empty', async () => {
    const limiter = new MemoryRateLimiter(new ManualClock());
    await enforceRateLimits(limiter, [{ policy: fast, key: 'ip', cost: 5 }]);
    const error = await refusal(
      enforceRateLimits(limiter, [
        { policy: perMinute, key: 'usr_1' },
        { policy: fast, key: 'ip' },
      ]),
    );
    expect(error.retryAfterSeconds).toBe(1);
  });

  it('skips checks whose key is undefined', async () => {
    const limiter = new MemoryRateLimiter(new ManualClock());
    await enforceRateLimits(limiter, [
      { policy: fast, key: undefined },
      { policy: perMinute, key: 'usr_1' },
    ]);
    expect(limiter.consumed).toEqual(['login-ip:usr_1']);
  });

  it('reports at least one second even for a tiny wait', async () => {
    const limiter: RateLimiter = {
      consume: async () => ({ allowed: false, remaining: 0, retryAfterSeconds: 0.01 }),
      reset: async () => undefined,
    };
    expect((await refusal(enforceRateLimits(limiter, [{ policy: fast, key: 'k' }]))).retryAfterSeconds).toBe(1);
  });
});
