/**
 * Authorisation states move only forward, whatever order Stripe's webhooks and API answers arrive in:
 *   requires_action → declined → authorized → captured
 *                                         ↘ voided
 * `declined` sits below `authorized` because a client may retry with another card on the same
 * PaymentIntent; `captured` and `voided` are terminal (Stripe never leaves succeeded or canceled).
 */
import type { IntentStatus } from '../core/payment-provider.ts';

export const AUTHORIZATION_STATUSES = ['requires_action', 'declined', 'authorized', 'captured', 'voided'] as const;
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];

const RANK: Record<AuthorizationStatus, number> = {
  requires_action: 0,
  declined: 1,
  authorized: 2,
  captured: 3,
  voided: 3,
};

/** Whether `next` is a step forward from `current` (never sideways between the two terminal states). */
export function movesForward(current: AuthorizationStatus, next: AuthorizationStatus): boolean {
  return RANK[next] > RANK[current];
}

/** The authorisation state a PaymentIntent status stands for. */
export function statusOfIntent(status: IntentStatus, lastErrorCode: string | null): AuthorizationStatus {
  switch (status) {
    case 'requires_capture':
      return 'authorized';
    case 'succeeded':
      return 'captured';
    case 'canceled':
      return 'voided';
    case 'requires_payment_method':
      return lastErrorCode ? 'declined' : 'requires_action';
    default:
      return 'requires_action';
  }
}
