/**
 * What payments may read about a booking group to confirm its checkout (exported through
 * lambdas/booking/index.ts): who the client is, the group's status and currency, and which listings
 * its active legs book. Only these columns are granted to rastup_payments (migration 1500).
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

const legRow = z.object({ id: z.string(), resource_id: z.string() });
const groupRow = z.object({
  id: z.string(),
  client_user_id: z.string(),
  status: z.string(),
  currency: z.string(),
  legs: z.array(legRow),
});

export interface CheckoutGroup {
  readonly id: string;
  readonly clientUserId: string;
  readonly status: string;
  readonly currency: string;
  readonly legs: readonly { readonly id: string; readonly resourceId: string }[];
}

export class CheckoutGroupDirectory {
  constructor(private readonly db: Queryable) {}

  /** The group and its active legs in one round trip. */
  async find(groupId: string): Promise<CheckoutGroup | null> {
    const result = await this.db.query(
      `SELECT g.id, g.client_user_id, g.status, g.currency,
              COALESCE((SELECT jsonb_agg(jsonb_build_object('id', l.id, 'resource_id', l.resource_id) ORDER BY l.id)
                        FROM booking_legs l WHERE l.group_id = g.id AND l.active), '[]'::jsonb) AS legs
       FROM booking_groups g WHERE g.id = $1`,
      [groupId],
    );
    const group = parseRows(groupRow, result.rows)[0];
    if (!group) return null;
    return {
      id: group.id,
      clientUserId: group.client_user_id,
      status: group.status,
      currency: group.currency.trim(),
      legs: group.legs.map((leg) => ({ id: leg.id, resourceId: leg.resource_id })),
    };
  }
}
