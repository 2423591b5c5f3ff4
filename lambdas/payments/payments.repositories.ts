/** The payments domain's stores, bound to one `Queryable` (the pool or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import { DisputeEvidenceRepository } from './dispute-evidence.repository.ts';
import { LedgerRepository } from './ledger.repository.ts';
import { PaymentsRepository } from './payments.repository.ts';
import { PriceBookRepository } from './price-book.repository.ts';

export function paymentsRepositories(db: Queryable) {
  return {
    payments: new PaymentsRepository(db),
    ledger: new LedgerRepository(db),
    disputes: new DisputeEvidenceRepository(db),
    prices: new PriceBookRepository(db),
  };
}
export type PaymentsRepositories = ReturnType<typeof paymentsRepositories>;
