/**
 * Connect payouts (NTB-PAY-002): an Express account per provider / studio host, onboarding through
 * Stripe's hosted account links, status from `account.updated` (stripe-webhook.service.ts), and one
 * transfer per completed leg (`transfer_group` = the booking group, from the group's charge).
 * Changing the payout destination of an onboarded account (an `account_update` link) needs a recent
 * step-up (core/step-up.ts).
 */
import type { Clock } from '../core/clock.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { ValidationError } from '../core/errors.ts';
import { requireRole, type Caller } from '../core/identity.ts';
import { ProviderRequestError, type PaymentProvider } from '../core/payment-provider.ts';
import { requireRecentStepUp } from '../core/step-up.ts';
import { releaseEntry, transferEntry } from './ledger.ts';
import { PaymentStateError, PayoutAccountNotReadyError, PayoutHeldError } from './payments.errors.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';
import * as z from 'zod';
import type { MoneyRequestRow, PayoutAccountRow } from './payments.repository.ts';

export type PayoutStatus = 'NOT_STARTED' | 'PENDING' | 'ACTIVE';

export interface PayoutAccountView {
  readonly status: PayoutStatus;
  readonly detailsSubmitted: boolean;
  readonly payoutsEnabled: boolean;
  readonly requirementsDue: readonly string[];
}

export interface LegTransferInput {
  readonly groupId: string;
  readonly legId: string;
  readonly payeeUserId: string;
  /** The leg's subtotal (what the payee is owed), its platform fee and tax, from the confirmed quote. */
  readonly payeeCents: number;
  readonly feeCents: number;
  readonly taxCents: number;
}

/** What a transfer request records for its second step (payment_money_requests.details). */
const transferDetails = z.object({
  legId: z.string(),
  payeeUserId: z.string(),
  stripeAccountId: z.string(),
  currency: z.string(),
  sourceChargeId: z.string().nullable(),
  payeeCents: z.number().int(),
  feeCents: z.number().int(),
  taxCents: z.number().int(),
});
type TransferDetails = Omit<z.infer<typeof transferDetails>, 'payeeCents'>;

function view(row: PayoutAccountRow | null): PayoutAccountView {
  if (!row) return { status: 'NOT_STARTED', detailsSubmitted: false, payoutsEnabled: false, requirementsDue: [] };
  return {
    status: row.payouts_enabled ? 'ACTIVE' : 'PENDING',
    detailsSubmitted: row.details_submitted,
    payoutsEnabled: row.payouts_enabled,
    requirementsDue: row.requirements_due,
  };
}

export class PayoutsService {
  constructor(
    private readonly db: UnitOfWork<PaymentsRepositories>,
    private readonly provider: PaymentProvider,
    private readonly clock: Clock,
    private readonly webBaseUrl: string,
  ) {}

  async onboardingLink(caller: Caller): Promise<{ url: string; expiresAt: string }> {
    const user = requireRole(caller, 'provider', 'host');
    const existing = await this.db.payments.findPayoutAccount(user.userId);
    let accountId: string;
    if (existing) {
      // Onboarded already: a new link changes where money goes (NTB-PAY-002).
      if (existing.details_submitted) requireRecentStepUp(caller, this.clock);
      accountId = existing.stripe_account_id;
    } else {
      // No transaction (nor lock) across Stripe: the Idempotency-Key is the user's, known before the
      // call, so concurrent first onboardings and a retry after a crash between Stripe's answer and the
      // insert get the same account back; the first to record it wins, the rest read it. (Stripe keeps
      // keys 24 hours, so the request is recorded first: a retry finding it recorded looks for the account
      // Stripe made for it since then, and creates one only if there is none.)
      const requestedAt = await this.db.payments.recordPayoutAccountRequest(user.userId);
      const made = requestedAt
        ? await this.provider.findConnectedAccountOfUser(
            user.userId,
            // A minute early: Stripe's clock and the database's may differ a little.
            Math.floor(requestedAt.getTime() / 1000) - 60,
          )
        : null;
      const account =
        made ??
        (await this.provider.createConnectedAccount({
          userId: user.userId,
          country: 'US',
          idempotencyKey: `rastup:account:${user.userId}`,
        }));
      await this.db.payments.insertPayoutAccount(user.userId, account.id);
      const recorded = await this.db.payments.findPayoutAccount(user.userId);
      if (!recorded) throw new PaymentStateError('The payout account could not be recorded; try again');
      accountId = recorded.stripe_account_id;
    }
    const base = this.webBaseUrl.replace(/\/$/, '');
    const link = await this.provider.createOnboardingLink({
      accountId,
      returnUrl: `${base}/settings/payouts?onboarding=done`,
      refreshUrl: `${base}/settings/payouts?onboarding=refresh`,
    });
    return { url: link.url, expiresAt: new Date(link.expiresAt * 1000).toISOString() };
  }

  async accountStatus(caller: Caller): Promise<PayoutAccountView> {
    const user = requireRole(caller, 'provider', 'host');
    return view(await this.db.payments.findPayoutAccount(user.userId));
  }

