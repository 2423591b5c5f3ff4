/**
 * kill -9 of the whole local stack while the outbox relay and partner webhook delivery run, restart,
 * repeat (tests/support/fault-kill.ts): 0 events lost, 0 duplicated effects. The long version is
 * `npm run fault:kill -- --iterations 20`; RASTUP_KILL_SEED replays a run's kill timings.
 */
import { describe, expect, it } from 'vitest';
import { runOutboxWebhookKills } from '../support/fault-kill.ts';

describe('kill -9 under outbox relay and webhook delivery', () => {
  it('loses no event and duplicates no effect over 2 kills', { timeout: 900_000 }, async () => {
    const result = await runOutboxWebhookKills({
      iterations: 2,
      ...(process.env.RASTUP_KILL_SEED ? { seed: Number(process.env.RASTUP_KILL_SEED) } : {}),
      log: (line) => console.log(line),
    });
    console.log(`fault-kill seed ${result.seed}: ${JSON.stringify(result)}`);
    expect(result.acknowledged).toBeGreaterThan(0);
    expect(result.ackedWithoutEvent).toEqual([]);
    expect(result.committedEvents).toBeGreaterThanOrEqual(result.acknowledged);
    expect(result.lost).toEqual([]);
    expect(result.duplicatedEffects).toEqual([]);
    expect(result.delivered).toBe(result.committedEvents);
  });
});
