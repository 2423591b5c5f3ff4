/** The platform domain's repositories, bound to one `Queryable` (the pool, or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { CityRepository, type CityStore } from './city.repository.ts';

export interface PlatformRepositories {
  readonly cities: CityStore;
}

export type PlatformData = UnitOfWork<PlatformRepositories>;
/** Inside `db.transaction(...)`: the repositories bound to that transaction. */
export type PlatformTx = TransactionScope<PlatformRepositories>;

export function platformRepositories(db: Queryable): PlatformRepositories {
  return { cities: new CityRepository(db) };
}
