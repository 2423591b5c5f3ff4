/**
 * Money for booking groups (issue #12), in the shape of booking's `BookingPaymentsPort`
 * (lambdas/booking/payments.port.ts; implemented structurally, booking is not imported):
 * authorize (escrow: a PaymentIntent with manual capture), capture, void, refund.
 *
 * Every call for a group runs under one transaction holding the group's advisory lock, so concurrent
 * duplicates (a hundred confirmations at once) serialise: the first does the work at Stripe, the
 * rest find its result. Stripe is called with Idempotency-Keys derived from the group (and the
 * caller's key for refunds), so a call retried after a crash between Stripe's answer and our commit
 * gets the same PaymentIntent / refund back, never a second one. Ledger entries are keyed by the
 * Stripe object they record, so the API answer and its webhook record a movement once.
 */
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { ValidationError } from '../core/errors.ts';
import {
  ProviderRequestError,
  ProviderStateError,
  type PaymentIntentView,
  type PaymentProvider,
} from '../core/payment-provider.ts';
import { captureEntry, refundEntry } from './ledger.ts';
import { PaymentRequestError, PaymentStateError } from './payments.errors.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';
import type { AuthorizationRow } from './payments.repository.ts';
import { movesForward, statusOfIntent, type AuthorizationStatus } from './payments.state.ts';

export interface AuthorizeInput {
  groupId: string;
  clientUserId: string;
  amountCents: number;
  currency: string;
  idempotencyKey: string;
}
export interface AuthorizeResult {
  paymentRef: string;
  status: 'authorized' | 'requires_action' | 'declined';
  clientSecret?: string;
}

type Tx = Parameters<Parameters<UnitOfWork<PaymentsRepositories>['transaction']>[0]>[0];

const VOID_REASONS = { expired: 'abandoned', declined: 'abandoned', cancelled: 'requested_by_customer' } as const;

function checkGroupId(groupId: string): void {
  if (typeof groupId !== 'string' || groupId.length < 1 || groupId.length > 100)
    throw new ValidationError('groupId must be 1 to 100 characters', [{ path: 'groupId', message: 'invalid' }]);
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length < 1 || key.length > 200)
    throw new ValidationError('idempotencyKey must be 1 to 200 characters', [
      { path: 'idempotencyKey', message: 'invalid' },
    ]);
}

function checkAmount(amountCents: number): void {
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0)
    throw new ValidationError('amountCents must be a positive integer', [{ path: 'amountCents', message: 'invalid' }]);
}

/** Writes what a PaymentIntent says onto its group's row (forward only) and into the ledger (once). */
export async function applyIntent(
  tx: Tx,
  row: AuthorizationRow,
  intent: PaymentIntentView,
): Promise<AuthorizationStatus> {
  const next = statusOfIntent(intent.status, intent.lastPaymentErrorCode);
  const status = movesForward(row.status, next) ? next : row.status;
  await tx.payments.updateAuthorization(row.group_id, {
    ...(status !== row.status ? { status } : {}),
    chargeId: intent.latestChargeId,
    capturedCents: intent.amountReceived,
  });
  if (next === 'captured' && intent.amountReceived > 0)
    await tx.ledger.record(captureEntry(row.group_id, intent.id, intent.amountReceived, intent.currency));
  return status;
}

export class StripeBookingPayments {
  constructor(
    private readonly db: UnitOfWork<PaymentsRepositories>,
    private readonly provider: PaymentProvider,
  ) {}

  async authorize(input: AuthorizeInput): Promise<AuthorizeResult> {
    checkGroupId(input.groupId);
    checkKey(input.idempotencyKey);
    checkAmount(input.amountCents);
    const currency = String(input.currency).toLowerCase();
    if (!/^[a-z]{3}$/.test(currency))
      throw new ValidationError('currency must be an ISO 4217 code', [{ path: 'currency', message: 'invalid' }]);
    return this.db.transaction(async (tx) => {
      await tx.payments.lockKey(input.groupId);
      const existing = await tx.payments.findAuthorization(input.groupId);
      if (existing) {
        if (
          existing.amount_cents !== input.amountCents ||
          existing.currency !== currency ||
          existing.client_user_id !== input.clientUserId
        )
          throw new PaymentStateError('This booking group is already authorised for another amount or client');
        return this.answer(existing.payment_intent_id, existing.status, existing.client_secret);
      }
      let intent: PaymentIntentView;
      try {
        intent = await this.provider.createAuthorization({
          amountCents: input.amountCents,
          currency,
          groupId: input.groupId,
          clientUserId: input.clientUserId,
          // One PaymentIntent per group, whatever key the caller retries with.
          idempotencyKey: `rastup:authorize:${input.groupId}`,
        });
      } catch (error) {
        if (error instanceof ProviderRequestError)
          throw new PaymentRequestError(error.message, [
            { path: error.param ?? 'amountCents', message: error.message },
          ]);
        throw error;
      }
      const status = statusOfIntent(intent.status, intent.lastPaymentErrorCode);
      await tx.payments.insertAuthorization({
        groupId: input.groupId,
        clientUserId: input.clientUserId,
        amountCents: input.amountCents,
        currency,
        paymentIntentId: intent.id,
        clientSecret: intent.clientSecret,
        chargeId: intent.latestChargeId,
        status,
        capturedCents: intent.amountReceived,
      });
      return this.answer(intent.id, status, intent.clientSecret);
    });
  }

