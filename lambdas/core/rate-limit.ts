/**
 * Rate-limit checks for the edges: consumes from every bucket that applies (per IP, per identity)
 * and throws RateLimitedError with the longest Retry-After when any bucket is empty.
 */
import { RateLimitedError } from './errors.ts';
import type { RateLimitPolicy, RateLimiter } from './ports.ts';

export async function enforceRateLimits(
  limiter: RateLimiter,
  checks: readonly { policy: RateLimitPolicy; key: string | undefined; cost?: number }[],
): Promise<void> {
  const decisions = await Promise.all(
    checks.filter((check) => check.key).map((check) => limiter.consume(check.policy, check.key!, check.cost ?? 1)),
  );
  const refused = decisions.filter((decision) => !decision.allowed);
  if (refused.length > 0) {
    const retryAfter = Math.max(...refused.map((decision) => decision.retryAfterSeconds));
    throw new RateLimitedError('Too many requests; try again later', Math.max(1, Math.ceil(retryAfter)));
  }
}

/** Pure token-bucket arithmetic, shared by every adapter (DynamoDB, in-memory). */
export function refill(tokens: number, lastRefillMs: number, nowMs: number, policy: RateLimitPolicy): number {
  const elapsedSeconds = Math.max(0, nowMs - lastRefillMs) / 1000;
  return Math.min(policy.capacity, tokens + elapsedSeconds * policy.refillPerSecond);
}

export function secondsUntil(tokensNeeded: number, tokens: number, policy: RateLimitPolicy): number {
  if (tokens >= tokensNeeded) return 0;
  return (tokensNeeded - tokens) / policy.refillPerSecond;
}
