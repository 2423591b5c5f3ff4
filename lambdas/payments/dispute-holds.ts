/**
 * Chargebacks (NTB-PAY-003): what a dispute does to money already paid out. While a dispute on a
 * group is open its legs are not paid out (transferLeg refuses with PayoutHeldError); a leg paid out
 * before the dispute is taken back from the payee's connected account with Stripe's Transfer reversal
 * API, up to the disputed amount. Like refunds and transfers, a reversal is recorded as requested in
 * the webhook's transaction (keyed by dispute and transfer, so a redelivered or reordered event asks
 * for nothing more) and Stripe is called after the commit; the reversal and its ledger entry are
 * recorded in a second transaction. A crash in between is finished by the next delivery of a dispute
 * event for the group or by the reconciler (StripeBookingPayments.finishOpenRequests).
 */
import * as z from 'zod';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { ProviderRequestError, type PaymentProvider } from '../core/payment-provider.ts';
import { transferReversalEntry } from './ledger.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';
import type { MoneyRequestRow } from './payments.repository.ts';

const logger = createLogger({ service: 'payments' });

type Tx = Parameters<Parameters<UnitOfWork<PaymentsRepositories>['transaction']>[0]>[0];

const reversalDetails = z.object({
  transferId: z.string(),
  payeeUserId: z.string(),
  currency: z.string(),
  disputeId: z.string(),
});

/**
 * In the transaction that applied a dispute event (the group's lock held): reversal requests for what
 * was paid out of the group, newest obligations first in transfer order, up to the disputed amount.
 * Only the first event of a dispute reserves; later ones (updates, redeliveries) find its requests.
 */
export async function reserveReversals(
  tx: Tx,
  groupId: string,
  disputeId: string,
  disputedCents: number,
): Promise<number> {
  const prefix = `rastup:reversal:${disputeId}:`;
  let remaining = disputedCents;
  let reserved = 0;
  for (const transfer of await tx.payments.unreversedTransfers(groupId)) {
    if (remaining <= 0) break;
    if (await tx.payments.findMoneyRequest(`${prefix}${transfer.id}`)) return reserved;
    const amount = Math.min(remaining, transfer.unreversedCents);
    if (amount <= 0) continue;
    await tx.payments.insertMoneyRequest({
      idempotencyKey: `${prefix}${transfer.id}`,
      groupId,
      kind: 'reversal',
      amountCents: amount,
      details: { transferId: transfer.id, payeeUserId: transfer.payeeUserId, currency: transfer.currency, disputeId },
    });
    remaining -= amount;
    reserved += amount;
  }
  return reserved;
}

/** Stripe asked for a recorded reversal (its stored key), then the reversal and ledger entry recorded. */
export async function completeReversal(
  db: UnitOfWork<PaymentsRepositories>,
  provider: PaymentProvider,
  request: MoneyRequestRow,
): Promise<void> {
  const details = reversalDetails.parse(request.details);
  let reversal: { id: string; amountCents: number };
  try {
    reversal = await provider.reverseTransfer({
      transferId: details.transferId,
      amountCents: request.amount_cents,
      metadata: { group_id: request.group_id, dispute_id: details.disputeId },
      idempotencyKey: request.idempotency_key,
    });
  } catch (error) {
    // Refused (already reversed in the dashboard, say): nothing moved; the request is closed.
    if (error instanceof ProviderRequestError) {
      await db.payments.completeMoneyRequest(request.idempotency_key, 'refused');
      // The money stays with the payee while the cardholder may get it back: an operator looks.
      logger.error('Stripe refused a chargeback transfer reversal', {
        groupId: request.group_id,
        disputeId: details.disputeId,
        transferId: details.transferId,
        amountCents: request.amount_cents,
        reason: error.message,
      });
      return;
    }
    throw error;
  }
  await db.transaction(async (tx) => {
    await tx.payments.lockKey(request.group_id);
    await tx.payments.completeMoneyRequest(request.idempotency_key, reversal.id);
    await tx.payments.updateTransferReversed(
      details.transferId,
      await tx.payments.completedReversalTotal(details.transferId),
    );
    await tx.ledger.record(
      transferReversalEntry(request.group_id, reversal.id, details.payeeUserId, reversal.amountCents, details.currency),
    );
  });
}

/** Every reversal of the group still waiting for Stripe (after a dispute event commits, and on redelivery). */
export async function completeOpenReversals(
  db: UnitOfWork<PaymentsRepositories>,
  provider: PaymentProvider,
  groupId: string,
): Promise<number> {
  const open = await db.payments.openMoneyRequestsOf(groupId, 'reversal');
  for (const request of open) await completeReversal(db, provider, request);
  return open.length;
}
