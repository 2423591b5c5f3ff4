/**
 * Money for booking groups (issue #12), in the shape of booking's `BookingPaymentsPort`
 * (lambdas/booking/payments.port.ts; implemented structurally, booking is not imported):
 * authorize (escrow: a PaymentIntent with manual capture), capture, void, refund.
 *
 * No database transaction is held open across a Stripe call (a slow Stripe must not pin pool
 * connections or locks): intent recorded and committed, Stripe called with an Idempotency-Key derived
 * from the group (and the caller's key for refunds), answer recorded forward-only under the group's
 * advisory lock. Concurrent duplicates (a hundred confirmations at once) send the same keyed request,
 * Stripe does the work once and replays its answer, and the first to record it wins. Ledger entries
 * are keyed by the Stripe object they record, so the API answer and its webhook record a movement once.
 * `release` (completion) pays each leg out through payouts' transfer step, once per leg.
 * Refunds and transfers check the group's remaining funds under its lock and record the request
 * (reserving the amount) before Stripe is called, outside the lock (migration 3030).
 */
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { ValidationError } from '../core/errors.ts';
import {
  ProviderRequestError,
  ProviderStateError,
  type PaymentIntentView,
  type PaymentProvider,
} from '../core/payment-provider.ts';
import { completeReversal } from './dispute-holds.ts';
import { captureEntry, refundEntry } from './ledger.ts';
import { AuthorizationRenewals, cardOf } from './reauthorization.service.ts';
import { systemClock } from '../core/clock.ts';
import {
  PaymentRequestError,
  PaymentStateError,
  PayoutAccountNotReadyError,
  PayoutHeldError,
} from './payments.errors.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';
import type { AuthorizationRow, CheckoutQuoteRecord, MoneyRequestRow } from './payments.repository.ts';
import type { LegTransferInput } from './payouts.service.ts';
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
  // An intent the group no longer uses (a renewal replaced it, then cancelled it): its news is not the group's.
  if (intent.id !== row.payment_intent_id) return row.status;
  const next = statusOfIntent(intent.status, intent.lastPaymentErrorCode);
  const status = movesForward(row.status, next) ? next : row.status;
  await tx.payments.updateAuthorization(row.group_id, {
    ...(status !== row.status ? { status } : {}),
    chargeId: intent.latestChargeId,
    capturedCents: intent.amountReceived,
  });
  if (next === 'captured' && intent.amountReceived > 0)
    await tx.ledger.record(captureEntry(row.group_id, intent.id, intent.amountReceived, intent.currency));
  if (next === 'authorized') await tx.payments.noteCard(row.group_id, intent.id, cardOf(intent));
  return status;
}

/** One leg of a completed group, as booking knows it. */
export interface ReleaseLeg {
  legId: string;
  /** The listing the leg books (matched to the confirmed quote's leg of the same listing). */
  resourceId: string;
  payeeUserId: string;
  /** The leg's price as booking computed it (used when the group was authorised without a quote). */
  amountCents: number;
}
export interface ReleaseResult {
  legId: string;
  /** null: not paid out yet (the payee has not finished payout onboarding). */
  transferId: string | null;
  amountCents: number;
}

/** The transfer step of payouts (PayoutsService.transferLeg). */
export interface LegTransfers {
  transferLeg(input: LegTransferInput): Promise<{ transferId: string; amountCents: number }>;
  /** Steps (2) and (3) of a transfer whose request a crash left open (the reconciler). */
  completeTransfer?(request: MoneyRequestRow): Promise<unknown>;
}

export class StripeBookingPayments {
  /** Renewals of lapsing authorisations: a capture or void finishes one under way first. */
  readonly renewals: AuthorizationRenewals;

  constructor(
    private readonly db: UnitOfWork<PaymentsRepositories>,
    private readonly provider: PaymentProvider,
    private readonly transfers?: LegTransfers,
  ) {
    this.renewals = new AuthorizationRenewals(db, provider, systemClock);
  }

