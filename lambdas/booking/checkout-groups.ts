/**
 * What payments may read about a booking group to confirm its checkout (exported through
 * lambdas/booking/index.ts): who the client is, the group's status and currency, and which listings
 * its active legs book. Only these columns are granted to rastup_payments (migration 1500).
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

const groupRow = z.object({
  id: z.string(),
  client_user_id: z.string(),
  status: z.string(),
  currency: z.string(),
});
const legRow = z.object({ id: z.string(), resource_id: z.string() });

export interface CheckoutGroup {
  readonly id: string;
  readonly clientUserId: string;
  readonly status: string;
  readonly currency: string;
  readonly legs: readonly { readonly id: string; readonly resourceId: string }[];
}

export class CheckoutGroupDirectory {
  constructor(private readonly db: Queryable) {}

  async find(groupId: string): Promise<CheckoutGroup | null> {
    const groups = await this.db.query(
      'SELECT id, client_user_id, status, currency FROM booking_groups WHERE id = $1',
      [groupId],
    );
    const group = parseRows(groupRow, groups.rows)[0];
    if (!group) return null;
    const legs = await this.db.query(
      'SELECT id, resource_id FROM booking_legs WHERE group_id = $1 AND active ORDER BY id',
      [groupId],
    );
    return {
      id: group.id,
      clientUserId: group.client_user_id,
      status: group.status,
      currency: group.currency.trim(),
      legs: parseRows(legRow, legs.rows).map((leg) => ({ id: leg.id, resourceId: leg.resource_id })),
    };
  }
}
