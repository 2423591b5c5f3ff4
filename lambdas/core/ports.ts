/**
 * Ports: what domain services need from the outside world, as interfaces. Adapters (AWS SDK,
 * local stand-ins, fakes in unit tests) live in lambdas/adapters and implement these.
 */
import type { DomainEvent } from './events.ts';

/** Token-bucket rate limiting. `capacity` tokens, refilled at `refillPerSecond`. */
export interface RateLimitPolicy {
  readonly name: string;
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly remaining: number;
  /** Seconds until one token is available again (0 when allowed). */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Takes `cost` tokens from the bucket `policy.name:key`, atomically. */
  consume(policy: RateLimitPolicy, key: string, cost?: number): Promise<RateLimitDecision>;
}

/** Idempotency records: the first caller of a key claims it; later callers get its stored result. */
export type IdempotencyClaim =
  | { readonly state: 'claimed' }
  | { readonly state: 'completed'; readonly fingerprint: string; readonly result: string }
  | { readonly state: 'in_progress'; readonly fingerprint: string };

export interface IdempotencyStore {
  claim(key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyClaim>;
  complete(key: string, result: string, ttlSeconds: number): Promise<void>;
  release(key: string): Promise<void>;
}

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** Template id, for analytics and tests; never PII. */
  readonly template: string;
}

export interface SmsMessage {
  readonly to: string;
  readonly text: string;
  readonly template: string;
}

export interface Notifier {
  sendEmail(message: EmailMessage): Promise<void>;
  sendSms(message: SmsMessage): Promise<void>;
}

/** Delivers relayed outbox events (EventBridge in AWS, an in-process bus locally). */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}
