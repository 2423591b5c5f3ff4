/**
 * A per-process (per Lambda container) cache with a size bound and a per-entry expiry instant:
 * least recently used entries go first when full, expired entries are never returned. For answers
 * that stay true for a known time (a verified token until its `exp`), kept across warm invocations
 * exactly as module state is kept by Lambda.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAtMs: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('BoundedCache: maxEntries must be ≥ 1');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= this.nowMs()) return undefined;
    this.entries.set(key, entry); // most recently used last
    return entry.value;
  }

  /** Keeps `value` until `expiresAtMs` (epoch ms); an instant already past stores nothing. */
  set(key: K, value: V, expiresAtMs: number): void {
    this.entries.delete(key);
    if (expiresAtMs <= this.nowMs()) return;
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expiresAtMs });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
