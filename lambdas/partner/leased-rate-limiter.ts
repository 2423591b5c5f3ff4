/**
 * A per-container lease over the shared token bucket (core/rate-limit.ts semantics): instead of one
 * conditional write per request on one hot DynamoDB item (every call of a partner contends for
 * the same key), a container takes a small batch of tokens at once and spends them locally; only
 * one refill per key is in flight per container. A container can admit at most one batch more than
 * the bucket allows; the batch is a twentieth of the per-minute quota (at most 50), so small quotas
 * stay exact (a quota under 40/min leases one token at a time).
 */
import type { RateLimitDecision, RateLimitPolicy, RateLimiter } from '../core/ports.ts';

export class LeasedRateLimiter implements RateLimiter {
  private readonly local = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<RateLimitDecision>>();

  constructor(private readonly shared: RateLimiter) {}

  async consume(policy: RateLimitPolicy, key: string, cost = 1): Promise<RateLimitDecision> {
    const id = `${policy.name}#${key}`;
    for (;;) {
      const tokens = this.local.get(id) ?? 0;
      if (tokens >= cost) {
        this.local.set(id, tokens - cost);
        return { allowed: true, remaining: tokens - cost, retryAfterSeconds: 0 };
      }
      const pending = this.inFlight.get(id);
      if (pending) {
        const decision = await pending;
        if (!decision.allowed) return decision;
        continue;
      }
      const batch = Math.max(cost, Math.min(50, Math.floor(policy.capacity / 20)));
      const refill = this.refill(policy, key, batch, cost).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, refill);
      const decision = await refill;
      if (!decision.allowed) return decision;
    }
  }

  reset(policy: RateLimitPolicy, key: string): Promise<void> {
    this.local.delete(`${policy.name}#${key}`);
    return this.shared.reset(policy, key);
  }

  private async refill(policy: RateLimitPolicy, key: string, batch: number, cost: number): Promise<RateLimitDecision> {
    let decision = await this.shared.consume(policy, key, batch);
    let granted = batch;
    if (!decision.allowed && batch > cost) {
      // Fewer than a batch left: take just what this request needs.
      decision = await this.shared.consume(policy, key, cost);
      granted = cost;
    }
    if (decision.allowed) {
      const id = `${policy.name}#${key}`;
      this.local.set(id, (this.local.get(id) ?? 0) + granted);
    }
    return decision;
  }
}