  /**
   * Before a capture or void is asked of Stripe: recorded (committed) under the group's lock, so no
   * renewal starts from now on, and a renewal already recorded is finished; answers the row as it then is.
   */
  private async settleFirst(groupId: string): Promise<AuthorizationRow | null> {
    await this.db.transaction(async (tx) => {
      await tx.payments.lockKey(groupId);
      await tx.payments.requestSettle(groupId);
    });
    try {
      await this.renewals.finishOpenOf(groupId);
    } catch {
      // The renewal could not be finished now (Stripe unreachable, a crash-left state): it must never
      // stop this capture or void of the intent the row holds. settle_requested_at keeps new renewals
      // out; the sweep finishes this one later, even while this capture or void is still under way,
      // and its swap is refused once settling was requested, so it cancels its own intent (superseded).
    }
    return this.db.payments.findAuthorization(groupId);
  }

  /**
   * The client's Stripe customer, made at their first checkout: the card they confirm is saved on it
   * (setup_future_usage), so a hold that would lapse before capture can be renewed off-session. Keyed by
   * the user, so concurrent first checkouts make one customer (within Stripe's 24 h key window).
   */
  private async customerFor(clientUserId: string, anew?: string): Promise<string> {
    const known = anew ? null : await this.db.payments.customerOf(clientUserId);
    if (known) return known;
    const idempotencyKey = `rastup:customer:${clientUserId}${anew ? `:${anew}` : ''}`;
    try {
      return (await this.provider.createCustomer({ clientUserId, idempotencyKey })).id;
    } catch (error) {
      if (error instanceof ProviderRequestError)
        throw new PaymentRequestError(error.message, [{ path: 'clientUserId', message: error.message }]);
      throw error;
    }
  }

  /** Booking's port: authorise the group's amount (or keep the authorisation its confirmed quote made). */
  authorize(input: AuthorizeInput): Promise<AuthorizeResult> {
    return this.authorizeGroup(input, null);
  }

  /**
   * Authorises a group once, without holding a transaction across Stripe: (1) the request is
   * recorded and committed unless the group has one, and in the same statement an answer already
   * recorded is found and returned (refreshed from Stripe while the client may still be completing
   * it); (2) Stripe is called with the group's Idempotency-Key, outside any transaction, and (3) its
   * answer is recorded by one INSERT … ON CONFLICT DO NOTHING. Two SQL round trips on the way.
   * Concurrent duplicates all reach (2) with the same key and parameters and get the same
   * PaymentIntent; the first to reach (3) records it, the rest find it.
   */
  async authorizeGroup(input: AuthorizeInput, quote: CheckoutQuoteRecord | null): Promise<AuthorizeResult> {
    checkGroupId(input.groupId);
    checkKey(input.idempotencyKey);
    checkAmount(input.amountCents);
    const currency = String(input.currency).toLowerCase();
    if (!/^[a-z]{3}$/.test(currency))
      throw new ValidationError('currency must be an ISO 4217 code', [{ path: 'currency', message: 'invalid' }]);
    // One round trip: the request recorded (unless there is one) and what the group has so far.
    const found = await this.db.payments.requestIntent({
      groupId: input.groupId,
      clientUserId: input.clientUserId,
      amountCents: input.amountCents,
      currency,
      quote,
    });
    if (found.authorization) return this.existing(found.authorization, input.clientUserId);
    // null only when a concurrent duplicate committed its request after this statement began.
    const request = found.request ?? (await this.db.payments.findIntentRequest(input.groupId));
    if (!request) {
      const raced = await this.db.payments.findAuthorization(input.groupId);
      if (raced) return this.existing(raced, input.clientUserId);
      throw new PaymentStateError('This booking group’s payment could not be recorded; try again');
    }
    if (request.client_user_id !== input.clientUserId || request.currency !== currency)
      throw new PaymentStateError('This booking group is already authorised for another client or currency');
    // A quote-confirmed request is the authority on the amount (it adds fee and tax to booking's
    // leg prices); otherwise the amounts must agree.
    if (request.amount_cents !== input.amountCents && !(request.quote && !quote))
      throw new PaymentStateError('This booking group is already authorised for another amount');
    let customerId = await this.customerFor(request.client_user_id);
    const create = (idempotencyKey: string) =>
      this.provider.createAuthorization({
        amountCents: request.amount_cents,
        currency: request.currency,
        groupId: request.group_id,
        clientUserId: request.client_user_id,
        customerId,
        idempotencyKey,
      });
    let intent: PaymentIntentView;
    try {
      try {
        // One PaymentIntent per group, whatever key the caller retries with.
        intent = await create(`rastup:authorize:${input.groupId}`);
      } catch (error) {
        // The recorded customer is gone at Stripe (deleted in the dashboard, another Stripe account): a
        // new one for this group, keyed by it, so concurrent duplicates still share one PaymentIntent.
        if (!(error instanceof ProviderRequestError) || error.param !== 'customer') throw error;
        customerId = await this.customerFor(request.client_user_id, input.groupId);
        intent = await create(`rastup:authorize:${input.groupId}:${customerId}`);
      }
    } catch (error) {
      if (error instanceof ProviderRequestError)
        throw new PaymentRequestError(error.message, [{ path: error.param ?? 'amountCents', message: error.message }]);
      throw error;
    }
    // One statement, no transaction or lock: the first answer recorded wins (ON CONFLICT DO NOTHING),
    // a duplicate reads it (the winner has committed once the conflict is reported).
    const status = statusOfIntent(intent.status, intent.lastPaymentErrorCode);
    const recorded =
      (await this.db.payments.insertAuthorization({
        groupId: request.group_id,
        clientUserId: request.client_user_id,
        amountCents: request.amount_cents,
        currency: request.currency,
        paymentIntentId: intent.id,
        clientSecret: intent.clientSecret,
        chargeId: intent.latestChargeId,
        status,
        capturedCents: intent.amountReceived,
        stripeCustomerId: customerId,
      })) ?? (await this.db.payments.findAuthorization(input.groupId));
    if (!recorded) throw new PaymentStateError('This booking group’s payment could not be recorded; try again');
    return this.answer(recorded.payment_intent_id, recorded.status, recorded.client_secret);
  }

