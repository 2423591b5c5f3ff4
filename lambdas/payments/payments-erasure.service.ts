/**
 * Payments' consumer of auth's `user.deleted` (NTB-SEC-003): payment records are kept, pseudonymised
 * (one fresh user id per erasure, so the account's records stay coherent with each other). Idempotent
 * per event (consumeOnce).
 */
import type { Queryable } from '../core/db/database.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import type { DomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import { PaymentsErasureRepository, type PaymentsErasureStore } from './payments-erasure.repository.ts';

export const PAYMENTS_ERASURE_CONSUMER = 'payments-user-deleted';

export interface PaymentsErasureRepositories {
  readonly erasure: PaymentsErasureStore;
}
export function paymentsErasureRepositories(db: Queryable): PaymentsErasureRepositories {
  return { erasure: new PaymentsErasureRepository(db) };
}

export class PaymentsErasureService {
  constructor(
    private readonly db: UnitOfWork<PaymentsErasureRepositories>,
    private readonly logger: Logger,
  ) {}

  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    const { userId } = event.payload;
    await consumeOnce(this.db, PAYMENTS_ERASURE_CONSUMER, event, async (tx) => {
      const counts = await tx.erasure.pseudonymise(userId, newId('user'));
      this.logger.info('account pseudonymised in payments', { userId, ...counts });
    });
  }
}
