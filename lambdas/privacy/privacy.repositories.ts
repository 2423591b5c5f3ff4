/** The privacy domain's stores, bound to one `Queryable` (the pool or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { markAccountExported } from '../auth/index.ts';
import { ExportRepository, type ExportStore } from './export.repository.ts';

export interface PrivacyRepositories {
  readonly exports: ExportStore;
  /** Auth's door: a full export satisfies the deletion gate (users.last_export_at). */
  readonly accounts: { markExported(userId: string, at: Date): Promise<void> };
}

export function privacyRepositories(db: Queryable): PrivacyRepositories {
  return {
    exports: new ExportRepository(db),
    accounts: { markExported: (userId, at) => markAccountExported(db, userId, at) },
  };
}

export type PrivacyData = UnitOfWork<PrivacyRepositories>;
export type PrivacyTx = TransactionScope<PrivacyRepositories>;
