/** The reviews domain's stores, bound to one `Queryable` (the pool or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { ReviewRepository, type ReviewStore } from './review.repository.ts';

export interface ReviewsRepositories {
  readonly reviews: ReviewStore;
}

export function reviewsRepositories(db: Queryable): ReviewsRepositories {
  return { reviews: new ReviewRepository(db) };
}

export type ReviewsData = UnitOfWork<ReviewsRepositories>;
export type ReviewsTx = TransactionScope<ReviewsRepositories>;
