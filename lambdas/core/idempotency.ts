/**
 * Runs a side effect at most once per idempotency key. A retry with the same key and the same
 * request gets the first result back; the same key with a different request is a conflict; a
 * retry while the first attempt is still running is told to come back later.
 */
import { createHash } from 'node:crypto';
import { ConflictError } from './errors.ts';
import type { IdempotencyStore } from './ports.ts';
import { canonicalJson } from './db/audit-log.ts';

export function fingerprintOf(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

export async function withIdempotency<T>(
  store: IdempotencyStore,
  options: { key: string; request: unknown; ttlSeconds?: number },
  run: () => Promise<T>,
): Promise<T> {
  const ttl = options.ttlSeconds ?? 24 * 3600;
  const fingerprint = fingerprintOf(options.request);
  const claim = await store.claim(options.key, fingerprint, ttl);
  if (claim.state !== 'claimed') {
    if (claim.fingerprint !== fingerprint) {
      throw new ConflictError('Idempotency key was used with a different request', 'IDEMPOTENCY.KEY_REUSED');
    }
    if (claim.state === 'in_progress') {
      throw new ConflictError('A request with this idempotency key is in progress', 'IDEMPOTENCY.IN_PROGRESS');
    }
    return JSON.parse(claim.result) as T;
  }
  let result: T;
  try {
    result = await run();
  } catch (error) {
    // A failed attempt leaves no record, so the client may retry with the same key.
    await store.release(options.key);
    throw error;
  }
  // Outside the try: once the effect has happened, failing to record it must not release the key
  // (a retry would repeat the effect); the claim stays in progress until its lease runs out.
  await store.complete(options.key, JSON.stringify(result ?? null), ttl);
  return result;
}
