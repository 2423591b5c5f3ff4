/**
 * Ports: what domain services need from the outside world, as interfaces. Adapters (AWS SDK,
 * local stand-ins, fakes in unit tests) live in lambdas/adapters and implement these.
 */
import type { EventEnvelope } from './events/event-contract.ts';

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
  /** Refills the bucket `policy.name:key` at once (e.g. the owner proved control by an emailed link). */
  reset(policy: RateLimitPolicy, key: string): Promise<void>;
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
  publish(events: readonly EventEnvelope[]): Promise<void>;
}

/** Object storage (S3 in AWS, s3rver locally). Keys are opaque; buckets are physical names. */
export interface StoredObjectHead {
  readonly sizeBytes: number;
  readonly contentType: string | undefined;
}

/** A browser form POST: send `fields` then the file (as `file`) to `url`. */
export interface PresignedPost {
  readonly url: string;
  readonly fields: Record<string, string>;
}

/** One condition of an S3 POST policy, as the AWS SDK takes it. */
export type PostPolicyCondition =
  ['content-length-range', number, number] | ['eq' | 'starts-with', string, string] | Record<string, string>;

export interface ObjectStore {
  presignPost(input: {
    bucket: string;
    key: string;
    conditions: readonly PostPolicyCondition[];
    fields: Record<string, string>;
    expiresSeconds: number;
  }): Promise<PresignedPost>;
  head(bucket: string, key: string): Promise<StoredObjectHead | null>;
  /** The first `length` bytes (fewer when the object is smaller). */
  readPrefix(bucket: string, key: string, length: number): Promise<Buffer>;
  read(bucket: string, key: string): Promise<Buffer | null>;
  write(bucket: string, key: string, body: Buffer, contentType: string, cacheControl?: string): Promise<void>;
  delete(bucket: string, key: string): Promise<void>;
}

/** A server-side copy within one bucket (S3 CopyObject): the bytes never pass through the caller. */
export interface ObjectCopier {
  /** False when there is no object at `fromKey`. */
  copy(bucket: string, fromKey: string, toKey: string): Promise<boolean>;
}

export interface ListedObject {
  readonly key: string;
}

/**
 * Short-lived URLs for one object (S3 presigned requests): a PUT whose signature binds the declared
 * Content-Type and Content-Length, so S3 refuses any other type or size; a GET to read one object.
 */
export interface ObjectUrlSigner {
  presignPut(input: {
    bucket: string;
    key: string;
    contentType: string;
    contentLength: number;
    expiresSeconds: number;
  }): Promise<{ readonly url: string; readonly headers: Readonly<Record<string, string>> }>;
  presignGet(input: { bucket: string; key: string; expiresSeconds: number }): Promise<string>;
}

/**
 * An uploaded image made safe to keep and show (sharp): decoded once with EXIF orientation applied,
 * re-encoded without metadata as a WebP preview of bounded size, plus the JPEG the moderation
 * classifier judges. Throws on anything that does not decode as an image within the pixel budget.
 */
export interface ImagePreviewer {
  preview(input: Buffer): Promise<{
    readonly width: number;
    readonly height: number;
    readonly webp: Buffer;
    readonly previewWidth: number;
    readonly previewHeight: number;
    readonly moderationJpeg: Buffer;
  }>;
}

/**
 * Listing a bucket's keys under a prefix (the media reconciler looks for objects no row names).
 * Apart from ObjectStore so that stores which never list (and their test fakes) need not implement it.
 */
export interface ObjectLister {
  list(bucket: string, prefix: string): AsyncIterable<ListedObject>;
}

/** 0 = safe for work, 1 = suggestive (needs review), 2 = explicit. */
export type NsfwBand = 0 | 1 | 2;

export interface ModerationResult {
  readonly band: NsfwBand;
  /** Provider labels, for the moderation queue; never shown publicly. */
  readonly labels: readonly string[];
  readonly provider: string;
}

/** Classifies an image (a metadata-free JPEG, at most 1024 px on its long side). */
export interface ImageModerator {
  classify(jpeg: Buffer): Promise<ModerationResult>;
}

/** Custom metrics (names in infra/definitions/metrics.ts, which the alarms watch). */
export interface MetricsRecorder {
  count(name: string, value?: number): void;
}

export const noMetrics: MetricsRecorder = { count: () => undefined };

/**
 * Evicts a listing's cached booking terms (Query.bookingTerms in AppSync's cache, keyed by the listing
 * id). Booking calls it when an owner sets availability, profiles on every listing event; throws when
 * the API did not accept the eviction.
 */
export interface ListingTermsEviction {
  evictTerms(listingId: string): Promise<void>;
}

/** For code paths that never change terms (scheduled jobs, tests of other things). */
export const noTermsEviction: ListingTermsEviction = { evictTerms: async () => undefined };
