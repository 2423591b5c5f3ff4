import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { createLogger } from '../core/log.ts';
import { RetentionRepository, retentionStatements } from './retention.repository.ts';
import { DAY_MS, retentionPolicy, type ExpiringClassName } from './retention-policy.ts';
import { RetentionService } from './retention.service.ts';

/** A repository that has `pending[statement]` rows to expire and hands them out a batch at a time. */
function fakeRepository(pending: Map<string, number>) {
  const calls: { statement: string; cutoff: Date; now: Date }[] = [];
  const repository = {
    async expireBatch(statement: string, cutoff: Date, batchSize: number, now: Date) {
      calls.push({ statement, cutoff, now });
      const left = pending.get(statement) ?? 0;
      const taken = Math.min(left, batchSize);
      pending.set(statement, left - taken);
      return taken;
    },
  } as unknown as RetentionRepository;
  return { repository, calls };
}

describe('RetentionService', () => {
  it('counts each class back from the injected clock by its own period', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 1));
    const { repository, calls } = fakeRepository(new Map());
    await new RetentionService(repository, clock, createLogger({ service: 'test', level: 'error' })).run();
    for (const name of Object.keys(retentionStatements) as ExpiringClassName[]) {
      const call = calls.find((c) => c.statement === retentionStatements[name][0]);
      expect(call?.cutoff.getTime(), name).toBe(clock.nowMs() - retentionPolicy[name].days * DAY_MS);
      expect(call?.now.getTime(), name).toBe(clock.nowMs());
    }
  });

  it('repeats a statement until a batch finds nothing, and reports per class', async () => {
    const [codes] = retentionStatements['auth.verification_codes'];
    const [attempts, tasks] = retentionStatements['partner.webhook_delivery_log'];
    const { repository, calls } = fakeRepository(
      new Map([
        [codes!, 12],
        [attempts!, 5],
        [tasks!, 3],
      ]),
    );
    const service = new RetentionService(
      repository,
      new ManualClock(),
      createLogger({ service: 'test', level: 'error' }),
      5,
    );
    const report = await service.run();
    expect(report['auth.verification_codes']).toBe(12);
    expect(report['partner.webhook_delivery_log']).toBe(8);
    expect(report['auth.sessions']).toBe(0);
    // 5 + 5 + 2, then an empty batch.
    expect(calls.filter((c) => c.statement === codes).length).toBe(4);
    // Attempts are gone before the tasks they point at.
    expect(calls.findIndex((c) => c.statement === tasks)).toBeGreaterThan(
      calls.findLastIndex((c) => c.statement === attempts),
    );
  });

  it('covers exactly the classes the policy expires', () => {
    expect(Object.keys(retentionStatements).sort()).toEqual(
      Object.entries(retentionPolicy)
        .filter(([, spec]) => spec.action !== 'keep')
        .map(([name]) => name)
        .sort(),
    );
  });
});

describe('RetentionRepository', () => {
  const statement = retentionStatements['partner.events'][0]!;
  /** A database whose first `failures` statements fail with `code`, then delete `rows`. */
  function database(failures: number, code: string, rows = 4) {
    let calls = 0;
    const db = {
      async query() {
        calls++;
        if (calls <= failures) throw Object.assign(new Error('violates foreign key constraint'), { code });
        return { rows: [], rowCount: rows };
      },
    };
    return { db: db as unknown as ConstructorParameters<typeof RetentionRepository>[0], calls: () => calls };
  }

  it('runs a batch again when a row gained a reference meanwhile (foreign key violation)', async () => {
    const { db, calls } = database(1, '23503');
    expect(await new RetentionRepository(db).expireBatch(statement, new Date(0), 10, new Date(0))).toBe(4);
    expect(calls()).toBe(2);
  });

  it('gives up after three such failures, and never retries any other error', async () => {
    const persistent = database(5, '23503');
    await expect(
      new RetentionRepository(persistent.db).expireBatch(statement, new Date(0), 10, new Date(0)),
    ).rejects.toMatchObject({ code: '23503' });
    expect(persistent.calls()).toBe(3);
    const other = database(1, '42501');
    await expect(
      new RetentionRepository(other.db).expireBatch(statement, new Date(0), 10, new Date(0)),
    ).rejects.toMatchObject({ code: '42501' });
    expect(other.calls()).toBe(1);
  });
});