  private answer(paymentRef: string, status: AuthorizationStatus, clientSecret: string | null): AuthorizeResult {
    if (status === 'authorized' || status === 'captured') return { paymentRef, status: 'authorized' };
    if (status === 'voided') return { paymentRef, status: 'declined' };
    // requires_action / declined: the client (Stripe.js) confirms or retries with the client secret.
    return {
      paymentRef,
      status: status === 'declined' ? 'declined' : 'requires_action',
      ...(clientSecret ? { clientSecret } : {}),
    };
  }

  async capture(input: {
    groupId: string;
    idempotencyKey: string;
  }): Promise<{ status: 'captured' | 'not_authorized' }> {
    checkGroupId(input.groupId);
    checkKey(input.idempotencyKey);
    return this.db.transaction(async (tx) => {
      await tx.payments.lockKey(input.groupId);
      const row = await tx.payments.findAuthorization(input.groupId);
      if (!row) return { status: 'not_authorized' as const };
      if (row.status === 'captured') return { status: 'captured' as const };
      if (row.status === 'voided') return { status: 'not_authorized' as const };
      let status: AuthorizationStatus = row.status;
      if (status !== 'authorized') {
        // The client may have finished 3DS a moment ago and the webhook not arrived yet: ask Stripe.
        status = await applyIntent(tx, row, await this.provider.retrieveIntent(row.payment_intent_id));
        if (status === 'captured') return { status: 'captured' as const };
        if (status !== 'authorized') return { status: 'not_authorized' as const };
      }
      let intent: PaymentIntentView;
      try {
        intent = await this.provider.capture(row.payment_intent_id, `rastup:capture:${input.groupId}`);
      } catch (error) {
        if (!(error instanceof ProviderStateError)) throw error;
        intent = await this.provider.retrieveIntent(row.payment_intent_id);
      }
      status = await applyIntent(tx, { ...row, status }, intent);
      return { status: status === 'captured' ? ('captured' as const) : ('not_authorized' as const) };
    });
  }

  async void(input: {
    groupId: string;
    reason: 'expired' | 'declined' | 'cancelled';
    idempotencyKey: string;
  }): Promise<void> {
    checkGroupId(input.groupId);
    checkKey(input.idempotencyKey);
    if (!(input.reason in VOID_REASONS))
      throw new ValidationError('reason must be expired, declined or cancelled', [
        { path: 'reason', message: 'invalid' },
      ]);
    await this.db.transaction(async (tx) => {
      await tx.payments.lockKey(input.groupId);
      const row = await tx.payments.findAuthorization(input.groupId);
      if (!row || row.status === 'voided') return;
      if (row.status === 'captured') throw new PaymentStateError('The payment was captured; refund it instead');
      let intent: PaymentIntentView;
      try {
        intent = await this.provider.cancel(
          row.payment_intent_id,
          VOID_REASONS[input.reason],
          `rastup:void:${input.groupId}`,
        );
      } catch (error) {
        if (!(error instanceof ProviderStateError)) throw error;
        intent = await this.provider.retrieveIntent(row.payment_intent_id);
      }
      const status = await applyIntent(tx, row, intent);
      if (status === 'captured') throw new PaymentStateError('The payment was captured; refund it instead');
      await tx.payments.updateAuthorization(row.group_id, { voidReason: input.reason });
    });
  }

  async refund(input: { groupId: string; amountCents: number; reason: string; idempotencyKey: string }): Promise<void> {
    checkGroupId(input.groupId);
    checkKey(input.idempotencyKey);
    checkAmount(input.amountCents);
    const reason = String(input.reason).slice(0, 500);
    await this.db.transaction(async (tx) => {
      await tx.payments.lockKey(input.groupId);
      const row = await tx.payments.findAuthorization(input.groupId);
      if (!row) throw new PaymentStateError('This booking group has no payment');
      if (await tx.payments.findRefundByKey(input.groupId, input.idempotencyKey)) return;
      if (row.status !== 'captured') throw new PaymentStateError('Only a captured payment can be refunded');
      const refundable = row.captured_cents - (await tx.payments.refundedTotal(input.groupId));
      if (input.amountCents > refundable) throw new PaymentStateError(`At most ${refundable} can still be refunded`);
      let refund: { id: string; amountCents: number };
      try {
        refund = await this.provider.refund({
          paymentIntentId: row.payment_intent_id,
          amountCents: input.amountCents,
          metadata: { group_id: input.groupId },
          idempotencyKey: `rastup:refund:${input.groupId}:${input.idempotencyKey}`,
        });
      } catch (error) {
        if (error instanceof ProviderStateError || error instanceof ProviderRequestError)
          throw new PaymentStateError(error.message);
        throw error;
      }
      await tx.payments.recordRefund({
        id: refund.id,
        groupId: input.groupId,
        amountCents: refund.amountCents,
        reason,
        idempotencyKey: input.idempotencyKey,
      });
      await tx.payments.updateAuthorization(row.group_id, {
        refundedCents: row.captured_cents - refundable + refund.amountCents,
      });
      await tx.ledger.record(refundEntry(input.groupId, refund.id, refund.amountCents, row.currency));
    });
  }
}
