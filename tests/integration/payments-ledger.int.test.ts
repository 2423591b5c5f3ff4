/**
 * The ledger's database constraint, property-tested on the local stack's PostgreSQL: a journal entry
 * commits if and only if it has two or more lines summing to zero in each currency; the ledger is
 * append-only. Writes go through the payments role's own repository (what the services use).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';

const { endpoints } = stackInfo();
let db: Database;

beforeAll(() => {
  db = createDatabase({
    connectionString: (
      databaseConnection('payments', { DATABASE_URL: endpoints.databaseUrl }) as { connectionString: string }
    ).connectionString,
    max: 2,
  });
});
afterAll(() => db?.close());

const line = fc.record({
  account: fc.constantFrom('stripe_balance', 'client_funds_held', 'platform_fee', 'tax_payable'),
  amountCents: fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((n) => n !== 0),
  currency: fc.constantFrom('usd', 'eur'),
});

/** Lines that balance by construction: each currency's last line takes the rest. */
const balanced = fc
  .array(line, { minLength: 1, maxLength: 5 })
  .map((lines) => {
    const out = [...lines];
    for (const currency of new Set(lines.map((l) => l.currency))) {
      const sum = out.filter((l) => l.currency === currency).reduce((total, l) => total + l.amountCents, 0);
      if (sum !== 0) out.push({ account: 'stripe_balance', amountCents: -sum, currency });
    }
    return out;
  })
  .filter((lines) => lines.length >= 2);

function isBalanced(lines: readonly { amountCents: number; currency: string }[]): boolean {
  if (lines.length < 2) return false;
  const sums = new Map<string, number>();
  for (const l of lines) sums.set(l.currency, (sums.get(l.currency) ?? 0) + l.amountCents);
  return [...sums.values()].every((sum) => sum === 0);
}

/** Inserts raw lines (bypassing the repository's own check) and reports whether the commit succeeded. */
async function commits(lines: readonly { account: string; amountCents: number; currency: string }[]): Promise<boolean> {
  const id = newId('journal');
  try {
    await db.transaction(
      async (tx) => {
        await tx.query(
          `INSERT INTO journal_entries (id, kind, group_id, source_ref) VALUES ($1, 'capture', 'prop', $2)`,
          [id, `prop:${id}`],
        );
        let n = 0;
        for (const l of lines)
          await tx.query(
            'INSERT INTO journal_lines (entry_id, line_no, account_code, amount_cents, currency) VALUES ($1, $2, $3, $4, $5)',
            [id, ++n, l.account, l.amountCents, l.currency],
          );
      },
      { retries: 0 },
    );
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '23514' || /balance|line/.test(String((error as Error).message)))
      return false;
    throw error;
  }
}

describe('journal entries balance (deferred constraint trigger)', () => {
  it('commits every balanced entry', async () => {
    await fc.assert(
      fc.asyncProperty(balanced, async (lines) => {
        expect(await commits(lines)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('commits an arbitrary entry exactly when it balances', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 0, maxLength: 5 }), async (lines) => {
        expect(await commits(lines)).toBe(isBalanced(lines));
      }),
      { numRuns: 60 },
    );
  });

  it('is append-only', async () => {
    const id = newId('journal');
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO journal_entries (id, kind, source_ref) VALUES ($1, 'capture', $2)`, [
        id,
        `prop:${id}`,
      ]);
      await tx.query(
        `INSERT INTO journal_lines (entry_id, line_no, account_code, amount_cents, currency)
         VALUES ($1, 1, 'stripe_balance', 100, 'usd'), ($1, 2, 'client_funds_held', -100, 'usd')`,
        [id],
      );
    });
    const admin = createDatabase({ connectionString: endpoints.databaseUrl, max: 1 });
    try {
      await expect(admin.query('UPDATE journal_lines SET amount_cents = 1 WHERE entry_id = $1', [id])).rejects.toThrow(
        /append-only/,
      );
      await expect(admin.query('DELETE FROM journal_entries WHERE id = $1', [id])).rejects.toThrow(/append-only/);
    } finally {
      await admin.close();
    }
  });
});
