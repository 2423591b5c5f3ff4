/**
 * What the payments domain needs from its payment processor (Stripe), in its own words. The adapter
 * (lambdas/adapters/stripe-payment-provider.ts) maps it onto the `stripe` SDK, which reaches Stripe's
 * test or live mode with a key, and the loopback stand-in locally (infra/local/fakes/stripe-fake.ts).
 * Amounts are integer minor units (cents); currencies lower-case ISO 4217 as Stripe writes them.
 */

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

/**
 * The text fields of a dispute's evidence this platform fills (Stripe's `evidence[...]` hash; the
 * file fields such as `customer_communication` take uploaded files and are not used).
 */
export const DISPUTE_EVIDENCE_TEXT_FIELDS = [
  'product_description',
  'service_date',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'access_activity_log',
  'uncategorized_text',
] as const;
export type DisputeEvidenceField = (typeof DISPUTE_EVIDENCE_TEXT_FIELDS)[number];
export type DisputeEvidence = Readonly<Partial<Record<DisputeEvidenceField, string>>>;

/** Stripe caps the combined length of a dispute's text evidence. */
export const DISPUTE_EVIDENCE_MAX_TOTAL_CHARS = 150_000;

export interface DisputeView {
  readonly id: string;
  readonly status: string;
  /** Unix seconds; null once Stripe no longer takes evidence. */
  readonly dueBy: number | null;
  readonly submissionCount: number;
}

export interface PaymentIntentView {
  readonly id: string;
  readonly status: IntentStatus;
  readonly amount: number;
  readonly amountCapturable: number;
  readonly amountReceived: number;
  readonly currency: string;
  readonly clientSecret: string | null;
  readonly latestChargeId: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** Set after a decline or a failed authentication; the client may try another payment method. */
  readonly lastPaymentErrorCode: string | null;
  /** The card used, once confirmed (saved on the customer when the intent asked to keep it). */
  readonly paymentMethodId?: string | null;
  readonly customerId?: string | null;
  /**
   * Unix seconds until which the authorisation can be captured (the charge's
   * `payment_method_details.card.capture_before`), when Stripe's answer carried the charge.
   */
  readonly captureBefore?: number | null;
}

/** Why an off-session re-authorisation needs the customer: Stripe's card error code. */
export type OffSessionFailure = 'authentication_required' | 'card_declined';

export interface RefundView {
  readonly id: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly status: string | null;
  readonly reason: string | null;
}

