/** Composition root of booking's user.deleted consumer (booking-erasure.handler.ts): one service per container. */
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { BookingErasureService, bookingErasureRepositories } from './booking-erasure.service.ts';

let erasure: Promise<BookingErasureService> | undefined;

/** The user.deleted consumer (pseudonymises the account's bookings). */
export function bookingErasure(): Promise<BookingErasureService> {
  erasure ??= databaseFromEnv('booking').then(
    (db) =>
      new BookingErasureService(createUnitOfWork(db, bookingErasureRepositories), createLogger({ service: 'booking' })),
  );
  erasure.catch(() => (erasure = undefined));
  return erasure;
}