  /**
   * Pays a completed leg to its payee, once: concurrent or repeated calls find the first transfer.
   * No transaction is open across Stripe: (1) under the group's lock the funds are checked and the
   * transfer request (amount, split, Stripe Idempotency-Key) recorded, reserving the amount, and
   * committed; (2) Stripe is asked with that key; (3) the transfer and its ledger entries are recorded
   * and the request closed. Concurrent duplicates reuse the recorded request and key, so Stripe makes
   * one transfer; a crash between the steps is finished by a retry or the reconciler.
   */
  async transferLeg(input: LegTransferInput): Promise<{ transferId: string; amountCents: number }> {
    for (const [name, value] of [
      ['payeeCents', input.payeeCents],
      ['feeCents', input.feeCents],
      ['taxCents', input.taxCents],
    ] as const)
      if (!Number.isSafeInteger(value) || value < 0 || (name === 'payeeCents' && value === 0))
        throw new ValidationError(`${name} must be a non-negative integer`, [{ path: name, message: 'invalid' }]);
    const firstKey = `rastup:transfer:${input.groupId}:${input.legId}`;
    type Step = { done: { transferId: string; amountCents: number } } | { request: MoneyRequestRow };
    const step = await this.db.transaction(async (tx): Promise<Step> => {
      await tx.payments.lockKey(input.groupId);
      const done = await tx.payments.findTransfer(input.groupId, input.legId);
      if (done) return { done: { transferId: done.id, amountCents: done.amount_cents } };
      // One request per attempt: an open one is reused (concurrent duplicates, a crash), a closed one
      // without a transfer was refused by Stripe, which replays a key's first answer for 24 hours, so
      // the next attempt gets a key of its own (and a fresh look at the account and the funds).
      let stripeKey = firstKey;
      for (let attempt = 2; ; attempt++) {
        const request = await tx.payments.findMoneyRequest(stripeKey);
        if (!request) break;
        if (!request.completed_at) return { request };
        stripeKey = `${firstKey}:attempt-${attempt}`;
      }
      const payment = await tx.payments.findAuthorization(input.groupId);
      if (!payment || payment.status !== 'captured') throw new PaymentStateError('The group has no captured payment');
      // A chargeback is open: the money may go back to the cardholder, so nothing is paid out now.
      if (await tx.payments.hasOpenDispute(input.groupId)) throw new PayoutHeldError();
      const account = await tx.payments.findPayoutAccount(input.payeeUserId);
      if (!account?.payouts_enabled) throw new PayoutAccountNotReadyError();
      const available =
        payment.captured_cents -
        (await tx.payments.refundedTotal(input.groupId)) -
        (await tx.payments.transferredTotal(input.groupId)) -
        (await tx.payments.openRequestedTotal(input.groupId));
      if (input.payeeCents + input.feeCents + input.taxCents > available)
        throw new PaymentStateError(`Only ${available} of the group's captured funds remain`);
      const details: TransferDetails = {
        legId: input.legId,
        payeeUserId: input.payeeUserId,
        stripeAccountId: account.stripe_account_id,
        currency: payment.currency,
        sourceChargeId: payment.charge_id,
        feeCents: input.feeCents,
        taxCents: input.taxCents,
      };
      // The reservation is the leg's whole split (payee, fee, tax), as the funds check above counts it.
      await tx.payments.insertMoneyRequest({
        idempotencyKey: stripeKey,
        groupId: input.groupId,
        kind: 'transfer',
        amountCents: input.payeeCents + input.feeCents + input.taxCents,
        details: { ...details, payeeCents: input.payeeCents },
      });
      return { request: (await tx.payments.findMoneyRequest(stripeKey))! };
    });
    if ('done' in step) return step.done;
    return this.completeTransfer(step.request);
  }

  /** Steps (2) and (3) of a recorded transfer request (also the reconciler's repair after a crash). */
  async completeTransfer(request: MoneyRequestRow): Promise<{ transferId: string; amountCents: number }> {
    const details = transferDetails.parse(request.details);
    let transfer: { id: string; amountCents: number };
    try {
      transfer = await this.provider.transfer({
        amountCents: details.payeeCents,
        currency: details.currency,
        destinationAccountId: details.stripeAccountId,
        transferGroup: request.group_id,
        sourceChargeId: details.sourceChargeId,
        metadata: { group_id: request.group_id, leg_id: details.legId },
        idempotencyKey: request.idempotency_key,
      });
    } catch (error) {
      if (error instanceof ProviderRequestError) {
        // Refused: nothing moved; the reservation is released so a later release can try again.
        await this.db.payments.completeMoneyRequest(request.idempotency_key, 'refused');
        throw new PaymentStateError(error.message);
      }
      throw error;
    }
    return this.db.transaction(async (tx) => {
      await tx.payments.lockKey(request.group_id);
      const done = await tx.payments.findTransfer(request.group_id, details.legId);
      if (done) return { transferId: done.id, amountCents: done.amount_cents };
      await tx.payments.insertTransfer({
        id: transfer.id,
        groupId: request.group_id,
        legId: details.legId,
        payeeUserId: details.payeeUserId,
        stripeAccountId: details.stripeAccountId,
        amountCents: transfer.amountCents,
      });
      await tx.ledger.record(
        releaseEntry({
          groupId: request.group_id,
          legId: details.legId,
          payeeUserId: details.payeeUserId,
          payeeCents: details.payeeCents,
          feeCents: details.feeCents,
          taxCents: details.taxCents,
          currency: details.currency,
        }),
      );
      await tx.ledger.record(
        transferEntry(request.group_id, transfer.id, details.payeeUserId, transfer.amountCents, details.currency),
      );
      await tx.payments.completeMoneyRequest(request.idempotency_key, transfer.id);
      return { transferId: transfer.id, amountCents: transfer.amountCents };
    });
  }
}