export interface TransferView {
  readonly id: string;
  readonly amountCents: number;
  readonly amountReversedCents: number;
  readonly currency: string;
  readonly transferGroup: string | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ConnectedAccountView {
  readonly id: string;
  readonly detailsSubmitted: boolean;
  readonly payoutsEnabled: boolean;
  readonly chargesEnabled: boolean;
  readonly requirementsDue: readonly string[];
}

/** The processor refused because the object is not in a state that allows the call (already captured, …). */
export class ProviderStateError extends Error {
  constructor(
    message: string,
    readonly providerCode: string | undefined,
  ) {
    super(message);
    this.name = 'ProviderStateError';
  }
}

/** The processor refused the request's parameters (amount too small, unknown account, …). */
export class ProviderRequestError extends Error {
  constructor(
    message: string,
    readonly providerCode: string | undefined,
    readonly param: string | undefined,
  ) {
    super(message);
    this.name = 'ProviderRequestError';
  }
}

/** A webhook whose signature is missing, wrong or outside the tolerance window. */
export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/** A verified processor event: Stripe's event envelope, the object as delivered. */
export interface ProviderEvent {
  readonly id: string;
  readonly type: string;
  /** Unix seconds at Stripe. */
  readonly created: number;
  /** The Connect account the event is about (`account.updated`), when it names one. */
  readonly account: string | null;
  readonly object: Readonly<Record<string, unknown>> & { readonly id: string; readonly object: string };
  readonly raw: unknown;
}

export interface PaymentProvider {
  /** A PaymentIntent with manual capture (escrow): the client confirms it with the client secret. */
  createAuthorization(input: {
    readonly amountCents: number;
    readonly currency: string;
    readonly groupId: string;
    readonly clientUserId: string;
    /** The client's Stripe customer: the card is kept on it for an off-session re-authorisation. */
    readonly customerId?: string | null;
    readonly idempotencyKey: string;
  }): Promise<PaymentIntentView>;
  /** A Stripe customer for a client (one per key; the caller records it). */
  createCustomer(input: { readonly clientUserId: string; readonly idempotencyKey: string }): Promise<{ id: string }>;
  /**
   * A new manual-capture authorisation on the customer's saved card, confirmed off-session (nobody
   * present). A card that needs its holder (authentication, a decline) answers `failed` with Stripe's
   * code and the PaymentIntent left for the customer to complete; nothing is thrown for it.
   */
  reauthorizeOffSession(input: {
    readonly amountCents: number;
    readonly currency: string;
    readonly groupId: string;
    readonly clientUserId: string;
    readonly customerId: string;
    readonly paymentMethodId: string;
    readonly replacesIntentId: string;
    readonly idempotencyKey: string;
  }): Promise<
    | { readonly outcome: 'authorized'; readonly intent: PaymentIntentView }
    | { readonly outcome: 'failed'; readonly failure: OffSessionFailure; readonly intentId: string | null }
  >;
  /** With the charge expanded, so `captureBefore` is known once authorised. */
  retrieveIntent(id: string): Promise<PaymentIntentView>;
  capture(id: string, idempotencyKey: string): Promise<PaymentIntentView>;
  cancel(
    id: string,
    reason: 'abandoned' | 'requested_by_customer' | 'duplicate' | 'fraudulent',
    idempotencyKey: string,
  ): Promise<PaymentIntentView>;
  refund(input: {
    readonly paymentIntentId: string;
    readonly amountCents: number;
    readonly metadata: Readonly<Record<string, string>>;
    readonly idempotencyKey: string;
  }): Promise<{ readonly id: string; readonly amountCents: number }>;
  createConnectedAccount(input: {
    readonly userId: string;
    readonly country: string;
    readonly idempotencyKey: string;
  }): Promise<ConnectedAccountView>;
  retrieveConnectedAccount(id: string): Promise<ConnectedAccountView>;
  /**
   * The Express account made for this user (metadata.user_id) created at or after `createdGte` (unix
   * seconds), or null. Stripe has no search for Connect accounts: the list since that time is scanned.
   */
  findConnectedAccountOfUser(userId: string, createdGte: number): Promise<ConnectedAccountView | null>;
  createOnboardingLink(input: {
    readonly accountId: string;
    readonly returnUrl: string;
    readonly refreshUrl: string;
  }): Promise<{ readonly url: string; readonly expiresAt: number }>;
  transfer(input: {
    readonly amountCents: number;
    readonly currency: string;
    readonly destinationAccountId: string;
    readonly transferGroup: string;
    readonly sourceChargeId: string | null;
    readonly metadata: Readonly<Record<string, string>>;
    readonly idempotencyKey: string;
  }): Promise<{ readonly id: string; readonly amountCents: number }>;
  /** Takes back (part of) a transfer from the connected account (Stripe's Transfer reversal API). */
  reverseTransfer(input: {
    readonly transferId: string;
    readonly amountCents: number;
    readonly metadata: Readonly<Record<string, string>>;
    readonly idempotencyKey: string;
  }): Promise<{ readonly id: string; readonly amountCents: number }>;
  /**
   * Sets a dispute's evidence and submits it (`POST /v1/disputes/{id}` with `submit=true`). Stripe
   * refuses (ProviderRequestError) after the deadline or once the dispute is no longer open.
   */
  submitDisputeEvidence(input: {
    readonly disputeId: string;
    readonly evidence: DisputeEvidence;
    readonly metadata: Readonly<Record<string, string>>;
    readonly idempotencyKey: string;
  }): Promise<DisputeView>;
  /** PaymentIntents created at or after `createdGte` (unix seconds), every page (reconciliation). */
  listPaymentIntents(createdGte: number): Promise<PaymentIntentView[]>;
  /** The refunds of a PaymentIntent (reconciliation). */
  listRefunds(paymentIntentId: string): Promise<RefundView[]>;
  /** Transfers created at or after `createdGte` (unix seconds), every page (reconciliation). */
  listTransfers(createdGte: number): Promise<TransferView[]>;
  /** Verifies `Stripe-Signature` over the raw body; throws WebhookSignatureError. */
  verifyWebhook(rawBody: string, signatureHeader: string | undefined): ProviderEvent;
}
