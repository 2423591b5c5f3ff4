/**
 * Stripe webhooks in (`POST /payments/stripe/webhook`). The signature is verified over the raw body
 * first (bad or stale → 400, nothing stored). Each event is then stored once by its id and applied in
 * the same transaction, so a redelivery (or a hundred concurrent ones) finds it stored and changes
 * nothing. Applying only moves state forward: authorisations by status rank, refunds and captures by
 * the amounts Stripe reports (which only grow), payout accounts and disputes by the event's time —
 * so events arriving out of order (`charge.refunded` before `payment_intent.succeeded`) end right.
 * Events about a group take the group's advisory lock, like the API calls for it.
 */
import * as z from 'zod';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { WebhookSignatureError, type PaymentIntentView, type PaymentProvider } from '../core/payment-provider.ts';
import { applyIntent } from './booking-payments.service.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent, stripeDisputeFields } from '../core/events/catalog.ts';
import { idPattern } from '../core/ids.ts';
import { completeOpenReversals, reserveReversals } from './dispute-holds.ts';
import { captureEntry, refundEntry } from './ledger.ts';
import { InvalidWebhookSignatureError } from './payments.errors.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';
import { CLOSED_DISPUTE_STATUSES } from './payments.repository.ts';

/** Groups booking made (the payments-only test groups of other ids have no timeline to show a dispute on). */
const BOOKING_GROUP_ID = idPattern('booking');

const metadata = z
  .record(z.string(), z.string())
  .nullish()
  .transform((value) => value ?? {});

const intentObject = z.object({
  id: z.string(),
  object: z.literal('payment_intent'),
  status: z.enum([
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'canceled',
    'succeeded',
  ]),
  amount: z.number().int(),
  amount_capturable: z.number().int(),
  amount_received: z.number().int(),
  currency: z.string(),
  latest_charge: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  metadata,
  last_payment_error: z.object({ code: z.string().nullish(), decline_code: z.string().nullish() }).nullish(),
  payment_method: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  customer: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
});

const chargeObject = z.object({
  id: z.string(),
  object: z.literal('charge'),
  payment_intent: z.string().nullish(),
  captured: z.boolean(),
  amount_captured: z.number().int(),
  amount_refunded: z.number().int(),
  currency: z.string(),
  payment_method: z.string().nullish(),
  // Until when an uncaptured card charge can be captured (Stripe cancels the intent after it).
  payment_method_details: z
    .object({ card: z.object({ capture_before: z.number().int().nullish() }).nullish() })
    .nullish(),
});

const refundObject = z.object({
  id: z.string(),
  object: z.literal('refund'),
  amount: z.number().int(),
  currency: z.string(),
  payment_intent: z.string().nullish(),
  status: z.string().nullish(),
  reason: z.string().nullish(),
});

const accountObject = z.object({
  id: z.string(),
  object: z.literal('account'),
  details_submitted: z.boolean().nullish(),
  payouts_enabled: z.boolean().nullish(),
  charges_enabled: z.boolean().nullish(),
  requirements: z.object({ currently_due: z.array(z.string()).nullish() }).nullish(),
});

const transferObject = z.object({
  id: z.string(),
  object: z.literal('transfer'),
  amount_reversed: z.number().int(),
});

/**
 * The same rules as the `payment.dispute.changed` event it becomes (one definition, in the catalog):
 * a dispute parsed here can never fail the event's schema inside the transaction (a 500 Stripe would
 * retry for days). One that does not parse is stored and ignored, like any other malformed object.
 */
const disputeObject = z.object({
  id: stripeDisputeFields.id,
  object: z.literal('dispute'),
  charge: z.string().min(1),
  payment_intent: z.string().nullish(),
  amount: stripeDisputeFields.amountCents,
  currency: stripeDisputeFields.currency,
  reason: stripeDisputeFields.reason,
  status: stripeDisputeFields.status,
  // Seconds since the epoch, within what a Date can represent as ISO text (year 9999).
  evidence_details: z.object({ due_by: z.number().int().nonnegative().max(253_402_300_799).nullish() }).nullish(),
});

