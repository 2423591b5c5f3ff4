/**
 * Renewal of card authorisations that would lapse before capture (issue #12). Stripe keeps a manual-
 * capture card authorisation for 7 days (`capture_before` on the charge) and then cancels the
 * PaymentIntent; a booking requested today for next month is captured when the owner accepts, maybe
 * after that. A scheduled job (`payments-reauthorize`) renews each authorised group whose deadline
 * falls within the margin: a new PaymentIntent for the same amount, manual capture, confirmed off-session
 * with the card saved on the client's customer at checkout; then the old intent is cancelled. A card
 * that needs its holder (authentication, a decline) is not renewed: the group keeps its old hold until
 * it lapses and `payment.authorization.renewal` (action_required, with the reason) tells booking.
 *
 * No Stripe call inside a transaction, as for refunds and transfers: (1) under the group's lock the
 * renewal is recorded with its Idempotency-Key and committed; (2) Stripe is asked with that key; (3)
 * under the lock the new intent replaces the old on the group's row (only while the old one is still
 * the authorised one), with the ledger's memo entry and the event; (4) the old intent (or, when the
 * group was settled meanwhile, the new one) is cancelled and the renewal closed. A crash anywhere
 * leaves the renewal `requested`; repeating the steps with the stored key is safe (Stripe replays the
 * same PaymentIntent, the swap and cancellation are conditional and keyed).
 *
 * Against capture and void: both record `settle_requested_at` under the same lock before calling
 * Stripe (`StripeBookingPayments.settleFirst`), and no renewal starts on a group that has it; a capture
 * or void that finds a renewal recorded finishes it first and then acts on the intent it left. So the
 * two never act on different intents: one capture, one live authorisation.
 */
import type { Clock } from '../core/clock.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import { idPattern } from '../core/ids.ts';
import {
  ProviderRequestError,
  ProviderStateError,
  type PaymentIntentView,
  type PaymentProvider,
} from '../core/payment-provider.ts';
import { reauthorizationEntry } from './ledger.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';
import type { AuthorizationRow, ReauthorizationFailure, ReauthorizationRow } from './payments.repository.ts';

type Tx = Parameters<Parameters<UnitOfWork<PaymentsRepositories>['transaction']>[0]>[0];

const HOUR = 3_600_000;
const BOOKING_GROUP_ID = idPattern('booking');

export interface ReauthorizationReport {
  /** Groups whose authorisation was renewed (a new intent holds the money, the old one cancelled). */
  renewed: number;
  /** Groups whose card needs the client; booking was told with the reason. */
  actionRequired: number;
  /** Renewals whose group was captured or voided meanwhile (the new intent cancelled). */
  superseded: number;
  /** Authorisations whose capture deadline was looked up at Stripe. */
  deadlinesLearned: number;
  failed: number;
}

export type RenewalOutcome = 'replaced' | 'action_required' | 'superseded' | 'skipped';

export class AuthorizationRenewals {
  constructor(
    private readonly db: UnitOfWork<PaymentsRepositories>,
    private readonly provider: PaymentProvider,
    private readonly clock: Clock,
    /** How long before `capture_before` a renewal is made (the job runs hourly; Stripe must not win). */
    private readonly marginMs = 48 * HOUR,
  ) {}

