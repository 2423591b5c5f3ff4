import { describe, expect, it } from 'vitest';
import { Rotation } from './rotation.ts';

/** One mix-load process as perf-local runs it: a warm-up, then the measured run, on one rotation. */
function mixLoadProcess(ids: readonly string[], startIndex: number, warmup: number, measured: number) {
  const rotation = new Rotation(ids, startIndex);
  const take = (n: number) => Array.from({ length: n }, () => rotation.next());
  return { warmup: take(warmup), measured: take(measured), nextIndex: rotation.nextIndex };
}

describe('Rotation (the request order of a perf:local row)', () => {
  const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);

  it('never repeats an id across warm-up, paced and saturation runs until the list is used up', () => {
    const paced = mixLoadProcess(ids, 0, 10, 30);
    const saturated = mixLoadProcess(ids, paced.nextIndex, 10, 50);
    const sent = [...paced.warmup, ...paced.measured, ...saturated.warmup, ...saturated.measured];
    expect(sent).toHaveLength(100);
    expect(new Set(sent).size).toBe(100);
    // The measured runs in particular never ask for what an earlier run of the row just cached.
    const before = new Set([...paced.warmup, ...paced.measured, ...saturated.warmup]);
    expect(saturated.measured.filter((id) => before.has(id))).toEqual([]);
    expect(paced.measured.filter((id) => paced.warmup.includes(id))).toEqual([]);
  });

  it('wraps around the list and hands on where it stopped', () => {
    const run = mixLoadProcess(ids, 95, 3, 4);
    expect(run.warmup).toEqual(['id-95', 'id-96', 'id-97']);
    expect(run.measured).toEqual(['id-98', 'id-99', 'id-0', 'id-1']);
    expect(run.nextIndex).toBe(2);
    expect(new Rotation(ids, 205).next()).toBe('id-5');
    expect(() => new Rotation([], 0)).toThrow(/at least one/);
  });
});
