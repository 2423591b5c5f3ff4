/**
 * Hot-query cache (NTB-SEARCH-005): a repeated query within `ttlMs` is answered from the
 * container's memory. Short on purpose: an upsert or delete must be visible within 5 s locally.
 */
import type { Clock } from '../core/clock.ts';

export class HotQueryCache<T> {
  private readonly entries = new Map<string, { expires: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxEntries = 1_000,
  ) {}

  /** The cached answer for `key`, or `load()`'s (shared by concurrent callers; failures are not kept). */
  get(key: string, load: () => Promise<T>): Promise<T> {
    if (this.ttlMs === 0) return load();
    const now = this.clock.nowMs();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.entries.delete(key);
    const value = load();
    this.entries.set(key, { expires: now + this.ttlMs, value });
    value.catch(() => this.entries.delete(key));
    // Oldest first out (a Map iterates in insertion order).
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