  /**
   * The job: finish renewals a crash left open, then renew what lapses within the margin. `groupIds`
   * limits a run to some groups (an operator's re-run; tests on a shared stack).
   */
  async run(now: Date = this.clock.now(), groupIds: readonly string[] | null = null): Promise<ReauthorizationReport> {
    const report: ReauthorizationReport = {
      renewed: 0,
      actionRequired: 0,
      superseded: 0,
      deadlinesLearned: 0,
      failed: 0,
    };
    const count = (outcome: RenewalOutcome) => {
      if (outcome === 'replaced') report.renewed++;
      else if (outcome === 'action_required') report.actionRequired++;
      else if (outcome === 'superseded') report.superseded++;
    };
    for (const open of await this.db.payments.openReauthorizations(new Date(now.getTime() - 60_000), 100, groupIds)) {
      try {
        count(await this.finish(open));
      } catch {
        report.failed++;
      }
    }
    const lapsesBefore = new Date(now.getTime() + this.marginMs);
    for (const row of await this.db.payments.lapsingAuthorizations(lapsesBefore, 100, groupIds)) {
      try {
        let deadline = row.capture_before;
        if (!deadline) {
          // Authorised before the webhook carrying the charge was applied: ask Stripe once.
          const intent = await this.provider.retrieveIntent(row.payment_intent_id);
          await this.db.payments.noteCard(row.group_id, row.payment_intent_id, cardOf(intent));
          report.deadlinesLearned++;
          deadline = cardOf(intent).captureBefore;
          if (!deadline || deadline >= lapsesBefore) continue;
        }
        count(await this.renew(row));
      } catch {
        report.failed++;
      }
    }
    return report;
  }

  /** Step (1) for one group, then the rest. */
  async renew(row: AuthorizationRow): Promise<RenewalOutcome> {
    const key = renewalKey(row.group_id, row.payment_intent_id);
    const recorded = await this.db.transaction(async (tx): Promise<ReauthorizationRow | 'skipped' | 'no_card'> => {
      await tx.payments.lockKey(row.group_id);
      const current = await tx.payments.findAuthorization(row.group_id);
      if (
        !current ||
        current.status !== 'authorized' ||
        current.settle_requested_at ||
        current.payment_intent_id !== row.payment_intent_id
      )
        return 'skipped';
      if (!current.stripe_customer_id || !current.payment_method_id) {
        // Authorised before cards were saved (or without a card on a customer): nothing to renew with.
        const inserted = await tx.payments.insertReauthorization({
          idempotencyKey: key,
          groupId: row.group_id,
          replacesIntentId: row.payment_intent_id,
          failureReason: 'no_saved_card',
        });
        if (inserted) await this.announce(tx, current, 'no_saved_card');
        return 'no_card';
      }
      await tx.payments.insertReauthorization({
        idempotencyKey: key,
        groupId: row.group_id,
        replacesIntentId: row.payment_intent_id,
      });
      return (await tx.payments.findReauthorization(key))!;
    });
    if (recorded === 'skipped') return 'skipped';
    if (recorded === 'no_card') return 'action_required';
    return this.finish(recorded);
  }

  /** The group's renewal under way, if any, finished (capture and void call this first). */
  async finishOpenOf(groupId: string): Promise<void> {
    const open = await this.db.payments.openReauthorizationOf(groupId);
    if (open) await this.finish(open, true);
  }