function intentView(pi: z.infer<typeof intentObject>): PaymentIntentView {
  return {
    id: pi.id,
    status: pi.status,
    amount: pi.amount,
    amountCapturable: pi.amount_capturable,
    amountReceived: pi.amount_received,
    currency: pi.currency,
    clientSecret: null,
    latestChargeId: typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null),
    metadata: pi.metadata,
    lastPaymentErrorCode: pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? null,
    paymentMethodId: typeof pi.payment_method === 'string' ? pi.payment_method : (pi.payment_method?.id ?? null),
    customerId: typeof pi.customer === 'string' ? pi.customer : (pi.customer?.id ?? null),
  };
}

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

export class StripeWebhookService {
  constructor(
    private readonly db: UnitOfWork<PaymentsRepositories>,
    private readonly provider: PaymentProvider,
    /** After a dispute event commits: assemble its evidence pack (never inside the transaction). */
    private readonly afterDispute: (disputeId: string) => Promise<void> = async () => {},
  ) {}

  async receive(rawBody: string, signature: string | undefined): Promise<{ eventId: string; outcome: WebhookOutcome }> {
    let event;
    try {
      event = this.provider.verifyWebhook(rawBody, signature);
    } catch (error) {
      if (error instanceof WebhookSignatureError) throw new InvalidWebhookSignatureError('Invalid Stripe-Signature');
      throw error;
    }
    let groupId: string | null = null;
    const outcome = await this.db.transaction(async (tx): Promise<WebhookOutcome> => {
      const object = event.object;
      groupId = await this.groupOf(tx, object);
      // Same lock as the API calls for the group: an authorisation being written is seen once committed.
      if (groupId) await tx.payments.lockKey(groupId);
      const stored = await tx.payments.storeEvent({
        id: event.id,
        type: event.type,
        objectId: object.id,
        created: event.created,
        payload: event.raw,
      });
      if (!stored) return 'duplicate';
      return (await this.apply(tx, event.type, object, event.created)) ? 'applied' : 'ignored';
    });
    // A chargeback's reversals are asked of Stripe after the commit, never inside the transaction; a
    // redelivery of any dispute event of the group finishes those a failure or crash left open.
    if (groupId && event.type.startsWith('charge.dispute.')) {
      await completeOpenReversals(this.db, this.provider, groupId);
      if (outcome === 'applied') await this.afterDispute(event.object.id);
    }
    return { eventId: event.id, outcome };
  }

  /** The booking group an event is about, from the object's metadata or its PaymentIntent. */
  private async groupOf(tx: Tx, object: Record<string, unknown>): Promise<string | null> {
    const meta = object.metadata as Record<string, unknown> | undefined;
    if (meta && typeof meta.group_id === 'string') return meta.group_id;
    const pi = typeof object.payment_intent === 'string' ? object.payment_intent : null;
    if (pi) return tx.payments.groupOfIntent(pi);
    return null;
  }

