/** Token buckets in memory for unit tests, on the same arithmetic as the DynamoDB adapter (refill, secondsUntil). */
import type { Clock } from '../clock.ts';
import type { RateLimitDecision, RateLimitPolicy, RateLimiter } from '../ports.ts';
import { refill, secondsUntil } from '../rate-limit.ts';

export class MemoryRateLimiter implements RateLimiter {
  /** `policy:key` of every consume, in order. */
  readonly consumed: string[] = [];
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly clock: Clock) {}

  async reset(policy: RateLimitPolicy, key: string): Promise<void> {
    this.buckets.delete(`${policy.name}:${key}`);
  }

  async consume(policy: RateLimitPolicy, key: string, cost = 1): Promise<RateLimitDecision> {
    const id = `${policy.name}:${key}`;
    this.consumed.push(id);
    const now = this.clock.nowMs();
    const bucket = this.buckets.get(id) ?? { tokens: policy.capacity, at: now };
    const tokens = refill(bucket.tokens, bucket.at, now, policy);
    if (tokens < cost) {
      this.buckets.set(id, { tokens, at: now });
      return { allowed: false, remaining: Math.floor(tokens), retryAfterSeconds: secondsUntil(cost, tokens, policy) };
    }
    this.buckets.set(id, { tokens: tokens - cost, at: now });
    return { allowed: true, remaining: Math.floor(tokens - cost), retryAfterSeconds: 0 };
  }
}
