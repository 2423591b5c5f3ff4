/**
 * What booking needs from payments (issue #12 implements the same shape structurally, without
 * importing booking: `bookingPaymentsFromEnv` in lambdas/payments/index.ts). The composition root
 * picks it by BOOKING_PAYMENTS; `NoMoneyPayments` (BOOKING_PAYMENTS=none, and unit tests) authorises
 * every group at once with a `nomoney_` reference and moves nothing. Amounts are integer cents;
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
  /**
   * On completion: pay each leg's share to its owner (a transfer per leg, once). A leg whose owner
   * cannot receive payouts yet answers `transferId: null`.
   */
  release(input: {
    groupId: string;
    legs: { legId: string; resourceId: string; payeeUserId: string; amountCents: number }[];
    idempotencyKey: string;
  }): Promise<{ legId: string; transferId: string | null; amountCents: number }[]>;
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
  release(input: { legs: { legId: string }[] }) {
    return Promise.resolve(input.legs.map((leg) => ({ legId: leg.legId, transferId: null, amountCents: 0 })));
  }
}
