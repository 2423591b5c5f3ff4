/** The ledger's SQL: append-only journal entries, one per source reference. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import { newId } from '../core/ids.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { assertBalanced, type LedgerEntry } from './ledger.ts';

const balanceRow = z.object({ account_code: z.string(), currency: z.string(), balance: z.coerce.number() });

export class LedgerRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Records the entry unless one with its source reference exists (then returns false). Run inside
   * a transaction: the lines are checked to balance when it commits.
   */
  async record(entry: LedgerEntry): Promise<boolean> {
    assertBalanced(entry);
    const id = newId('journal');
    const inserted = await this.db.query(
      `INSERT INTO journal_entries (id, kind, group_id, source_ref, memo) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (source_ref) DO NOTHING`,
      [id, entry.kind, entry.groupId, entry.sourceRef, entry.memo],
    );
    if ((inserted.rowCount ?? 0) === 0) return false;
    const accounts = [...new Set(entry.lines.map((line) => line.account))];
    await this.db.query(
      `INSERT INTO ledger_accounts (code, kind)
       SELECT code, split_part(code, ':', 1) FROM unnest($1::text[]) AS code ON CONFLICT (code) DO NOTHING`,
      [accounts],
    );
    await this.db.query(
      `INSERT INTO journal_lines (entry_id, line_no, account_code, amount_cents, currency)
       SELECT $1, ordinality, account, amount, currency
       FROM unnest($2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS l(account, amount, currency)`,
      [
        id,
        entry.lines.map((line) => line.account),
        entry.lines.map((line) => line.amountCents),
        entry.lines.map((line) => line.currency),
      ],
    );
    return true;
  }

  async countEntries(sourceRef: string): Promise<number> {
    const result = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM journal_entries WHERE source_ref = $1',
      [sourceRef],
    );
    return result.rows[0]?.n ?? 0;
  }

  /** Balance per account and currency over the entries of one booking group. */
  async groupBalances(groupId: string): Promise<{ account: string; currency: string; balanceCents: number }[]> {
    const result = await this.db.query(
      `SELECT l.account_code, l.currency, sum(l.amount_cents)::bigint AS balance
       FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
       WHERE e.group_id = $1 GROUP BY l.account_code, l.currency ORDER BY l.account_code`,
      [groupId],
    );
    return parseRows(balanceRow, result.rows).map((row) => ({
      account: row.account_code,
      currency: row.currency,
      balanceCents: row.balance,
    }));
  }
}
export type LedgerStore = PortOf<LedgerRepository>;
