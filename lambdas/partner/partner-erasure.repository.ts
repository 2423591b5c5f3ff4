/**
 * Partner's part of account deletion, in SQL: a partner application stops acting for the account,
 * and the webhook payloads kept for replay (partner.event) of the account's listings lose the
 * fields that name it (the slug is built from the display name; owner ids are never stored, see
 * partnerPayload). The events stay, so the delivery log and replays keep their shape.
 */
import type { Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

/** Payload fields that may name an account, removed from an erased owner's stored payloads. */
export const ERASED_PAYLOAD_FIELDS = ['slug', 'ownerUserId', 'displayName', 'name'] as const;

export class PartnerErasureRepository {
  constructor(private readonly db: Queryable) {}

  async unlinkAccount(userId: string): Promise<number> {
    const result = await this.db.query(
      'UPDATE partner.client SET account_user_id = NULL, updated_at = now() WHERE account_user_id = $1',
      [userId],
    );
    return result.rowCount ?? 0;
  }

  /** Scrubs the stored payloads of events about these listings (and their media); answers the count. */
  async scrubPayloads(listingIds: readonly string[]): Promise<number> {
    if (listingIds.length === 0) return 0;
    const result = await this.db.query(
      `UPDATE partner.event
          SET payload = payload - $2::text[],
              previous_payload = CASE WHEN previous_payload IS NULL THEN NULL ELSE previous_payload - $2::text[] END
        WHERE (aggregate_id = ANY($1) OR payload->>'ownerId' = ANY($1))
          AND (payload ?| $2::text[] OR coalesce(previous_payload ?| $2::text[], false))`,
      [listingIds, ERASED_PAYLOAD_FIELDS],
    );
    return result.rowCount ?? 0;
  }
}

export type PartnerErasureStore = PortOf<PartnerErasureRepository>;
