/** The staff domain's repositories, bound to one `Queryable` (the pool, or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { PostgresRefundablePayments, type RefundablePayments } from '../payments/index.ts';
import { GrantRepository, ProposalRepository, type GrantStore, type ProposalStore } from './staff.repository.ts';

export interface StaffRepositories {
  readonly proposals: ProposalStore;
  readonly grants: GrantStore;
  /** Payments' door: what a payment can still refund (read-only, the `refundable_payments` view). */
  readonly payments: RefundablePayments;
}

export type StaffData = UnitOfWork<StaffRepositories>;
export type StaffTx = TransactionScope<StaffRepositories>;

export function staffRepositories(db: Queryable): StaffRepositories {
  return {
    proposals: new ProposalRepository(db),
    grants: new GrantRepository(db),
    payments: new PostgresRefundablePayments(db),
  };
}
