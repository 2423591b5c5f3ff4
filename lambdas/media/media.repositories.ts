/** The media domain's repositories, bound to one `Queryable` (the pool, or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { MediaReconcilerRepository, type MediaReconcilerStore } from './media-reconciler.repository.ts';
import { MediaRepository, type MediaStore } from './media.repository.ts';

export interface MediaRepositories {
  readonly media: MediaStore;
  /** The reconciler's reads: which objects each media row names. */
  readonly naming: MediaReconcilerStore;
}

export type MediaData = UnitOfWork<MediaRepositories>;
/** Inside `db.transaction(...)`: the repositories bound to that transaction. */
export type MediaTx = TransactionScope<MediaRepositories>;

export function mediaRepositories(db: Queryable): MediaRepositories {
  return { media: new MediaRepository(db), naming: new MediaReconcilerRepository(db) };
}
