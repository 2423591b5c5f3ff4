/**
 * What the partner API may read about booking groups (booking owns them): one group the given
 * client account created, with its legs — the order a partner's client placed. Exported through
 * lambdas/booking/index.ts. Only the selected columns are granted to the partner role
 * (db/migrations/1800_partner_briefs_orders.sql): no transition log, no payment references.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

const groupRow = z.object({
  id: z.string(),
  status: z.string(),
  instant_book: z.boolean(),
  starts_at: z.date(),
  ends_at: z.date(),
  amount_cents: z.number().int(),
  currency: z.string(),
  cancellation_policy: z.string(),
  payment_status: z.string(),
  created_at: z.date(),
  updated_at: z.date(),
});
const legRow = z.object({
  id: z.string(),
  resource_type: z.enum(['PROFILE', 'STUDIO']),
  resource_id: z.string(),
  starts_at: z.date(),
  ends_at: z.date(),
  amount_cents: z.number().int(),
  accepted: z.boolean(),
});

export type PartnerOrderRow = z.infer<typeof groupRow> & { readonly legs: z.infer<typeof legRow>[] };

export interface PartnerOrders {
  /** The group `groupId` if `clientUserId` created it; null otherwise (unknown and foreign alike). */
  order(groupId: string, clientUserId: string): Promise<PartnerOrderRow | null>;
}

export function partnerOrders(db: Queryable): PartnerOrders {
  return {
    async order(groupId, clientUserId) {
      const groups = await db.query(
        `SELECT id, status, instant_book, starts_at, ends_at, amount_cents, currency::text AS currency, cancellation_policy,
                payment_status, created_at, updated_at
           FROM booking_groups WHERE id = $1 AND client_user_id = $2`,
        [groupId, clientUserId],
      );
      const group = parseRows(groupRow, groups.rows)[0];
      if (!group) return null;
      const legs = await db.query(
        `SELECT id, resource_type, resource_id, starts_at, ends_at, amount_cents, accepted
           FROM booking_legs WHERE group_id = $1 ORDER BY starts_at, id`,
        [groupId],
      );
      return { ...group, legs: parseRows(legRow, legs.rows) };
    },
  };
}
