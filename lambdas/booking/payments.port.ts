/**
 * What booking needs from payments (issue #12 implements the same shape structurally, without
 * importing booking). Until payments is wired, the composition root uses `NoMoneyPayments`: every
 * authorisation succeeds with a `nomoney_` reference and nothing moves. Amounts are integer cents;
 * one currency per group. Every call carries an idempotency key derived from the group and the step,
 * so a retried transition never authorises, captures, voids or refunds twice.
 */
export interface BookingPaymentsPort {
  /** When a booking group enters `hold`: authorise (escrow, manual capture) the group's total. */
  authorize(input: {
    groupId: string;
    clientUserId: string;
    amountCents: number;
    currency: string;
    idempotencyKey: string;
  }): Promise<{ paymentRef: string; status: 'authorized' | 'requires_action' | 'declined'; clientSecret?: string }>;
  /** On confirmation (provider accepted / instant book). */
  capture(input: { groupId: string; idempotencyKey: string }): Promise<{ status: 'captured' | 'not_authorized' }>;
  /** On expiry, decline or cancellation before capture. */
  void(input: { groupId: string; reason: 'expired' | 'declined' | 'cancelled'; idempotencyKey: string }): Promise<void>;
  /** Refund after capture, amounts from the cancellation kernel. */
  refund(input: { groupId: string; amountCents: number; reason: string; idempotencyKey: string }): Promise<void>;
}

export class NoMoneyPayments implements BookingPaymentsPort {
  authorize(input: { groupId: string }) {
    return Promise.resolve({ paymentRef: `nomoney_${input.groupId}`, status: 'authorized' as const });
  }
  capture() {
    return Promise.resolve({ status: 'captured' as const });
  }
  void() {
    return Promise.resolve();
  }
  refund() {
    return Promise.resolve();
  }
}
