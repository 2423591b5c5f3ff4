/**
 * PaymentProvider on the `stripe` SDK. The same code talks to Stripe (test or live mode, by key) and,
 * locally, to the loopback stand-in (infra/local/fakes/stripe-fake.ts) through the SDK's
 * host/port/protocol options (STRIPE_API_BASE_URL). Every mutating call carries an Idempotency-Key
 * derived from the caller's key, so a retried call never creates a second object at Stripe.
 */
import Stripe from 'stripe';
import { DependencyError } from '../core/errors.ts';
import {
  ProviderRequestError,
  ProviderStateError,
  WebhookSignatureError,
  type ConnectedAccountView,
  type IntentStatus,
  type PaymentIntentView,
  type PaymentProvider,
  type ProviderEvent,
} from '../core/payment-provider.ts';

export interface StripeProviderOptions {
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** Unset: api.stripe.com. Locally `http://127.0.0.1:<port>` of the stand-in. */
  readonly apiBaseUrl?: string | undefined;
  /** Seconds a webhook signature stays acceptable (Stripe's default: 300). */
  readonly webhookToleranceSeconds?: number;
}

/** The most objects one reconciliation run reads per list (it runs hourly over a bounded window). */
const LIST_CAP = 10_000;

function intentView(pi: Stripe.PaymentIntent): PaymentIntentView {
  return {
    id: pi.id,
    status: pi.status as IntentStatus,
    amount: pi.amount,
    amountCapturable: pi.amount_capturable,
    amountReceived: pi.amount_received,
    currency: pi.currency,
    clientSecret: pi.client_secret,
    latestChargeId: typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null),
    metadata: pi.metadata ?? {},
    lastPaymentErrorCode: pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? null,
    paymentMethodId: typeof pi.payment_method === 'string' ? pi.payment_method : (pi.payment_method?.id ?? null),
    customerId: typeof pi.customer === 'string' ? pi.customer : (pi.customer?.id ?? null),
    captureBefore:
      typeof pi.latest_charge === 'object' && pi.latest_charge
        ? (pi.latest_charge.payment_method_details?.card?.capture_before ?? null)
        : null,
  };
}

function accountView(account: Stripe.Account): ConnectedAccountView {
  return {
    id: account.id,
    detailsSubmitted: account.details_submitted ?? false,
    payoutsEnabled: account.payouts_enabled ?? false,
    chargesEnabled: account.charges_enabled ?? false,
    requirementsDue: account.requirements?.currently_due ?? [],
  };
}

/** Stripe's errors in the port's words: state and parameter refusals are the caller's; the rest is a dependency failure. */
async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      if (error.code === 'payment_intent_unexpected_state' || error.code === 'charge_already_refunded')
        throw new ProviderStateError(error.message, error.code);
      if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError)
        throw new ProviderRequestError(error.message, error.code, error.param);
    }
    throw new DependencyError(`Stripe ${what} failed`, undefined, { cause: error });
  }
}

