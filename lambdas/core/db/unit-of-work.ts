/**
 * How a domain reaches its tables: repositories are class instances over a `Queryable`, built by a
 * `bind` function the domain's composition root (`<domain>.module.ts`) passes here. The unit of work
 * is those repositories over the pool (reads outside a transaction) plus `transaction(fn)`, which
 * hands `fn` the same repositories bound to one transaction. Services depend on the repositories'
 * interfaces, so a unit test gives them in-memory fakes (lambdas/core/testing/fakes.ts).
 *
 * Inside a transaction the scope is also the `Transaction` itself, for the kernel's writers that
 * must join it (appendAudit, enqueueEvent, consumeOnce's inbox, the erasure guard).
 */
import type { Database, Queryable, Transaction } from './database.ts';

export type TransactionOptions = Parameters<Database['transaction']>[1];

/** The domain's repositories bound to one transaction, and that transaction. */
export type TransactionScope<R> = R & Transaction;

export type UnitOfWork<R> = R & {
  transaction<T>(fn: (tx: TransactionScope<R>) => Promise<T>, options?: TransactionOptions): Promise<T>;
};

/** The public shape of a repository class: what a service depends on and a fake implements. */
export type PortOf<T> = { readonly [K in keyof T]: T[K] };

export function createUnitOfWork<R extends object>(db: Database, bind: (db: Queryable) => R): UnitOfWork<R> {
  return {
    ...bind(db),
    transaction: (fn, options) =>
      db.transaction(
        (tx) => fn({ ...bind(tx), inTransaction: true, query: (text, values) => tx.query(text, values) }),
        options,
      ),
  };
}
