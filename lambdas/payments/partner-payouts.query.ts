/**
 * What the partner API may read about payouts (payments owns them): the transfers paid to one
 * account, newest first, keyset-paged on (created_at, id). Exported through
 * lambdas/payments/index.ts; the partner role holds grants on exactly these columns
 * (db/migrations/1800_partner_briefs_orders.sql): no Stripe account ids.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

const payoutRow = z.object({
  id: z.string(),
  group_id: z.string(),
  leg_id: z.string(),
  amount_cents: z.number().int(),
  reversed_cents: z.number().int(),
  currency: z.string(),
  created_at: z.date(),
});
export type PartnerPayoutRow = z.infer<typeof payoutRow>;

export interface PayoutKey {
  readonly createdAt: Date;
  readonly id: string;
}

export interface PartnerPayouts {
  /** Transfers to `payeeUserId` older than `before` (newest first), at most `limit`. */
  list(payeeUserId: string, page: { before?: PayoutKey | undefined; limit: number }): Promise<PartnerPayoutRow[]>;
}

export function partnerPayouts(db: Queryable): PartnerPayouts {
  return {
    async list(payeeUserId, page) {
      const result = await db.query(
        // Keyed at millisecond precision, the precision of the key a client gets back in its cursor.
        `SELECT t.id, t.group_id, t.leg_id, t.amount_cents, t.reversed_cents, a.currency::text AS currency,
                date_trunc('milliseconds', t.created_at) AS created_at
           FROM payment_transfers t JOIN payment_authorizations a ON a.group_id = t.group_id
          WHERE t.payee_user_id = $1
            AND ($2::timestamptz IS NULL OR (date_trunc('milliseconds', t.created_at), t.id) < ($2::timestamptz, $3::text))
          ORDER BY date_trunc('milliseconds', t.created_at) DESC, t.id DESC
          LIMIT $4`,
        [payeeUserId, page.before?.createdAt ?? null, page.before?.id ?? '', page.limit],
      );
      return parseRows(payoutRow, result.rows);
    },
  };
}