export function createStripePaymentProvider(options: StripeProviderOptions): PaymentProvider {
  const base = options.apiBaseUrl ? new URL(options.apiBaseUrl) : undefined;
  const stripe = new Stripe(options.secretKey, {
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
    maxNetworkRetries: 2,
    timeout: 10_000,
    appInfo: { name: 'rastup-payments' },
  });
  const tolerance = options.webhookToleranceSeconds ?? 300;

  return {
    createAuthorization: (input) =>
      call('create PaymentIntent', async () =>
        intentView(
          await stripe.paymentIntents.create(
            {
              amount: input.amountCents,
              currency: input.currency,
              capture_method: 'manual',
              // Card (3DS2 through the client secret) and wallets, which Stripe presents as cards.
              allowed_payment_method_types: ['card'],
              transfer_group: input.groupId,
              metadata: { group_id: input.groupId, client_user_id: input.clientUserId },
              // The card is kept on the client's customer, so an authorisation that would lapse before
              // capture (7 days) can be renewed off-session.
              ...(input.customerId ? { customer: input.customerId, setup_future_usage: 'off_session' as const } : {}),
            },
            { idempotencyKey: input.idempotencyKey },
          ),
        ),
      ),
    createCustomer: (input) =>
      call('create customer', async () => {
        const customer = await stripe.customers.create(
          { metadata: { user_id: input.clientUserId } },
          { idempotencyKey: input.idempotencyKey },
        );
        return { id: customer.id };
      }),
    reauthorizeOffSession: async (input) => {
      try {
        const pi = await stripe.paymentIntents.create(
          {
            amount: input.amountCents,
            currency: input.currency,
            capture_method: 'manual',
            customer: input.customerId,
            payment_method: input.paymentMethodId,
            off_session: true,
            confirm: true,
            transfer_group: input.groupId,
            metadata: {
              group_id: input.groupId,
              client_user_id: input.clientUserId,
              replaces_payment_intent: input.replacesIntentId,
            },
            expand: ['latest_charge'],
          },
          { idempotencyKey: input.idempotencyKey },
        );
        return { outcome: 'authorized' as const, intent: intentView(pi) };
      } catch (error) {
        // Stripe's off-session refusals: the holder must authenticate or pick another card.
        if (
          error instanceof Stripe.errors.StripeCardError &&
          (error.code === 'authentication_required' || error.code === 'card_declined')
        ) {
          const pi = (error.raw as { payment_intent?: { id?: string } } | undefined)?.payment_intent;
          return { outcome: 'failed' as const, failure: error.code, intentId: pi?.id ?? null };
        }
        // Any other failure in the port's words (call() maps Stripe's errors), rethrown as it maps it.
        return call('re-authorise PaymentIntent', () => {
          throw error;
        });
      }
    },
    retrieveIntent: (id) =>
      call('retrieve PaymentIntent', async () =>
        intentView(await stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] })),
      ),
    capture: (id, idempotencyKey) =>
      call('capture', async () => intentView(await stripe.paymentIntents.capture(id, {}, { idempotencyKey }))),
    cancel: (id, reason, idempotencyKey) =>
      call('cancel', async () =>
        intentView(await stripe.paymentIntents.cancel(id, { cancellation_reason: reason }, { idempotencyKey })),
      ),
    refund: (input) =>
      call('refund', async () => {
        const refund = await stripe.refunds.create(
          {
            payment_intent: input.paymentIntentId,
            amount: input.amountCents,
            reason: 'requested_by_customer',
            metadata: { ...input.metadata },
          },
          { idempotencyKey: input.idempotencyKey },
        );
        return { id: refund.id, amountCents: refund.amount };
      }),
    createConnectedAccount: (input) =>
      call('create account', async () =>
        accountView(
          await stripe.accounts.create(
            {
              type: 'express',
              country: input.country,
              capabilities: { transfers: { requested: true } },
              metadata: { user_id: input.userId },
            },
            { idempotencyKey: input.idempotencyKey },
          ),
        ),
      ),
    findConnectedAccountOfUser: (userId, createdGte) =>
      call('list accounts', async () => {
        for await (const account of stripe.accounts.list({ created: { gte: createdGte }, limit: 100 }))
          if (account.metadata?.user_id === userId) return accountView(account);
        return null;
      }),
    retrieveConnectedAccount: (id) =>
      call('retrieve account', async () => accountView(await stripe.accounts.retrieve(id))),
    createOnboardingLink: (input) =>
      call('create account link', async () => {
        const link = await stripe.accountLinks.create({
          account: input.accountId,
          type: 'account_onboarding',
          return_url: input.returnUrl,
          refresh_url: input.refreshUrl,
        });
        return { url: link.url, expiresAt: link.expires_at };
      }),
    transfer: (input) =>
      call('transfer', async () => {
        const transfer = await stripe.transfers.create(
          {
            amount: input.amountCents,
            currency: input.currency,
            destination: input.destinationAccountId,
            transfer_group: input.transferGroup,
            ...(input.sourceChargeId ? { source_transaction: input.sourceChargeId } : {}),
            metadata: { ...input.metadata },
          },
          { idempotencyKey: input.idempotencyKey },
        );
        return { id: transfer.id, amountCents: transfer.amount };
      }),
    reverseTransfer: (input) =>
      call('reverse transfer', async () => {
        const reversal = await stripe.transfers.createReversal(
          input.transferId,
          { amount: input.amountCents, metadata: { ...input.metadata } },
          { idempotencyKey: input.idempotencyKey },
        );
        return { id: reversal.id, amountCents: reversal.amount };
      }),
    submitDisputeEvidence: (input) =>
      call('submit dispute evidence', async () => {
        const dispute = await stripe.disputes.update(
          input.disputeId,
          { evidence: { ...input.evidence }, metadata: { ...input.metadata }, submit: true },
          { idempotencyKey: input.idempotencyKey },
        );
        return {
          id: dispute.id,
          status: dispute.status,
          dueBy: dispute.evidence_details?.due_by ?? null,
          submissionCount: dispute.evidence_details?.submission_count ?? 0,
        };
      }),
    listPaymentIntents: (createdGte) =>
      call('list PaymentIntents', async () =>
        (
          await stripe.paymentIntents
            .list({ created: { gte: createdGte }, limit: 100 })
            .autoPagingToArray({ limit: LIST_CAP })
        ).map(intentView),
      ),
    listRefunds: (paymentIntentId) =>
      call('list refunds', async () =>
        (
          await stripe.refunds
            .list({ payment_intent: paymentIntentId, limit: 100 })
            .autoPagingToArray({ limit: LIST_CAP })
        ).map((refund) => ({
          id: refund.id,
          amountCents: refund.amount,
          currency: refund.currency,
          status: refund.status ?? null,
          reason: refund.reason ?? null,
        })),
      ),
    listTransfers: (createdGte) =>
      call('list transfers', async () =>
        (
          await stripe.transfers
            .list({ created: { gte: createdGte }, limit: 100 })
            .autoPagingToArray({ limit: LIST_CAP })
        ).map((transfer) => ({
          id: transfer.id,
          amountCents: transfer.amount,
          amountReversedCents: transfer.amount_reversed,
          currency: transfer.currency,
          transferGroup: transfer.transfer_group ?? null,
          metadata: transfer.metadata ?? {},
        })),
      ),
    verifyWebhook(rawBody, signatureHeader) {
      if (!signatureHeader) throw new WebhookSignatureError('Missing Stripe-Signature header');
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signatureHeader, options.webhookSecret, tolerance);
      } catch (error) {
        throw new WebhookSignatureError(error instanceof Error ? error.message : 'Invalid signature');
      }
      const object = event.data.object as unknown as ProviderEvent['object'];
      return {
        id: event.id,
        type: event.type,
        created: event.created,
        account: event.account ?? null,
        object,
        raw: event,
      };
    },
  };
}