  private async apply(tx: Tx, type: string, raw: Record<string, unknown>, created: number): Promise<boolean> {
    if (type.startsWith('payment_intent.')) {
      const pi = intentObject.safeParse(raw);
      if (!pi.success) return false;
      const row = await tx.payments.findAuthorizationByIntent(pi.data.id);
      if (!row) return false;
      await applyIntent(tx, row, intentView(pi.data));
      return true;
    }
    if (type === 'charge.succeeded' || type === 'charge.captured' || type === 'charge.refunded') {
      const charge = chargeObject.safeParse(raw);
      if (!charge.success || !charge.data.payment_intent) return false;
      const row = await tx.payments.findAuthorizationByIntent(charge.data.payment_intent);
      if (!row) return false;
      const c = charge.data;
      // A captured charge means its PaymentIntent succeeded, even if that event has not arrived yet.
      if (c.captured) {
        await tx.payments.updateAuthorization(row.group_id, {
          ...(row.status !== 'captured' && row.status !== 'voided' ? { status: 'captured' } : {}),
          chargeId: c.id,
          capturedCents: c.amount_captured,
          refundedCents: c.amount_refunded,
        });
        await tx.ledger.record(captureEntry(row.group_id, charge.data.payment_intent, c.amount_captured, c.currency));
      } else {
        await tx.payments.updateAuthorization(row.group_id, { chargeId: c.id });
        const captureBefore = c.payment_method_details?.card?.capture_before;
        await tx.payments.noteCard(row.group_id, charge.data.payment_intent, {
          captureBefore: captureBefore ? new Date(captureBefore * 1000) : null,
          paymentMethodId: c.payment_method ?? null,
        });
      }
      return true;
    }
    if (type === 'refund.created' || type === 'refund.updated') {
      const refund = refundObject.safeParse(raw);
      if (!refund.success || !refund.data.payment_intent || refund.data.status === 'failed') return false;
      const row = await tx.payments.findAuthorizationByIntent(refund.data.payment_intent);
      if (!row) return false;
      // Refunds made in Stripe's dashboard arrive only here; ours are already recorded (same id).
      await tx.payments.recordRefund({
        id: refund.data.id,
        groupId: row.group_id,
        amountCents: refund.data.amount,
        reason: refund.data.reason ?? 'stripe',
        idempotencyKey: null,
      });
      await tx.ledger.record(refundEntry(row.group_id, refund.data.id, refund.data.amount, refund.data.currency));
      return true;
    }
    if (type === 'account.updated') {
      const account = accountObject.safeParse(raw);
      if (!account.success) return false;
      return tx.payments.updatePayoutStatus(
        account.data.id,
        {
          detailsSubmitted: account.data.details_submitted ?? false,
          payoutsEnabled: account.data.payouts_enabled ?? false,
          chargesEnabled: account.data.charges_enabled ?? false,
          requirementsDue: account.data.requirements?.currently_due ?? [],
        },
        created,
      );
    }
    if (type === 'transfer.reversed' || type === 'transfer.updated') {
      const transfer = transferObject.safeParse(raw);
      if (!transfer.success) return false;
      await tx.payments.updateTransferReversed(transfer.data.id, transfer.data.amount_reversed);
      return true;
    }
    if (type.startsWith('charge.dispute.')) {
      const dispute = disputeObject.safeParse(raw);
      if (!dispute.success) return false;
      const d = dispute.data;
      const row = d.payment_intent ? await tx.payments.findAuthorizationByIntent(d.payment_intent) : null;
      const due = d.evidence_details?.due_by;
      const applied = await tx.payments.upsertDispute({
        id: d.id,
        groupId: row?.group_id ?? null,
        chargeId: d.charge,
        amountCents: d.amount,
        currency: d.currency,
        reason: d.reason,
        status: d.status,
        evidenceDueBy: due ? new Date(due * 1000) : null,
        asOf: created,
      });
      if (!applied && due) await tx.payments.updateDisputeDueBy(d.id, new Date(due * 1000), created);
      if (!applied || !row) return applied;
      // Open: what was paid out of the group is taken back, up to the disputed amount (once per dispute).
      if (!(CLOSED_DISPUTE_STATUSES as readonly string[]).includes(d.status))
        await reserveReversals(tx, row.group_id, d.id, d.amount);
      if (BOOKING_GROUP_ID.test(row.group_id))
        await enqueueEvent(
          tx,
          buildEvent('payment.dispute.changed', {
            disputeId: d.id,
            groupId: row.group_id,
            status: d.status,
            reason: d.reason,
            amountCents: d.amount,
            currency: d.currency,
            evidenceDueBy: due ? new Date(due * 1000).toISOString() : null,
          }),
        );
      return true;
    }
    return false;
  }
}

type Tx = Parameters<Parameters<UnitOfWork<PaymentsRepositories>['transaction']>[0]>[0];
