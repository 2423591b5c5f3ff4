/**
 * What other domains may read about a payment before asking for a refund: the staff back-office
 * checks a refund proposal against it (lambdas/staff). A read over the `refundable_payments` view
 * (db/migrations/2100_staff_notifications.sql), exported through lambdas/payments/index.ts; the
 * refund itself is made by payments when it consumes `staff.refund.approved`.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';

const refundableRow = z.object({
  group_id: z.string(),
  currency: z.string(),
  status: z.string(),
  refundable_cents: z.coerce.number().int(),
});

export interface RefundablePayment {
  readonly paymentGroupId: string;
  readonly currency: string;
  /** Only a captured payment can be refunded. */
  readonly captured: boolean;
  readonly refundableCents: number;
}

export interface RefundablePayments {
  find(paymentGroupId: string): Promise<RefundablePayment | null>;
}

export class PostgresRefundablePayments implements RefundablePayments {
  constructor(private readonly db: Queryable) {}

  async find(paymentGroupId: string): Promise<RefundablePayment | null> {
    const result = await this.db.query(
      'SELECT group_id, currency, status, refundable_cents FROM refundable_payments WHERE group_id = $1',
      [paymentGroupId],
    );
    const row = parseRows(refundableRow, result.rows)[0];
    if (!row) return null;
    return {
      paymentGroupId: row.group_id,
      currency: row.currency,
      captured: row.status === 'captured',
      refundableCents: Math.max(0, row.refundable_cents),
    };
  }
}
