import { describe, expect, it, vi } from 'vitest';
import { ConflictError } from './errors.ts';
import { fingerprintOf, withIdempotency } from './idempotency.ts';
import type { IdempotencyClaim, IdempotencyStore } from './ports.ts';

/** Idempotency records in memory, with the semantics of the DynamoDB adapter (minus leases). */
class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, { state: 'in_progress' | 'completed'; fingerprint: string; result?: string }>();
  failComplete = false;

  async claim(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const existing = this.records.get(key);
    if (!existing) {
      this.records.set(key, { state: 'in_progress', fingerprint });
      return { state: 'claimed' };
    }
    if (existing.state === 'completed')
      return { state: 'completed', fingerprint: existing.fingerprint, result: existing.result! };
    return { state: 'in_progress', fingerprint: existing.fingerprint };
  }

  async complete(key: string, result: string): Promise<void> {
    if (this.failComplete) throw new Error('store unavailable');
    const record = this.records.get(key)!;
    this.records.set(key, { ...record, state: 'completed', result });
  }

  async release(key: string): Promise<void> {
    this.records.delete(key);
  }
}

async function conflict(promise: Promise<unknown>): Promise<ConflictError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConflictError);
  return error as ConflictError;
}

describe('withIdempotency', () => {
  const request = { bookingId: 'bkg_1', amount: 1200 };

  it('runs the effect once and replays its result for a retry', async () => {
    const store = new InMemoryIdempotencyStore();
    const effect = vi.fn(async () => ({ chargeId: 'ch_1', amount: 1200 }));
    const first = await withIdempotency(store, { key: 'k1', request }, effect);
    const second = await withIdempotency(store, { key: 'k1', request: { amount: 1200, bookingId: 'bkg_1' } }, effect);
    expect(effect).toHaveBeenCalledTimes(1);
    expect(first).toEqual({ chargeId: 'ch_1', amount: 1200 });
    expect(second).toEqual(first);
  });

  it('runs the effect again under another key', async () => {
    const store = new InMemoryIdempotencyStore();
    const effect = vi.fn(async () => 'done');
    await withIdempotency(store, { key: 'a', request }, effect);
    await withIdempotency(store, { key: 'b', request }, effect);
    expect(effect).toHaveBeenCalledTimes(2);
  });

  it('refuses the same key with a different request', async () => {
    const store = new InMemoryIdempotencyStore();
    await withIdempotency(store, { key: 'k1', request }, async () => 'ok');
    const effect = vi.fn(async () => 'other');
    const error = await conflict(withIdempotency(store, { key: 'k1', request: { ...request, amount: 1 } }, effect));
    expect(error.code).toBe('IDEMPOTENCY.KEY_REUSED');
    expect(effect).not.toHaveBeenCalled();
  });

  it('tells a concurrent retry that the first attempt is in progress', async () => {
    const store = new InMemoryIdempotencyStore();
    let finish!: (value: string) => void;
    const first = withIdempotency(
      store,
      { key: 'k1', request },
      () => new Promise<string>((resolve) => (finish = resolve)),
    );
    await vi.waitFor(() => expect(store.records.get('k1')?.state).toBe('in_progress'));
    const effect = vi.fn(async () => 'second');
    const error = await conflict(withIdempotency(store, { key: 'k1', request }, effect));
    expect(error.code).toBe('IDEMPOTENCY.IN_PROGRESS');
    expect(effect).not.toHaveBeenCalled();
    finish('first');
    await expect(first).resolves.toBe('first');
  });

  it('releases the key when the effect fails, so a retry runs it', async () => {
    const store = new InMemoryIdempotencyStore();
    await expect(
      withIdempotency(store, { key: 'k1', request }, async () => {
        throw new Error('provider down');
      }),
    ).rejects.toThrow('provider down');
    expect(store.records.has('k1')).toBe(false);
    await expect(withIdempotency(store, { key: 'k1', request }, async () => 'retried')).resolves.toBe('retried');
  });

  it('does not release the key when only recording the result fails, so the effect is not repeated at once', async () => {
    const store = new InMemoryIdempotencyStore();
    store.failComplete = true;
    const effect = vi.fn(async () => 'charged');
    await expect(withIdempotency(store, { key: 'k1', request }, effect)).rejects.toThrow('store unavailable');
    expect(store.records.get('k1')?.state).toBe('in_progress');
    store.failComplete = false;
    expect((await conflict(withIdempotency(store, { key: 'k1', request }, effect))).code).toBe(
      'IDEMPOTENCY.IN_PROGRESS',
    );
    expect(effect).toHaveBeenCalledTimes(1);
  });

  it('replays an undefined result as null', async () => {
    const store = new InMemoryIdempotencyStore();
    await withIdempotency(store, { key: 'k1', request }, async () => undefined);
    await expect(withIdempotency(store, { key: 'k1', request }, async () => 'x')).resolves.toBeNull();
  });
});

describe('fingerprintOf', () => {
  it('ignores key order and distinguishes different requests', () => {
    expect(fingerprintOf({ a: 1, b: [1, 2] })).toBe(fingerprintOf({ b: [1, 2], a: 1 }));
    expect(fingerprintOf({ a: 1, b: [1, 2] })).not.toBe(fingerprintOf({ a: 1, b: [2, 1] }));
    expect(fingerprintOf({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('distinguishes requests that differ only in a date', () => {
    expect(fingerprintOf({ at: new Date('2026-01-01T00:00:00Z') })).not.toBe(
      fingerprintOf({ at: new Date('2026-06-01T00:00:00Z') }),
    );
  });
});
