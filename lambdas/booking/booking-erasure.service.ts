/**
 * Booking's consumer of auth's `user.deleted` (NTB-SEC-003): bookings are kept, pseudonymised. The
 * pseudonym is a fresh user id that names no account, the same across the account's bookings so
 * their history stays coherent for disputes and accounting. Idempotent per event (consumeOnce), and
 * the erasure marker stops a still-valid token of the account from booking afterwards.
 */
import { markErased } from '../core/db/erased-users.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import type { DomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { Queryable } from '../core/db/database.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { BookingErasureRepository, type BookingErasureStore } from './booking-erasure.repository.ts';

/** The erasure's own store (apart from the booking service's repositories: it touches only this). */
export interface BookingErasureRepositories {
  readonly erasure: BookingErasureStore;
}
export function bookingErasureRepositories(db: Queryable): BookingErasureRepositories {
  return { erasure: new BookingErasureRepository(db) };
}

export const BOOKING_ERASURE_CONSUMER = 'booking-user-deleted';

export class BookingErasureService {
  constructor(
    private readonly db: UnitOfWork<BookingErasureRepositories>,
    private readonly logger: Logger,
  ) {}

  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    const { userId } = event.payload;
    await consumeOnce(this.db, BOOKING_ERASURE_CONSUMER, event, async (tx) => {
      await markErased(tx, userId);
      const counts = await tx.erasure.pseudonymise(userId, newId('user'));
      this.logger.info('account pseudonymised in booking', { userId, ...counts });
    });
  }
}
