/** The DMCA domain's stores, bound to one `Queryable` (the pool or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import { DmcaRepository } from './dmca.repository.ts';
import type { DmcaStore } from './dmca.service.ts';

export interface DmcaRepositories {
  readonly dmca: DmcaStore;
}

export function dmcaRepositories(db: Queryable): DmcaRepositories {
  return { dmca: new DmcaRepository(db) };
}
