/**
 * Payments reconciliation (issue #12): compares what Stripe says with the local payment records and
 * repairs what a lost webhook or a crash left behind, reporting every difference it found.
 *  1. Requests a crash left between recording and Stripe's answer (refunds, transfers, reversals)
 *     are finished with their stored Idempotency-Key (StripeBookingPayments.finishOpenRequests).
 *  2. PaymentIntents (Stripe's list, over the window): an authorisation behind Stripe is moved forward
 *     as its webhook would have (ledger keyed, so once); one ahead of Stripe, or a PaymentIntent of
 *     ours with no record, is reported. Refunds Stripe made that no record names (refund.created
 *     lost, or a dashboard refund) are recorded with their ledger entry.
 *  3. Transfers (Stripe's list): a reversal Stripe reports beyond the local figure is applied; a
 *     transfer of ours with no record is reported (its request, if any, was finished in 1).
 * Runs hourly in AWS (infra/definitions/domains.ts `payments-reconcile`) and on
 * /dev/jobs/payments-reconcile locally. Idempotent: a second run repairs nothing more.
 */
import type { Clock } from '../core/clock.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import type { Logger } from '../core/log.ts';
import type { PaymentProvider } from '../core/payment-provider.ts';
import { applyIntent, type StripeBookingPayments } from './booking-payments.service.ts';
import { refundEntry } from './ledger.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';
import { movesForward, statusOfIntent } from './payments.state.ts';

export interface ReconciliationFinding {
  /** What differed: `authorization_status`, `missing_authorization`, `refund_missing`, `transfer_reversed`, … */
  readonly kind: string;
  /** The Stripe object (pi_…, re_…, tr_…) or request key concerned. */
  readonly ref: string;
  readonly groupId: string | null;
  readonly local: string | number | null;
  readonly stripe: string | number | null;
}

export interface ReconciliationReport {
  readonly since: string;
  readonly checked: { readonly paymentIntents: number; readonly transfers: number };
  readonly finishedRequests: number;
  /** Differences repaired from Stripe's state. */
  readonly repaired: readonly ReconciliationFinding[];
  /** Differences that need a person (local state ahead of Stripe, objects nobody recorded). */
  readonly mismatches: readonly ReconciliationFinding[];
}

const HOUR = 3_600_000;

export class PaymentsReconciler {
  constructor(
    private readonly db: UnitOfWork<PaymentsRepositories>,
    private readonly provider: PaymentProvider,
    private readonly payments: StripeBookingPayments,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** How far back each run looks (Stripe objects created since then). */
    private readonly windowHours = 24 * 35,
  ) {}

  async run(now: Date = this.clock.now()): Promise<ReconciliationReport> {
    const since = new Date(now.getTime() - this.windowHours * HOUR);
    const repaired: ReconciliationFinding[] = [];
    const mismatches: ReconciliationFinding[] = [];
    // A request recorded under a minute ago may still be in flight in its own process.
    const { finished } = await this.payments.finishOpenRequests(new Date(now.getTime() - 60_000));

    const intents = await this.provider.listPaymentIntents(Math.floor(since.getTime() / 1000));
    for (const intent of intents) {
      const groupId = intent.metadata.group_id;
      if (!groupId) continue; // not made by this platform
      const row = await this.db.payments.findAuthorization(groupId);
      if (!row || row.payment_intent_id !== intent.id) {
        const request = await this.db.payments.findIntentRequest(groupId);
        // An intent a crash left unrecorded is recorded by the group's next authorise (same key); here it is reported.
        mismatches.push({
          kind: request ? 'authorization_unrecorded' : 'unknown_payment_intent',
          ref: intent.id,
          groupId,
          local: row?.payment_intent_id ?? null,
          stripe: intent.status,
        });
        continue;
      }
      const stripeStatus = statusOfIntent(intent.status, intent.lastPaymentErrorCode);
      if (stripeStatus !== row.status) {
        if (movesForward(row.status, stripeStatus)) {
          await this.db.transaction(async (tx) => {
            await tx.payments.lockKey(groupId);
            const current = await tx.payments.findAuthorization(groupId);
            if (current) await applyIntent(tx, current, intent);
          });
          repaired.push({
            kind: 'authorization_status',
            ref: intent.id,
            groupId,
            local: row.status,
            stripe: stripeStatus,
          });
        } else if (!(row.status === 'declined' && stripeStatus === 'requires_action'))
          mismatches.push({
            kind: 'authorization_status',
            ref: intent.id,
            groupId,
            local: row.status,
            stripe: stripeStatus,
          });
      }
      if (intent.amountReceived === 0) continue;
      for (const refund of await this.provider.listRefunds(intent.id)) {
        if (refund.status === 'failed' || refund.status === 'canceled') continue;
        const recorded = await this.db.transaction(async (tx) => {
          await tx.payments.lockKey(groupId);
          if (await tx.payments.refundExists(refund.id)) return true;
          await tx.payments.recordRefund({
            id: refund.id,
            groupId,
            amountCents: refund.amountCents,
            reason: refund.reason ?? 'stripe',
            idempotencyKey: null,
          });
          await tx.payments.updateAuthorization(groupId, { refundedCents: await tx.payments.refundedTotal(groupId) });
          await tx.ledger.record(refundEntry(groupId, refund.id, refund.amountCents, refund.currency));
          return false;
        });
        if (!recorded)
          repaired.push({ kind: 'refund_missing', ref: refund.id, groupId, local: null, stripe: refund.amountCents });
      }
    }

    const transfers = await this.provider.listTransfers(Math.floor(since.getTime() / 1000));
    for (const transfer of transfers) {
      const groupId = transfer.metadata.group_id ?? transfer.transferGroup;
      if (!groupId) continue;
      const local = await this.db.payments.findTransferById(transfer.id);
      if (!local) {
        mismatches.push({
          kind: 'transfer_unrecorded',
          ref: transfer.id,
          groupId,
          local: null,
          stripe: transfer.amountCents,
        });
        continue;
      }
      if (local.amount_cents !== transfer.amountCents)
        mismatches.push({
          kind: 'transfer_amount',
          ref: transfer.id,
          groupId,
          local: local.amount_cents,
          stripe: transfer.amountCents,
        });
      if (transfer.amountReversedCents > local.reversed_cents) {
        await this.db.payments.updateTransferReversed(transfer.id, transfer.amountReversedCents);
        repaired.push({
          kind: 'transfer_reversed',
          ref: transfer.id,
          groupId,
          local: local.reversed_cents,
          stripe: transfer.amountReversedCents,
        });
      }
    }

    const report: ReconciliationReport = {
      since: since.toISOString(),
      checked: { paymentIntents: intents.length, transfers: transfers.length },
      finishedRequests: finished,
      repaired,
      mismatches,
    };
    // Ids and amounts only: no personal data in the findings.
    if (repaired.length || mismatches.length || finished)
      this.logger.warn('payments reconciliation found differences', {
        finishedRequests: finished,
        repaired: repaired.length,
        mismatches: mismatches.length,
        findings: [...repaired, ...mismatches].slice(0, 50),
      });
    else this.logger.info('payments reconciliation: Stripe and the records agree', { ...report.checked });
    return report;
  }
}