  /** A recorded authorisation; while the client may be completing it (3DS, a retried card), Stripe's word. */
  private async existing(row: AuthorizationRow, clientUserId: string): Promise<AuthorizeResult> {
    if (row.client_user_id !== clientUserId)
      throw new PaymentStateError('This booking group is already authorised for another client');
    if (row.status !== 'requires_action' && row.status !== 'declined')
      return this.answer(row.payment_intent_id, row.status, row.client_secret);
    const status = await this.refresh(row.group_id, await this.provider.retrieveIntent(row.payment_intent_id));
    return this.answer(row.payment_intent_id, status, row.client_secret);
  }

  /** Records what Stripe answered about the group's PaymentIntent (forward only, ledger once). */
  private refresh(groupId: string, intent: PaymentIntentView): Promise<AuthorizationStatus> {
    return this.db.transaction(async (tx) => {
      await tx.payments.lockKey(groupId);
      const row = await tx.payments.findAuthorization(groupId);
      if (!row) throw new PaymentStateError('This booking group has no payment');
      return applyIntent(tx, row, intent);
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

  /**
   * Captures the group's authorisation once. No transaction is open while Stripe is called: every
   * concurrent duplicate sends the same capture with the group's Idempotency-Key (Stripe captures
   * once and replays its answer), and the answer is recorded forward-only, the ledger keyed by the
   * PaymentIntent, so a hundred confirmations at once make one capture and one journal entry.
   */
  async capture(input: {
    groupId: string;
    idempotencyKey: string;
  }): Promise<{ status: 'captured' | 'not_authorized' }> {
    checkGroupId(input.groupId);
    checkKey(input.idempotencyKey);
    const found = await this.db.payments.findAuthorization(input.groupId);
    if (!found || found.status === 'voided') return { status: 'not_authorized' as const };
    if (found.status === 'captured') return { status: 'captured' as const };
    if (found.status !== 'authorized') {
      // The client may have finished 3DS a moment ago and the webhook not arrived yet: ask Stripe. Not
      // authorised: answered before settleFirst, whose flag would keep the group from every later renewal.
      const status = await this.refresh(found.group_id, await this.provider.retrieveIntent(found.payment_intent_id));
      if (status === 'captured') return { status: 'captured' as const };
      if (status !== 'authorized') return { status: 'not_authorized' as const };
    }
    // From here on no renewal starts, and one under way is finished: the capture acts on the live intent.
    const row = await this.settleFirst(input.groupId);
    if (!row || row.status === 'voided') return { status: 'not_authorized' as const };
    if (row.status === 'captured') return { status: 'captured' as const };
    let intent: PaymentIntentView;
    try {
      intent = await this.provider.capture(row.payment_intent_id, `rastup:capture:${input.groupId}`);
    } catch (error) {
      if (!(error instanceof ProviderStateError)) throw error;
      intent = await this.provider.retrieveIntent(row.payment_intent_id);
    }
    const status = await this.refresh(row.group_id, intent);
    return { status: status === 'captured' ? ('captured' as const) : ('not_authorized' as const) };
  }

  /** Cancels the group's PaymentIntent (expiry, decline, cancellation before capture); no transaction across Stripe. */
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
    let row = await this.db.payments.findAuthorization(input.groupId);
    if (!row) {
      // Recorded as intended but Stripe's answer never recorded (a crash in between): the same
      // Idempotency-Key recovers that PaymentIntent so it can be cancelled, not left authorised.
      const request = await this.db.payments.findIntentRequest(input.groupId);
      if (!request) return;
      await this.authorizeGroup(
        {
          groupId: request.group_id,
          clientUserId: request.client_user_id,
          amountCents: request.amount_cents,
          currency: request.currency,
          idempotencyKey: input.idempotencyKey,
        },
        request.quote,
      );
      row = await this.db.payments.findAuthorization(input.groupId);
      if (!row) return;
    }
    if (row.status === 'voided') return;
    if (row.status === 'captured') throw new PaymentStateError('The payment was captured; refund it instead');
    row = (await this.settleFirst(input.groupId)) ?? row;
    if (row.status === 'voided') return;
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
    await this.db.transaction(async (tx) => {
      await tx.payments.lockKey(input.groupId);
      const current = await tx.payments.findAuthorization(input.groupId);
      const status = await applyIntent(tx, current!, intent);
      if (status === 'captured') throw new PaymentStateError('The payment was captured; refund it instead');
      await tx.payments.updateAuthorization(input.groupId, { voidReason: input.reason });
    });
  }

  /**
   * A completed group: each leg's share paid to its payee by a Connect transfer (transfer_group =
   * the group), once per leg. The split (payee subtotal, platform fee, tax) comes from the quote the
   * client confirmed; a group authorised without one pays each leg its booked price. A payee who has
   * not finished payout onboarding is skipped (transferId null) and paid by a later release.
   */
  async release(input: {
    groupId: string;
    legs: readonly ReleaseLeg[];
    idempotencyKey: string;
  }): Promise<ReleaseResult[]> {
    checkGroupId(input.groupId);
    checkKey(input.idempotencyKey);
    if (!this.transfers) throw new PaymentStateError('Payouts are not configured here');
    const request = await this.db.payments.findIntentRequest(input.groupId);
    const results: ReleaseResult[] = [];
    for (const leg of input.legs) {
      const quoted = request?.quote?.legs.find((candidate) => candidate.listingId === leg.resourceId);
      try {
        const transfer = await this.transfers.transferLeg({
          groupId: input.groupId,
          legId: leg.legId,
          payeeUserId: leg.payeeUserId,
          payeeCents: quoted ? quoted.subtotalCents : leg.amountCents,
          feeCents: quoted ? quoted.platformFeeCents : 0,
          taxCents: quoted ? quoted.taxCents : 0,
        });
        results.push({ legId: leg.legId, transferId: transfer.transferId, amountCents: transfer.amountCents });
      } catch (error) {
        // Not payable yet (onboarding unfinished, or a chargeback open): paid by a later release.
        if (!(error instanceof PayoutAccountNotReadyError) && !(error instanceof PayoutHeldError)) throw error;
        results.push({ legId: leg.legId, transferId: null, amountCents: 0 });
      }
    }
    return results;
  }

  /**
   * Refunds part or all of a captured group, once per caller key, in three steps with no transaction
   * open across Stripe: (1) under the group's lock the remaining amount is checked and the request
   * (amount, Stripe Idempotency-Key) recorded, reserving the amount, and committed; (2) Stripe is
   * asked with that key; (3) the refund, the group's refunded total and the ledger entry are recorded
   * and the request closed. A retry (or the reconciler, `finishOpenRequests`) after a crash between
   * the steps repeats (2) with the stored key: Stripe answers with the refund it already made.
   */
  async refund(input: { groupId: string; amountCents: number; reason: string; idempotencyKey: string }): Promise<void> {
    checkGroupId(input.groupId);
    checkKey(input.idempotencyKey);
    checkAmount(input.amountCents);
    const reason = String(input.reason).slice(0, 500);
    const firstKey = `rastup:refund:${input.groupId}:${input.idempotencyKey}`;
    const request = await this.db.transaction(async (tx) => {
      await tx.payments.lockKey(input.groupId);
      const row = await tx.payments.findAuthorization(input.groupId);
      if (!row) throw new PaymentStateError('This booking group has no payment');
      if (await tx.payments.findRefundByKey(input.groupId, input.idempotencyKey)) return null;
      // One request per attempt, as for payouts: an open one is reused (concurrent duplicates, a
      // crash); a closed one with no refund recorded was refused by Stripe, which replays a key's first
      // answer for 24 hours, so the caller's retry is a new attempt with a key of its own.
      let stripeKey = firstKey;
      for (let attempt = 2; ; attempt++) {
        const open = await tx.payments.findMoneyRequest(stripeKey);
        if (!open) break;
        if (!open.completed_at) return { row, amountCents: open.amount_cents, stripeKey };
        stripeKey = `${firstKey}:attempt-${attempt}`;
      }
      if (row.status !== 'captured') throw new PaymentStateError('Only a captured payment can be refunded');
      const refundable =
        row.captured_cents -
        (await tx.payments.refundedTotal(input.groupId)) -
        (await tx.payments.openRequestedTotal(input.groupId, 'refund'));
      if (input.amountCents > refundable) throw new PaymentStateError(`At most ${refundable} can still be refunded`);
      await tx.payments.insertMoneyRequest({
        idempotencyKey: stripeKey,
        groupId: input.groupId,
        kind: 'refund',
        amountCents: input.amountCents,
        details: { reason, callerKey: input.idempotencyKey },
      });
      return { row, amountCents: input.amountCents, stripeKey };
    });
    if (!request) return;
    await this.completeRefund(request.row, request.amountCents, request.stripeKey, reason, input.idempotencyKey);
  }

  /** Steps (2) and (3) of a refund whose request is recorded. */
  async completeRefund(
    row: AuthorizationRow,
    amountCents: number,
    stripeKey: string,
    reason: string,
    callerKey: string | null,
  ): Promise<void> {
    let refund: { id: string; amountCents: number };
    try {
      refund = await this.provider.refund({
        paymentIntentId: row.payment_intent_id,
        amountCents,
        metadata: { group_id: row.group_id },
        idempotencyKey: stripeKey,
      });
    } catch (error) {
      if (error instanceof ProviderStateError || error instanceof ProviderRequestError) {
        // Stripe refused: no money moved, so the reservation is released (closed without an object).
        await this.db.payments.completeMoneyRequest(stripeKey, 'refused');
        throw new PaymentStateError(error.message);
      }
      throw error;
    }
    await this.db.transaction(async (tx) => {
      await tx.payments.lockKey(row.group_id);
      await tx.payments.recordRefund({
        id: refund.id,
        groupId: row.group_id,
        amountCents: refund.amountCents,
        reason,
        idempotencyKey: callerKey,
      });
      await tx.payments.updateAuthorization(row.group_id, {
        refundedCents: await tx.payments.refundedTotal(row.group_id),
      });
      await tx.ledger.record(refundEntry(row.group_id, refund.id, refund.amountCents, row.currency));
      await tx.payments.completeMoneyRequest(stripeKey, refund.id);
    });
  }

  /**
   * The reconciler's repair of requests a crash left between recording and Stripe's answer: each is
   * repeated with its stored key (Stripe replays what it did, or does it now, once) and recorded.
   */
  async finishOpenRequests(before: Date): Promise<{ finished: number; failed: number }> {
    let finished = 0;
    let failed = 0;
    for (const request of await this.db.payments.openMoneyRequests(before, 100)) {
      try {
        if (request.kind === 'refund') {
          const row = await this.db.payments.findAuthorization(request.group_id);
          if (!row) continue;
          const details = request.details as { reason?: string; callerKey?: string };
          await this.completeRefund(
            row,
            request.amount_cents,
            request.idempotency_key,
            details.reason ?? 'refund',
            details.callerKey ?? null,
          );
        } else if (request.kind === 'reversal') await completeReversal(this.db, this.provider, request);
        else if (this.transfers?.completeTransfer) await this.transfers.completeTransfer(request);
        else continue;
        finished++;
      } catch {
        failed++;
      }
    }
    return { finished, failed };
  }
}
