import { describe, expect, it } from 'vitest';
import { poissonArrivals } from './arrivals.ts';

/** Requests in each 100 ms window. */
function perWindow(offsets: readonly number[], seconds: number): number[] {
  const windows = Array.from({ length: seconds * 10 }, () => 0);
  for (const at of offsets) windows[Math.floor(at / 100)]!++;
  return windows;
}

describe('poissonArrivals (the open-loop generator of perf/bench/load.ts)', () => {
  it('is seeded: one seed, one schedule; another seed, another', () => {
    expect(poissonArrivals(150, 5, 42)).toEqual(poissonArrivals(150, 5, 42));
    expect(poissonArrivals(150, 5, 42)).not.toEqual(poissonArrivals(150, 5, 7));
  });

  it('sends the rate on average, in order, inside the run', () => {
    for (const seed of [1, 7, 42, 1234]) {
      const offsets = poissonArrivals(150, 60, seed);
      // 9,000 expected; a Poisson count's standard deviation is its square root (~95): 5σ either side.
      expect(offsets.length).toBeGreaterThan(9_000 - 475);
      expect(offsets.length).toBeLessThan(9_000 + 475);
      expect(offsets[0]).toBeGreaterThanOrEqual(0);
      expect(offsets.at(-1)).toBeLessThan(60_000);
      expect(offsets.every((at, i) => i === 0 || at > offsets[i - 1]!)).toBe(true);
    }
  });

  it('spreads requests over the second like independent visitors, not a burst per second', () => {
    const offsets = poissonArrivals(150, 60, 42);
    const gaps = offsets.slice(1).map((at, i) => at - offsets[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    // Exponential gaps: standard deviation ≈ mean (a fixed pace would have none).
    expect(mean).toBeGreaterThan(6.2);
    expect(mean).toBeLessThan(7.2);
    expect(sd / mean).toBeGreaterThan(0.9);
    expect(sd / mean).toBeLessThan(1.1);
    // 15 per 100 ms window on average; autocannon's per-second budgets put the second's 150 in the first ones.
    const windows = perWindow(offsets, 60);
    expect(Math.max(...windows)).toBeLessThan(40);
    expect(windows.filter((n) => n === 0).length).toBeLessThan(windows.length * 0.01);
    // Every tenth of the second gets its share: no phase of the second is favoured.
    const byTenth = Array.from({ length: 10 }, (_, tenth) =>
      windows.filter((_, w) => w % 10 === tenth).reduce((a, b) => a + b, 0),
    );
    for (const count of byTenth) expect(Math.abs(count - offsets.length / 10)).toBeLessThan(150);
  });
});
