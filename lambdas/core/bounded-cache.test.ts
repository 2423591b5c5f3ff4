import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache.ts';

describe('BoundedCache', () => {
  it('returns an entry until its expiry instant and never after', () => {
    let now = 1_000;
    const cache = new BoundedCache<string, number>(10, () => now);
    cache.set('a', 1, 2_000);
    expect(cache.get('a')).toBe(1);
    now = 1_999;
    expect(cache.get('a')).toBe(1);
    now = 2_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stores nothing whose expiry has already passed', () => {
    const cache = new BoundedCache<string, number>(10, () => 5_000);
    cache.set('old', 1, 5_000);
    expect(cache.get('old')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its bound, dropping the least recently used entry first', () => {
    const cache = new BoundedCache<string, number>(3, () => 0);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    cache.set('c', 3, 10);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('d', 4, 10);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
  });

  it('forgets a deleted entry', () => {
    const cache = new BoundedCache<string, number>(3, () => 0);
    cache.set('a', 1, 10);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
  });
});
