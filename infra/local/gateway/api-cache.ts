/**
 * AppSync's server-side cache in PER_RESOLVER_CACHING mode, emulated: a resolver listed in
 * `cachedReads` (infra/definitions/domains.ts) answers from the cache while an entry for its caching
 * keys (`$context.arguments.<name>`, in order) is younger than its TTL; other resolvers never touch it.
 * Entries are shared by every caller (the keys name no identity), errors are not kept, and
 * `evict` is what `extensions.evictFromApiCache` does in resolver code. One instance per gateway:
 * every Lambda behind it sees the same cache, as every container behind AppSync does.
 */
import type { CachedRead } from '../../definitions/domains.ts';

export class ApiCacheKeyMismatch extends Error {}

export class ApiCache {
  private readonly entries = new Map<string, { readonly value: unknown; readonly expiresAt: number }>();
  private enabled = true;

  constructor(
    private readonly reads: Readonly<Record<string, CachedRead>>,
    private readonly nowMs: () => number = Date.now,
    /** A bound on memory (the instance size in AWS); the oldest entries go first. */
    private readonly maxEntries = 100_000,
  ) {}

  cached(coordinate: string): boolean {
    return coordinate in this.reads;
  }

  private key(coordinate: string, values: readonly unknown[]): string {
    return `${coordinate}\u0000${JSON.stringify(values.map((value) => value ?? null))}`;
  }

  private keyOf(coordinate: string, args: Record<string, unknown>): string | undefined {
    const read = this.reads[coordinate];
    return read
      ? this.key(
          coordinate,
          read.keys.map((name) => args[name]),
        )
      : undefined;
  }

  /**
   * Local-only (the stack's /dev/api-cache route): off, nothing is answered from or kept in the cache,
   * so every public read reaches its Lambda; perf:local measures uncached reads that have too few
   * distinct arguments to rotate past the cache (cities, feature flags). Switching empties it.
   */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.entries.clear();
  }

  /** A live entry's value, or undefined (not cached, absent or expired). */
  get(coordinate: string, args: Record<string, unknown>): { readonly value: unknown } | undefined {
    if (!this.enabled) return undefined;
    const key = this.keyOf(coordinate, args);
    if (key === undefined) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.nowMs()) return { value: entry.value };
    this.entries.delete(key);
    return undefined;
  }

  set(coordinate: string, args: Record<string, unknown>, value: unknown): void {
    const key = this.keyOf(coordinate, args);
    const read = this.reads[coordinate];
    if (key === undefined || !read || !this.enabled) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: this.nowMs() + read.ttlSeconds * 1000 });
  }

  /**
   * `extensions.evictFromApiCache(typeName, fieldName, keyValuePair)`: the pairs name the resolver's
   * caching keys (`context.arguments.<name>`) in their order; answers how many entries were deleted.
   * A resolver that is not cached, or pairs that are not its keys, throw: that is a bug in resolver code.
   */
  evict(typeName: string, fieldName: string, keyValuePair: Record<string, unknown>): number {
    const coordinate = `${typeName}.${fieldName}`;
    const read = this.reads[coordinate];
    if (!read) throw new ApiCacheKeyMismatch(`${coordinate} is not cached (cachedReads)`);
    const names = Object.keys(keyValuePair);
    const expected = read.keys.map((name) => `context.arguments.${name}`);
    if (names.length !== expected.length || names.some((name, i) => name !== expected[i]))
      throw new ApiCacheKeyMismatch(`${coordinate} is keyed by ${expected.join(', ')}, not ${names.join(', ')}`);
    return this.entries.delete(
      this.key(
        coordinate,
        names.map((name) => keyValuePair[name]),
      ),
    )
      ? 1
      : 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