  /**
   * Steps (2) to (4) of a recorded renewal; safe to repeat. `bySettle`: called by the capture or void
   * that requested settling, which reads the row after; any other caller loses the swap once settling
   * has begun, and cancels its own new intent (superseded).
   */
  async finish(request: ReauthorizationRow, bySettle = false): Promise<RenewalOutcome> {
    if (request.state !== 'requested') return 'skipped';
    const row = await this.db.payments.findAuthorization(request.group_id);
    if (!row) return 'skipped';
    let answer:
      | Awaited<ReturnType<PaymentProvider['reauthorizeOffSession']>>
      | { outcome: 'failed'; failure: 'card_unusable'; intentId: null };
    try {
      // Stripe answered before (its intent recorded): read it back. Asking again with the key would make
      // a third hold once Stripe's 24 h idempotency window has passed.
      answer = request.new_intent_id
        ? { outcome: 'authorized', intent: await this.provider.retrieveIntent(request.new_intent_id) }
        : await this.provider.reauthorizeOffSession({
            amountCents: row.amount_cents,
            currency: row.currency,
            groupId: row.group_id,
            clientUserId: row.client_user_id,
            customerId: row.stripe_customer_id ?? '',
            paymentMethodId: row.payment_method_id ?? '',
            replacesIntentId: request.replaces_intent_id,
            idempotencyKey: request.idempotency_key,
          });
    } catch (error) {
      // Any other refusal of the saved card or customer (expired card, card or customer deleted, a
      // processing error): replayed as-is under this key, so it is final for this renewal. Closed as
      // action_required, not left `requested` for every capture, void and sweep to replay it.
      if (!(error instanceof ProviderRequestError)) throw error;
      answer = { outcome: 'failed', failure: 'card_unusable', intentId: null };
    }
    if (answer.outcome === 'failed') {
      await this.db.transaction(async (tx) => {
        await tx.payments.lockKey(row.group_id);
        if (answer.intentId) await tx.payments.noteReauthorizationIntent(request.idempotency_key, answer.intentId);
        if (await tx.payments.completeReauthorization(request.idempotency_key, 'action_required', answer.failure))
          await this.announce(tx, row, answer.failure);
      });
      return 'action_required';
    }
    const intent = answer.intent;
    const swapped = await this.db.transaction(async (tx): Promise<boolean> => {
      await tx.payments.lockKey(row.group_id);
      await tx.payments.noteReauthorizationIntent(request.idempotency_key, intent.id);
      const current = await tx.payments.findAuthorization(row.group_id);
      if (current?.payment_intent_id === intent.id) return true; // a repeat after the swap committed
      const card = cardOf(intent);
      const replaced = await tx.payments.replaceIntent(
        row.group_id,
        request.replaces_intent_id,
        {
          intentId: intent.id,
          chargeId: intent.latestChargeId,
          captureBefore: card.captureBefore,
          paymentMethodId: card.paymentMethodId,
        },
        bySettle,
      );
      if (!replaced) return false;
      await tx.ledger.record(
        reauthorizationEntry(row.group_id, request.replaces_intent_id, intent.id, intent.amount, intent.currency),
      );
      await this.announce(tx, row, null, card.captureBefore);
      return true;
    });
    // Exactly one live authorisation: the one the group does not use is cancelled.
    const stale = swapped ? request.replaces_intent_id : intent.id;
    await this.cancelQuietly(stale);
    await this.db.payments.completeReauthorization(request.idempotency_key, swapped ? 'replaced' : 'superseded', null);
    return swapped ? 'replaced' : 'superseded';
  }

  private async cancelQuietly(intentId: string): Promise<void> {
    try {
      await this.provider.cancel(intentId, 'abandoned', `rastup:reauthorize:cancel:${intentId}`);
    } catch (error) {
      // Already cancelled (or lapsed) at Stripe: nothing is left holding the client's money.
      if (!(error instanceof ProviderStateError)) throw error;
      const intent = await this.provider.retrieveIntent(intentId);
      if (intent.status !== 'canceled') throw error;
    }
  }

  /** The renewal's outcome for booking's order timeline (booking groups only). */
  private async announce(
    tx: Tx,
    row: AuthorizationRow,
    reason: ReauthorizationFailure | null,
    captureBefore: Date | null = row.capture_before,
  ): Promise<void> {
    if (!BOOKING_GROUP_ID.test(row.group_id)) return;
    await enqueueEvent(
      tx,
      buildEvent('payment.authorization.renewal', {
        groupId: row.group_id,
        outcome: reason ? 'action_required' : 'renewed',
        reason,
        captureBefore: captureBefore ? captureBefore.toISOString() : null,
      }),
    );
  }
}

/** One renewal per group and intent: the key Stripe sees for the new PaymentIntent. */
export const renewalKey = (groupId: string, intentId: string) => `rastup:reauthorize:${groupId}:${intentId}`;

export function cardOf(intent: PaymentIntentView): { captureBefore: Date | null; paymentMethodId: string | null } {
  return {
    captureBefore: intent.captureBefore ? new Date(intent.captureBefore * 1000) : null,
    paymentMethodId: intent.paymentMethodId ?? null,
  };
}
