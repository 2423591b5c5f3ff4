/**
 * `confirmCheckout`: the client confirms a signed quote for a booking group they requested. The quote
 * is checked (signature, owner, expiry, today's prices), it must price exactly the listings the
 * group's active legs book, in the group's currency; then the group's total is authorised (escrow,
 * manual capture) and the client secret returned for Stripe.js to confirm the card (3DS when the
 * bank asks). The per-leg split is kept with the request so completion pays each payee its share.
 * Booking captures when every owner has accepted (its port's `authorize` then finds this
 * authorisation and `capture` takes it).
 */
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import type { CheckoutGroup } from '../booking/index.ts';
import type { StripeBookingPayments } from './booking-payments.service.ts';
import type { CheckoutService } from './checkout.service.ts';
import { PaymentStateError } from './payments.errors.ts';
import type { AuthorizationRow, CheckoutQuoteRecord } from './payments.repository.ts';
import type { CheckoutLegInput } from './payments.schemas.ts';

export interface CheckoutGroups {
  find(groupId: string): Promise<CheckoutGroup | null>;
}

export interface CheckoutPaymentView {
  readonly groupId: string;
  readonly paymentRef: string;
  readonly status: 'AUTHORIZED' | 'REQUIRES_ACTION' | 'DECLINED' | 'CAPTURED' | 'VOIDED';
  readonly clientSecret: string | null;
  readonly amountCents: number;
  readonly currency: string;
}

const PAYABLE = new Set(['REQUESTED', 'HOLD']);

const STATUS = {
  requires_action: 'REQUIRES_ACTION',
  declined: 'DECLINED',
  authorized: 'AUTHORIZED',
  captured: 'CAPTURED',
  voided: 'VOIDED',
} as const;

export class CheckoutConfirmation {
  constructor(
    private readonly checkout: Pick<CheckoutService, 'confirmQuote'>,
    private readonly groups: CheckoutGroups,
    private readonly payments: Pick<StripeBookingPayments, 'authorizeGroup'>,
    private readonly authorizations: { findAuthorization(groupId: string): Promise<AuthorizationRow | null> },
  ) {}

  async confirm(
    caller: Caller,
    input: { groupId: string; quoteToken: string; legs: readonly CheckoutLegInput[] },
  ): Promise<CheckoutPaymentView> {
    const user = requireUser(caller);
    // Independent reads, side by side; the group's answer decides first (others' ids are NOT_FOUND).
    const [found, checked] = await Promise.allSettled([
      this.groups.find(input.groupId),
      this.checkout.confirmQuote(caller, input.quoteToken, input.legs),
    ]);
    if (found.status === 'rejected') throw found.reason;
    const group = found.value;
    if (!group || group.clientUserId !== user.userId) throw new NotFoundError('Booking not found');
    if (checked.status === 'rejected') throw checked.reason;
    const quote = checked.value;
    if (!PAYABLE.has(group.status)) throw new PaymentStateError(`A booking that is ${group.status} cannot be paid`);
    const quoted = quote.legs.map((leg) => leg.listingId).sort();
    const booked = group.legs.map((leg) => leg.resourceId).sort();
    if (quoted.length !== booked.length || quoted.some((id, i) => id !== booked[i]))
      throw new ValidationError('The quote does not price this booking’s listings', [
        { path: 'input.legs', message: 'must name exactly the booked listings' },
      ]);
    if (quote.currency.toUpperCase() !== group.currency.toUpperCase())
      throw new ValidationError('The quote is in another currency than the booking', [
        { path: 'input.quoteToken', message: 'currency differs' },
      ]);
    const record: CheckoutQuoteRecord = {
      quoteId: quote.quoteId,
      legs: quote.legs.map((leg) => ({
        legId: leg.legId,
        listingId: leg.listingId,
        payeeUserId: leg.payeeUserId,
        subtotalCents: leg.subtotalCents,
        platformFeeCents: leg.platformFeeCents,
        taxCents: leg.taxCents,
        // Kept with the request (its created_at is the acceptance): a chargeback's evidence pack shows it.
        cancellationPolicy: leg.cancellationPolicy,
      })),
    };
    const answer = await this.payments.authorizeGroup(
      {
        groupId: group.id,
        clientUserId: user.userId,
        amountCents: quote.totalCents,
        currency: quote.currency,
        idempotencyKey: `checkout:${group.id}`,
      },
      record,
    );
    return {
      groupId: group.id,
      paymentRef: answer.paymentRef,
      status:
        answer.status === 'authorized' ? 'AUTHORIZED' : answer.status === 'declined' ? 'DECLINED' : 'REQUIRES_ACTION',
      clientSecret: answer.clientSecret ?? null,
      amountCents: quote.totalCents,
      currency: quote.currency.toUpperCase(),
    };
  }

  /** The client's payment of a group (the client secret to complete it), whoever started it. */
  async payment(caller: Caller, groupId: string): Promise<CheckoutPaymentView> {
    const user = requireUser(caller);
    const row = await this.authorizations.findAuthorization(groupId);
    if (!row || row.client_user_id !== user.userId) throw new NotFoundError('Payment not found');
    const pending = row.status === 'requires_action' || row.status === 'declined';
    return {
      groupId,
      paymentRef: row.payment_intent_id,
      status: STATUS[row.status],
      clientSecret: pending ? row.client_secret : null,
      amountCents: row.amount_cents,
      currency: row.currency.toUpperCase(),
    };
  }
}
