/**
 * Partner's consumer of auth's `user.deleted` (NTB-SEC-003): the account link of partner
 * applications is cleared and the stored webhook payloads of the account's listings are scrubbed
 * (partner-erasure.repository.ts). Idempotent per event (consumeOnce); a redelivery changes nothing.
 */
import type { Queryable } from '../core/db/database.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import type { DomainEvent } from '../core/events/catalog.ts';
import type { Logger } from '../core/log.ts';
import { PartnerErasureRepository, type PartnerErasureStore } from './partner-erasure.repository.ts';

export const PARTNER_ERASURE_CONSUMER = 'partner-user-deleted';

export interface PartnerErasureRepositories {
  readonly erasure: PartnerErasureStore;
}
export function partnerErasureRepositories(db: Queryable): PartnerErasureRepositories {
  return { erasure: new PartnerErasureRepository(db) };
}

/** The listings an account owns or owned (profiles' query module in production). */
export type OwnedListingIds = (tx: Queryable, userId: string) => Promise<readonly string[]>;

export class PartnerErasureService {
  constructor(
    private readonly db: UnitOfWork<PartnerErasureRepositories>,
    private readonly listingsOf: OwnedListingIds,
    private readonly logger: Logger,
  ) {}

  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    const { userId } = event.payload;
    await consumeOnce(this.db, PARTNER_ERASURE_CONSUMER, event, async (tx) => {
      const links = await tx.erasure.unlinkAccount(userId);
      const payloads = await tx.erasure.scrubPayloads(await this.listingsOf(tx, userId));
      this.logger.info('account erased in partner', { userId, links, payloads });
    });
  }
}
