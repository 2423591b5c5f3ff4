import { describe, expect, it } from 'vitest';
import { ThreadLanes } from './thread-lanes.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('ThreadLanes', () => {
  it('runs the work of one key one at a time, in arrival order, and other keys alongside', async () => {
    const lanes = new ThreadLanes();
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const work = (key: string, label: string) =>
      lanes.run(key, async () => {
        running += 1;
        most = Math.max(most, running);
        await tick();
        order.push(label);
        running -= 1;
        return label;
      });
    const a = Array.from({ length: 5 }, (_, i) => work('a', `a${i}`));
    const b = work('b', 'b0');
    expect(await Promise.all([...a, b])).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0']);
    expect(order.filter((label) => label.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    // 'b' ran while 'a' was busy; never two of 'a' at once.
    expect(most).toBe(2);
    expect(order.indexOf('b0')).toBeLessThan(order.indexOf('a4'));
  });

  it('lets the next turn run after a failure, hands the failure to its own caller, and releases idle lanes', async () => {
    const lanes = new ThreadLanes();
    const failed = lanes.run('t', () => Promise.reject(new Error('boom')));
    const next = lanes.run('t', () => Promise.resolve('after'));
    expect(lanes.active).toBe(1);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('after');
    await tick();
    expect(lanes.active).toBe(0);
  });
});
