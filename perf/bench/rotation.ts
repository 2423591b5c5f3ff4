/**
 * The order in which a load run sends a row's requests (mix-load.ts). One rotation spans a process's
 * warm-up and measured run, and a process starts where the previous run of the same row stopped
 * (perf-local.ts passes `nextIndex` on as `startIndex`): an "uncached" row thus asks for each id once per
 * lap of its list, instead of re-asking the ids its warm-up or its paced run had just put in the cache.
 */
export class Rotation<T> {
  private index: number;

  constructor(
    private readonly items: readonly T[],
    startIndex = 0,
  ) {
    if (items.length === 0) throw new Error('a rotation needs at least one request');
    this.index = ((startIndex % items.length) + items.length) % items.length;
  }

  next(): T {
    const item = this.items[this.index]!;
    this.index = (this.index + 1) % this.items.length;
    return item;
  }

  /** Where the next request comes from: the start index of the row's next run. */
  get nextIndex(): number {
    return this.index;
  }
}
