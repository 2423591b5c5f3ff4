/** Composition root of the reviews Lambda and its scheduled publish job: one service per container. */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { reviewsConfig } from './reviews.config.ts';
import { reviewsRepositories } from './reviews.repositories.ts';
import { ReviewService } from './review.service.ts';

let service: Promise<ReviewService> | undefined;

export function reviewService(): Promise<ReviewService> {
  service ??= (async () => {
    const config = reviewsConfig();
    const db = await databaseFromEnv('reviews');
    return new ReviewService(
      createUnitOfWork(db, reviewsRepositories),
      systemClock,
      { windowDays: config.REVIEWS_WINDOW_DAYS, minReviewsForAverage: config.REVIEWS_MIN_FOR_AVERAGE },
      createLogger({ service: 'reviews' }),
    );
  })();
  service.catch(() => (service = undefined));
  return service;
}
