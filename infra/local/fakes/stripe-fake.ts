/**
 * A loopback stand-in for the Stripe API (stripe-mock cannot be installed here), speaking Stripe's
 * wire format for the endpoints the payments domain uses, so the `stripe` SDK and the payments
 * adapter run unchanged against it (`new Stripe(key, { host, port, protocol: 'http' })`):
 *  - form-encoded request bodies with Stripe's bracket notation (`metadata[group_id]=…`),
 *    `Authorization: Bearer sk_test_…`, JSON answers, Stripe error objects
 *    (`{ error: { type, code, decline_code, message, param, payment_intent } }`) with Stripe's statuses;
 *  - `Idempotency-Key`: a repeated key with the same method, path and parameters replays the first
 *    answer (with `Idempotent-Replayed: true`); with other parameters it is a 400 `idempotency_error`;
 *  - PaymentIntents (create / confirm / capture / cancel / retrieve) including `capture_method=manual`;
 *    Stripe's test payment methods and card numbers decide the outcome (see TEST_CARDS):
 *    `pm_card_threeDSecure2Required` / 4000002760003184 → `requires_action` with a `redirect_to_url`
 *    next action whose page (`/dev/3ds/{pi}?result=succeed|fail`) stands in for the bank's challenge;
 *    the decline cards → 402 `card_error` with their `decline_code`; `pm_card_createDispute` /
 *    4000000000000259 → a dispute opened right after capture;
 *  - refunds (`charge.refunded`, `refund.created`), Connect Express accounts and account links (the
 *    link's page `/dev/connect/onboard/{acct}` completes onboarding and sends `account.updated`),
 *    transfers with `transfer_group` and reversals, disputes (retrieve, update evidence, submit), events;
 *  - webhooks: every event is POSTed to each configured endpoint as Stripe does, JSON body with a
 *    `Stripe-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "<t>.<body>")>` header, retried with backoff
 *    on a non-2xx answer (up to 5 attempts, seconds apart instead of Stripe's hours).
 * Local-only helpers: `POST /dev/events/{evt}/deliver?times=N` delivers one stored event N times at
 * once (what Stripe's at-least-once delivery can do), `GET /dev/webhook-deliveries` lists attempts,
 * `POST /dev/charges/{ch}/dispute` opens a chargeback on a captured charge now,
 * `POST /dev/disputes/{dp}/due_by?at=<unix>` moves its evidence deadline (`charge.dispute.updated`).
 * `POST /v1/disputes/{dp}` checks Stripe's `evidence[...]` field names (file fields take `file_…` ids),
 * the 150,000-character text limit, refuses after `evidence_details.due_by` or once the status is not
 * `needs_response` / `warning_needs_response`, and counts `submission_count`. Disputes follow
 * Stripe's test mode: `charge.dispute.created` + `funds_withdrawn`, evidence submitted with
 * `uncategorized_text` `winning_evidence` / `losing_evidence` closes it (`charge.dispute.closed`,
 * won or lost, `funds_reinstated` when won).
 *
 * Customers (create / retrieve) and cards saved on them: a PaymentIntent with `customer` and
 * `setup_future_usage` attaches its card once authorised, and `off_session=true&confirm=true` charges a
 * saved card with nobody present (4000002760003184 then fails with `authentication_required`). A manual-
 * capture charge carries `payment_method_details.card.capture_before` (7 days); the window does not pass
 * here by itself: `POST /dev/payment_intents/{pi}/expire` makes it pass (status `canceled`,
 * `cancellation_reason: automatic`, `payment_intent.canceled`). `expand[]=latest_charge` on PaymentIntents.
 * NOT modelled (documented in README "Payments"): customer updates, listing and deletion, SetupIntents,
 * wallets (Apple/Google Pay need a browser; they arrive as ordinary `pm_…` ids), Radar, currencies
 * other than the amount rules below (minimum 50 in the smallest unit), payouts from connected accounts
 * to banks, balance transactions and fees, automatic dispute closing, list endpoints other than PaymentIntents, refunds, transfers
 * and reversals (cursor-paginated) and events (no cursors), `expand[]` other than a PaymentIntent's `latest_charge` (ignored),
 * Stripe Tax, API versions (every answer has the SDK's version's shape), rate limits.
 * Never part of any AWS stage.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export const STRIPE_FAKE_SECRET_KEY_PREFIX = 'sk_test_rastuplocal';

type StripeObject = Record<string, unknown> & { id: string; object: string };

interface TestCard {
  readonly brand: string;
  readonly last4: string;
  readonly outcome: 'succeed' | 'three_d_secure' | 'decline' | 'dispute';
  readonly declineCode?: string;
  readonly message?: string;
  /**
   * Charged off-session with the card saved (`setup_future_usage=off_session`): 4000002760003184
   * asks for authentication on every payment, so off-session it fails with `authentication_required`;
   * 4000002500003155 asks only on-session (its saved mandate covers later payments).
   */
  readonly offSession?: 'authentication_required';
}

/** Stripe's documented test cards (https://docs.stripe.com/testing), by number and by `pm_card_…` id. */
const TEST_CARDS: Record<string, TestCard> = {
  '4242424242424242': { brand: 'visa', last4: '4242', outcome: 'succeed' },
  '5555555555554444': { brand: 'mastercard', last4: '4444', outcome: 'succeed' },
  '4000002760003184': {
    brand: 'visa',
    last4: '3184',
    outcome: 'three_d_secure',
    offSession: 'authentication_required',
  },
  '4000002500003155': { brand: 'visa', last4: '3155', outcome: 'three_d_secure' },
  '4000000000000002': {
    brand: 'visa',
    last4: '0002',
    outcome: 'decline',
    declineCode: 'generic_decline',
    message: 'Your card was declined.',
  },
  '4000000000009995': {
    brand: 'visa',
    last4: '9995',
    outcome: 'decline',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  '4000000000009987': {
    brand: 'visa',
    last4: '9987',
    outcome: 'decline',
    declineCode: 'lost_card',
    message: 'Your card was declined.',
  },
  '4000000000000259': { brand: 'visa', last4: '0259', outcome: 'dispute' },
};
const TEST_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_mastercard: '5555555555554444',
  pm_card_threeDSecure2Required: '4000002760003184',
  pm_card_authenticationRequired: '4000002500003155',
  pm_card_visa_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedLostCard: '4000000000009987',
  pm_card_createDispute: '4000000000000259',
  tok_visa: '4242424242424242',
  tok_chargeDeclined: '4000000000000002',
};

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

const invalid = (message: string, extra: Record<string, unknown> = {}) =>
  new StripeApiError(400, { type: 'invalid_request_error', message, ...extra });
const missing = (kind: string, id: string, param = 'id') =>
  new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${kind}: '${id}'`,
  });

/**
 * Decodes Stripe's form encoding (`a[b][c]=1`, `a[]=x`, `a[0]=x`) into nested objects and arrays,
 * as Stripe's API does. Values stay strings; each endpoint coerces what it reads.
 */
export function decodeStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!match) throw invalid(`Invalid parameter name: ${rawKey}`);
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const last = i === path.length - 1;
      const nextIsArray = !last && (path[i + 1] === '' || /^\d+$/.test(path[i + 1]!));
      if (Array.isArray(node)) {
        const index = key === '' ? node.length : Number(key);
        if (last) node[index] = value;
        else node = (node[index] ??= nextIsArray ? [] : {}) as Record<string, unknown> | unknown[];
      } else if (last) node[key] = value;
      else node = (node[key] ??= nextIsArray ? [] : {}) as Record<string, unknown> | unknown[];
    }
  }
  return root;
}

const stringOf = (value: unknown): string => (typeof value === 'string' ? value : '');

function intParam(params: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') {
    if (required) throw invalid(`Missing required param: ${name}.`, { code: 'parameter_missing', param: name });
    return undefined;
  }
  if (typeof raw !== 'string' || !/^\d+$/.test(raw))
    throw invalid(`Invalid integer: ${typeof raw === 'string' ? raw : JSON.stringify(raw)}`, {
      code: 'parameter_invalid_integer',
      param: name,
    });
  return Number(raw);
}

function stringParam(params: Record<string, unknown>, name: string, required = false): string | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') {
    if (required) throw invalid(`Missing required param: ${name}.`, { code: 'parameter_missing', param: name });
    return undefined;
  }
  if (typeof raw !== 'string') throw invalid(`Invalid string: ${name}`, { param: name });
  return raw;
}

function metadataParam(params: Record<string, unknown>, existing: Record<string, string> = {}) {
  const raw = params.metadata;
  if (raw === undefined) return existing;
  if (raw === '') return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid('Invalid hash', { param: 'metadata' });
  const out = { ...existing };
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw invalid('Invalid metadata value', { param: `metadata[${key}]` });
    if (value === '') delete out[key];
    else out[key] = value;
  }
  return out;
}

function currencyParam(params: Record<string, unknown>): string {
  const currency = stringParam(params, 'currency', true)!.toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}`, { param: 'currency' });
  return currency;
}

export interface StripeFakeOptions {
  readonly port?: number;
  /** Where webhooks go; all are signed with the fake's one endpoint secret (`whsec_…`). */
  readonly webhookUrls?: readonly string[];
  /** The secret key clients must present (default: a fresh `sk_test_rastuplocal…`). */
  readonly secretKey?: string;
}

export interface RunningStripeFake {
  readonly baseUrl: string;
  readonly secretKey: string;
  readonly publishableKey: string;
  readonly webhookSecret: string;
  readonly env: Record<string, string>;
  /** Webhook attempts so far (tests wait for deliveries). */
  readonly deliveries: readonly { eventId: string; type: string; status: number | 'error'; at: number }[];
  addWebhookEndpoint(url: string): void;
  stop(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);
/** How long Stripe keeps a card authorisation capturable (online card payments: 7 days). */
const AUTHORIZATION_SECONDS = 7 * 86_400;

/** Stripe's dispute `evidence[...]` fields (API 2024+): text fields, and file fields that take a `file_…` id. */
const DISPUTE_EVIDENCE_FILE_FIELDS = new Set([
  'cancellation_policy',
  'customer_communication',
  'customer_signature',
  'duplicate_charge_documentation',
  'receipt',
  'refund_policy',
  'service_documentation',
  'shipping_documentation',
  'uncategorized_file',
]);
const DISPUTE_EVIDENCE_FIELDS = new Set([
  ...DISPUTE_EVIDENCE_FILE_FIELDS,
  'access_activity_log',
  'billing_address',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_tracking_number',
  'uncategorized_text',
]);
const newStripeId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;

/** Stripe's signature scheme (https://docs.stripe.com/webhooks#verify-manually). */
export function stripeSignatureHeader(payload: string, secret: string, timestamp = now()): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export async function startStripeFake(options: StripeFakeOptions = {}): Promise<RunningStripeFake> {
  const secretKey = options.secretKey ?? `${STRIPE_FAKE_SECRET_KEY_PREFIX}${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  // What Stripe.js holds in a browser: it may only confirm a PaymentIntent whose client_secret it has.
  const publishableKey = `pk_test_rastuplocal${randomBytes(12).toString('hex')}`;
  const endpoints = (options.webhookUrls ?? []).map((url) => ({ url, secret: webhookSecret }));
  const objects = new Map<string, StripeObject>();
  const events = new Map<string, StripeObject>();
  const idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
  const deliveries: { eventId: string; type: string; status: number | 'error'; at: number }[] = [];
  const pending = new Set<Promise<unknown>>();
  /** Aborted by stop(): in-flight deliveries and their retry waits end at once. */
  const stopping = new AbortController();
  /** Deliveries waiting to retry; stop() ends them at once. */
  const retryWaits = new Set<(waited: boolean) => void>();
  let stopped = false;
  let baseUrl = '';

  const store = <T extends StripeObject>(object: T): T => {
    objects.set(object.id, object);
    return object;
  };
  const find = (id: string, object: string, kind = object): StripeObject => {
    const found = objects.get(id);
    if (!found || found.object !== object) throw missing(kind, id);
    return found;
  };
  const snapshot = (object: StripeObject) => structuredClone(object);

  async function deliver(event: StripeObject, endpoint: { url: string; secret: string }, attempt = 1): Promise<void> {
    if (stopped) return;
    const payload = JSON.stringify(event, null, 2);
    let status: number | 'error';
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': stripeSignatureHeader(payload, endpoint.secret),
        },
        body: payload,
        signal: AbortSignal.any([AbortSignal.timeout(10_000), stopping.signal]),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 'error';
    }
    deliveries.push({ eventId: event.id, type: String(event.type), status, at: Date.now() });
    if ((status === 'error' || status >= 300) && attempt < 5 && !stopped) {
      // Unref'd so a pending retry keeps no process alive, and aborted by stop(): stop() awaits pending
      // deliveries, and an unref'd wait it awaited would let Node exit mid-shutdown (npm start then died
      // before printing "stopped").
      // Waits are ended by stop() through one set, not one abort listener each on the stop signal: under
      // load (bench:checkout's 503s) more than 10 retries wait at once and Node warned MaxListenersExceeded.
      const waited = await new Promise<boolean>((resolve) => {
        const end = (value: boolean) => {
          clearTimeout(timer);
          retryWaits.delete(end);
          resolve(value);
        };
        const timer = setTimeout(() => end(true), 250 * 2 ** attempt).unref();
        retryWaits.add(end);
      });
      if (waited && !stopped) await deliver(event, endpoint, attempt + 1);
    }
  }

  const track = (promise: Promise<unknown>) => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
  };

  function emit(
    type: string,
    object: StripeObject,
    extra: { account?: string; previous?: Record<string, unknown> } = {},
  ) {
    const event: StripeObject = {
      id: newStripeId('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: now(),
      data: { object: snapshot(object), ...(extra.previous ? { previous_attributes: extra.previous } : {}) },
      livemode: false,
      pending_webhooks: endpoints.length,
      request: { id: newStripeId('req'), idempotency_key: null },
      type,
      ...(extra.account ? { account: extra.account } : {}),
    };
    events.set(event.id, event);
    // Like Stripe: delivered after the API answer, asynchronously, in no guaranteed order.
    for (const endpoint of endpoints)
      track(new Promise((resolve) => setImmediate(resolve)).then(() => deliver(event, endpoint)));
    return event;
  }

  // ---- PaymentIntents ---------------------------------------------------------------------------
  function cardFor(params: Record<string, unknown>): { pm: StripeObject; card: TestCard } | undefined {
    const pmId = stringParam(params, 'payment_method');
    let number: string | undefined;
    if (pmId) {
      const existing = objects.get(pmId);
      if (existing?.object === 'payment_method') {
        // A PaymentMethod this stand-in made (a saved card): the same object, its customer with it.
        const saved = TEST_CARDS[String((existing as { _number?: string })._number)];
        if (saved) return { pm: existing, card: saved };
      }
      number = TEST_PAYMENT_METHODS[pmId];
      if (!number) throw missing('PaymentMethod', pmId, 'payment_method');
    } else {
      const data = params.payment_method_data as { type?: string; card?: { number?: string } } | undefined;
      if (!data) return undefined;
      if (data.type !== 'card')
        throw invalid('Only card payment_method_data is supported here.', { param: 'payment_method_data[type]' });
      number = data.card?.number?.replace(/\s/g, '');
      if (!number)
        throw invalid('Missing required param: payment_method_data[card][number].', { code: 'parameter_missing' });
    }
    const card = TEST_CARDS[number];
    if (!card)
      throw new StripeApiError(402, {
        type: 'card_error',
        code: 'incorrect_number',
        message: 'Your card number is incorrect.',
        param: 'number',
      });
    const pm = store({
      id: newStripeId('pm'),
      object: 'payment_method',
      type: 'card',
      card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034, country: 'US', funding: 'credit' },
      created: now(),
      livemode: false,
      _number: number,
    });
    return { pm, card };
  }

  /** The visible part of an object (fields starting with `_` are the fake's own bookkeeping). */
  const visible = (object: StripeObject): StripeObject =>
    Object.fromEntries(Object.entries(object).filter(([key]) => !key.startsWith('_'))) as StripeObject;

  function authorizeCharge(pi: StripeObject, pm: StripeObject) {
    const charge = store({
      id: newStripeId('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: 0,
      amount_refunded: 0,
      captured: false,
      refunded: false,
      currency: pi.currency,
      paid: true,
      status: 'succeeded',
      payment_intent: pi.id,
      payment_method: pm.id,
      // Stripe lets a card authorisation be captured for 7 days (`capture_before`); after that the
      // uncaptured PaymentIntent is canceled (`cancellation_reason: automatic`, see /dev/payment_intents/…/expire).
      payment_method_details: {
        type: 'card',
        card: {
          ...(pm.card as object),
          capture_before: pi.capture_method === 'manual' ? now() + AUTHORIZATION_SECONDS : null,
        },
      },
      transfer_group: pi.transfer_group ?? null,
      metadata: pi.metadata,
      disputed: false,
      balance_transaction: null,
      created: now(),
      livemode: false,
    });
    pi.latest_charge = charge.id;
    // A PaymentIntent confirmed with setup_future_usage saves its card on the customer for later
    // off-session payments (Stripe attaches the PaymentMethod once the payment succeeds).
    if (pi.customer && pi.setup_future_usage) pm.customer = pi.customer;
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
      emit('charge.succeeded', charge);
      emit('payment_intent.amount_capturable_updated', pi);
    } else {
      captureCharge(pi, charge, Number(pi.amount));
    }
  }

  function captureCharge(pi: StripeObject, charge: StripeObject, amount: number) {
    charge.captured = true;
    charge.amount_captured = amount;
    charge.balance_transaction = newStripeId('txn');
    if (amount < Number(charge.amount)) charge.amount_refunded = Number(charge.amount) - amount;
    pi.status = 'succeeded';
    pi.amount_capturable = 0;
    pi.amount_received = amount;
    emit('charge.captured', charge);
    emit('payment_intent.succeeded', pi);
    const pm = objects.get(String(charge.payment_method)) as { _number?: string } | undefined;
    if (pm?._number && TEST_CARDS[pm._number]?.outcome === 'dispute') openDispute(charge);
  }

  function openDispute(charge: StripeObject) {
    charge.disputed = true;
    const dispute = store({
      id: newStripeId('dp'),
      object: 'dispute',
      amount: charge.amount_captured,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      reason: 'fraudulent',
      status: 'needs_response',
      is_charge_refundable: false,
      evidence: {},
      evidence_details: {
        due_by: now() + 7 * 86_400,
        has_evidence: false,
        past_due: false,
        submission_count: 0,
      },
      metadata: {},
      created: now(),
      livemode: false,
    });
    emit('charge.dispute.created', dispute);
    // Stripe takes the disputed amount from the platform's balance at once.
    emit('charge.dispute.funds_withdrawn', dispute);
  }

  function confirm(pi: StripeObject, params: Record<string, unknown>) {
    const status = String(pi.status);
    if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(status))
      throw unexpectedState(pi, 'confirm', ['requires_payment_method', 'requires_confirmation', 'requires_action']);
    const chosen =
      cardFor(params) ??
      (pi._card ? { pm: find(String(pi.payment_method), 'payment_method'), card: pi._card as TestCard } : undefined);
    if (!chosen)
      throw invalid(
        "You cannot confirm this PaymentIntent because it's missing a payment method. Specify a payment_method or payment_method_data.",
        { code: 'payment_intent_unexpected_state', param: 'payment_method' },
      );
    pi.payment_method = chosen.pm.id;
    pi._card = chosen.card;
    const returnUrl = stringParam(params, 'return_url');
    if (returnUrl) pi._returnUrl = returnUrl;
    pi.last_payment_error = null;
    if (chosen.card.outcome === 'decline') return decline(pi, chosen.pm, chosen.card);
    if (stringParam(params, 'off_session') === 'true') {
      // Off-session: the customer is not there to authenticate. The card must be saved on the customer.
      if (!pi.customer || chosen.pm.customer !== pi.customer)
        throw invalid(
          'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.',
          { param: 'payment_method' },
        );
      if (chosen.card.offSession === 'authentication_required')
        return decline(
          pi,
          chosen.pm,
          {
            ...chosen.card,
            declineCode: 'authentication_required',
            message: 'Your card was declined. This transaction requires authentication.',
          },
          'authentication_required',
        );
      pi.next_action = null;
      authorizeCharge(pi, chosen.pm);
      return;
    }
    if (chosen.card.outcome === 'three_d_secure') {
      pi.status = 'requires_action';
      pi.next_action = {
        type: 'redirect_to_url',
        redirect_to_url: { url: `${baseUrl}/dev/3ds/${pi.id}`, return_url: pi._returnUrl ?? null },
      };
      emit('payment_intent.requires_action', pi);
      return;
    }
    pi.next_action = null;
    authorizeCharge(pi, chosen.pm);
  }

  function decline(pi: StripeObject, pm: StripeObject, card: TestCard, code = 'card_declined'): never {
    const charge = store({
      id: newStripeId('ch'),
      object: 'charge',
      amount: pi.amount,
      captured: false,
      currency: pi.currency,
      paid: false,
      status: 'failed',
      failure_code: code,
      failure_message: card.message,
      outcome: { network_status: 'declined_by_network', reason: card.declineCode, type: 'issuer_declined' },
      payment_intent: pi.id,
      payment_method: pm.id,
      created: now(),
      livemode: false,
    });
    const error = {
      type: 'card_error',
      code,
      decline_code: card.declineCode,
      message: card.message,
      charge: charge.id,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
      payment_method: visible(pm),
    };
    pi.status = 'requires_payment_method';
    pi.latest_charge = charge.id;
    pi.last_payment_error = error;
    pi.next_action = null;
    emit('charge.failed', charge);
    emit('payment_intent.payment_failed', pi);
    throw new StripeApiError(402, { ...error, payment_intent: visible(pi) });
  }

  function unexpectedState(pi: StripeObject, action: string, allowed: string[]) {
    return invalid(
      `This PaymentIntent's ${action === 'capture' ? 'amount' : 'status'} could not be ${action === 'cancel' ? 'canceled' : action === 'capture' ? 'captured' : 'confirmed'} because it has a status of ${String(pi.status)}. Only a PaymentIntent with one of the following statuses may be ${action === 'cancel' ? 'canceled' : action === 'capture' ? 'captured' : 'confirmed'}: ${allowed.join(', ')}.`,
      { code: 'payment_intent_unexpected_state', payment_intent: visible(pi) },
    );
  }

  function createPaymentIntent(params: Record<string, unknown>) {
    const amount = intParam(params, 'amount', true)!;
    const currency = currencyParam(params);
    if (amount < 50) throw invalid('Amount must be at least $0.50 usd', { code: 'amount_too_small', param: 'amount' });
    if (amount > 99_999_999)
      throw invalid('Amount must be no more than $999,999.99', { code: 'amount_too_large', param: 'amount' });
    const captureMethod = stringParam(params, 'capture_method') ?? 'automatic_async';
    if (!['automatic', 'automatic_async', 'manual'].includes(captureMethod))
      throw invalid(`Invalid capture_method: must be one of automatic, automatic_async, or manual`, {
        param: 'capture_method',
      });
    const id = newStripeId('pi');
    const allowed = params.allowed_payment_method_types ?? params.payment_method_types;
    if (allowed !== undefined && (!Array.isArray(allowed) || allowed.some((type) => type !== 'card')))
      throw invalid('Only card payment methods (and wallets, which are cards) are modelled by the local Stripe.', {
        param: 'allowed_payment_method_types',
      });
    const pi: StripeObject = store({
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency,
      capture_method: captureMethod,
      confirmation_method: 'automatic',
      client_secret: `${id}_secret_${randomBytes(12).toString('base64url')}`,
      status: 'requires_payment_method',
      latest_charge: null,
      last_payment_error: null,
      next_action: null,
      payment_method: null,
      payment_method_types: ['card'],
      allowed_payment_method_types: ['card'],
      customer: customerParam(params),
      setup_future_usage: setupFutureUsageParam(params),
      description: stringParam(params, 'description') ?? null,
      transfer_group: stringParam(params, 'transfer_group') ?? null,
      metadata: metadataParam(params),
      cancellation_reason: null,
      canceled_at: null,
      created: now(),
      livemode: false,
    });
    emit('payment_intent.created', pi);
    if (stringParam(params, 'confirm') === 'true') confirm(pi, params);
    else if (params.payment_method) {
      const chosen = cardFor(params)!;
      pi.payment_method = chosen.pm.id;
      pi._card = chosen.card;
      pi.status = 'requires_confirmation';
    }
    return pi;
  }

  function customerParam(params: Record<string, unknown>): string | null {
    const id = stringParam(params, 'customer');
    if (!id) return null;
    if (objects.get(id)?.object !== 'customer') throw missing('customer', id, 'customer');
    return id;
  }

  function setupFutureUsageParam(params: Record<string, unknown>): string | null {
    const value = stringParam(params, 'setup_future_usage');
    if (value === undefined) return null;
    if (value !== 'off_session' && value !== 'on_session')
      throw invalid('Invalid setup_future_usage: must be one of off_session or on_session', {
        param: 'setup_future_usage',
      });
    if (!params.customer)
      throw invalid('A customer is required to save a payment method for future use.', { param: 'customer' });
    return value;
  }

  /** Stripe's expiry of an authorisation not captured by `capture_before`. */
  function expire(pi: StripeObject) {
    if (pi.status !== 'requires_capture')
      throw invalid(`Only an uncaptured authorisation expires; this PaymentIntent is ${String(pi.status)}.`);
    pi.status = 'canceled';
    pi.amount_capturable = 0;
    pi.cancellation_reason = 'automatic';
    pi.canceled_at = now();
    emit('payment_intent.canceled', pi);
    return pi;
  }

  /** `expand[]=latest_charge` on a PaymentIntent answer (the only expansion modelled). */
  function expanded(pi: StripeObject, params: Record<string, unknown>): StripeObject {
    // POST bodies are decoded (`expand: [...]`); GET query strings keep their raw keys (`expand[0]`).
    const expand = params.expand;
    const wanted: unknown[] = [
      ...(Array.isArray(expand) ? (expand as unknown[]) : typeof expand === 'string' ? [expand] : []),
      ...Object.entries(params)
        .filter(([key]) => /^expand\[\d*\]$/.test(key))
        .map(([, value]) => value),
    ];
    if (!wanted.includes('latest_charge') || typeof pi.latest_charge !== 'string') return pi;
    const charge = objects.get(pi.latest_charge);
    return charge ? { ...pi, latest_charge: visible(charge) } : pi;
  }

  function capture(pi: StripeObject, params: Record<string, unknown>) {
    if (pi.status !== 'requires_capture') throw unexpectedState(pi, 'capture', ['requires_capture']);
    const amount = intParam(params, 'amount_to_capture', false) ?? Number(pi.amount_capturable);
    if (amount > Number(pi.amount_capturable))
      throw invalid('The amount to capture exceeds the amount capturable.', {
        code: 'amount_too_large',
        param: 'amount_to_capture',
      });
    captureCharge(pi, find(String(pi.latest_charge), 'charge'), amount);
    return pi;
  }

  function cancel(pi: StripeObject, params: Record<string, unknown>) {
    const allowed = [
      'requires_payment_method',
      'requires_capture',
      'requires_confirmation',
      'requires_action',
      'processing',
    ];
    if (!allowed.includes(String(pi.status))) throw unexpectedState(pi, 'cancel', allowed);
    const reason = stringParam(params, 'cancellation_reason') ?? null;
    if (reason && !['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'].includes(reason))
      throw invalid('Invalid cancellation_reason', { param: 'cancellation_reason' });
    pi.status = 'canceled';
    pi.amount_capturable = 0;
    pi.cancellation_reason = reason;
    pi.canceled_at = now();
    pi.next_action = null;
    emit('payment_intent.canceled', pi);
    return pi;
  }

  // ---- Refunds ----------------------------------------------------------------------------------
  function createRefund(params: Record<string, unknown>) {
    const piId = stringParam(params, 'payment_intent');
    const chargeId = stringParam(params, 'charge');
    if (!piId && !chargeId)
      throw invalid('One of the following params should be provided for this request: payment_intent or charge.');
    const charge = chargeId
      ? find(chargeId, 'charge')
      : find(stringOf(find(piId!, 'payment_intent', 'payment_intent').latest_charge), 'charge');
    if (!charge.captured)
      throw invalid(`Charge ${charge.id} has not been captured; cancel its PaymentIntent instead.`, {
        code: 'charge_not_captured',
      });
    const remaining = Number(charge.amount_captured) - Number(charge.amount_refunded);
    if (remaining <= 0)
      throw invalid(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    const amount = intParam(params, 'amount', false) ?? remaining;
    if (amount < 1 || amount > remaining)
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, {
        code: 'amount_too_large',
        param: 'amount',
      });
    const reason = stringParam(params, 'reason') ?? null;
    if (reason && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason))
      throw invalid('Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer', {
        param: 'reason',
      });
    const refund = store({
      id: newStripeId('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: charge.currency,
      reason,
      status: 'succeeded',
      balance_transaction: newStripeId('txn'),
      metadata: metadataParam(params),
      created: now(),
    });
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded = Number(charge.amount_refunded) + amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    emit('refund.created', refund);
    emit('charge.refunded', charge, { previous });
    return refund;
  }

  // ---- Connect ----------------------------------------------------------------------------------
  function createAccount(params: Record<string, unknown>) {
    const type = stringParam(params, 'type');
    if (type && type !== 'express')
      throw invalid('Only Express accounts are modelled by the local Stripe.', { param: 'type' });
    const account = store({
      id: `acct_${randomBytes(8).toString('hex').toUpperCase()}`,
      object: 'account',
      type: 'express',
      country: stringParam(params, 'country') ?? 'US',
      email: stringParam(params, 'email') ?? null,
      default_currency: 'usd',
      business_type: stringParam(params, 'business_type') ?? null,
      capabilities: { transfers: 'inactive' },
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      requirements: {
        currently_due: ['external_account', 'individual.dob.day', 'tos_acceptance.date'],
        eventually_due: ['external_account', 'individual.dob.day', 'tos_acceptance.date'],
        past_due: [],
        disabled_reason: 'requirements.past_due',
      },
      metadata: metadataParam(params),
      created: now(),
    });
    return account;
  }

  function completeOnboarding(account: StripeObject) {
    const previous = {
      charges_enabled: account.charges_enabled,
      payouts_enabled: account.payouts_enabled,
      details_submitted: account.details_submitted,
    };
    Object.assign(account, {
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
      capabilities: { transfers: 'active' },
      requirements: { currently_due: [], eventually_due: [], past_due: [], disabled_reason: null },
    });
    emit('account.updated', account, { account: account.id, previous });
  }

  function platformAvailable(currency: string): number {
    let total = 0;
    for (const object of objects.values()) {
      if (object.object === 'charge' && object.captured && object.currency === currency)
        total += Number(object.amount_captured) - Number(object.amount_refunded);
      if (object.object === 'transfer' && object.currency === currency)
        total -= Number(object.amount) - Number(object.amount_reversed);
    }
    return total;
  }

  function createTransfer(params: Record<string, unknown>) {
    const amount = intParam(params, 'amount', true)!;
    const currency = currencyParam(params);
    const destinationId = stringParam(params, 'destination', true)!;
    const destination = objects.get(destinationId);
    if (!destination || destination.object !== 'account') throw missing('destination', destinationId, 'destination');
    if ((destination.capabilities as { transfers: string }).transfers !== 'active')
      throw invalid(
        'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
        { code: 'insufficient_capabilities_for_transfer', param: 'destination' },
      );
    const sourceTransaction = stringParam(params, 'source_transaction');
    if (sourceTransaction) {
      const charge = find(sourceTransaction, 'charge');
      if (!charge.captured)
        throw invalid('The source_transaction charge has not been captured.', { param: 'source_transaction' });
    }
    if (amount > platformAvailable(currency))
      throw invalid(
        'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card.',
        { code: 'balance_insufficient' },
      );
    const transfer = store({
      id: newStripeId('tr'),
      object: 'transfer',
      amount,
      amount_reversed: 0,
      currency,
      destination: destination.id,
      destination_payment: newStripeId('py'),
      transfer_group: stringParam(params, 'transfer_group') ?? null,
      source_transaction: sourceTransaction ?? null,
      reversed: false,
      reversals: { object: 'list', data: [], has_more: false, url: '' },
      metadata: metadataParam(params),
      balance_transaction: newStripeId('txn'),
      created: now(),
      livemode: false,
    });
    emit('transfer.created', transfer);
    return transfer;
  }

  function reverseTransfer(transfer: StripeObject, params: Record<string, unknown>) {
    const remaining = Number(transfer.amount) - Number(transfer.amount_reversed);
    const amount = intParam(params, 'amount', false) ?? remaining;
    if (amount < 1 || amount > remaining)
      throw invalid(`Reversal amount (${amount}) exceeds the unreversed amount (${remaining}).`, {
        code: 'amount_too_large',
        param: 'amount',
      });
    // Stripe's transfer_reversal object: the refund of the destination payment on the connected
    // account, a balance transaction on the platform; source_refund only for a refund-driven reversal.
    const reversal = store({
      id: newStripeId('trr'),
      object: 'transfer_reversal',
      amount,
      balance_transaction: newStripeId('txn'),
      created: now(),
      currency: transfer.currency,
      destination_payment_refund: newStripeId('pyr'),
      metadata: metadataParam(params),
      source_refund: null,
      transfer: transfer.id,
    });
    transfer.amount_reversed = Number(transfer.amount_reversed) + amount;
    transfer.reversed = transfer.amount_reversed === transfer.amount;
    (transfer.reversals as { data: unknown[] }).data.push(visible(reversal));
    emit('transfer.reversed', transfer);
    return reversal;
  }

  function updateDispute(dispute: StripeObject, params: Record<string, unknown>) {
    if (!['needs_response', 'warning_needs_response'].includes(String(dispute.status)))
      throw invalid(`This dispute is already closed or under review (status ${String(dispute.status)}).`);
    const details = dispute.evidence_details as { due_by: number | null; past_due: boolean; submission_count: number };
    // Past `evidence_details.due_by` Stripe takes no more evidence (the dispute is decided without it).
    if (details.due_by !== null && now() > details.due_by) {
      details.past_due = true;
      throw invalid('This dispute is past its evidence due date and can no longer be updated.', {
        param: 'evidence',
      });
    }
    const evidence = params.evidence;
    if (evidence !== undefined) {
      if (typeof evidence !== 'object' || evidence === null) throw invalid('Invalid hash', { param: 'evidence' });
      let total = 0;
      for (const [field, value] of Object.entries(evidence)) {
        if (!DISPUTE_EVIDENCE_FIELDS.has(field))
          throw invalid(`Received unknown parameter: evidence[${field}]`, { param: `evidence[${field}]` });
        if (typeof value !== 'string')
          throw invalid(`Invalid string: evidence[${field}]`, { param: `evidence[${field}]` });
        if (DISPUTE_EVIDENCE_FILE_FIELDS.has(field) && value !== '' && !value.startsWith('file_'))
          throw invalid(`No such file upload: '${value}'`, { param: `evidence[${field}]` });
        if (!DISPUTE_EVIDENCE_FILE_FIELDS.has(field)) total += value.length;
      }
      if (total > 150_000)
        throw invalid('The combined character count of all text evidence fields exceeds 150,000.', {
          param: 'evidence',
        });
      dispute.evidence = { ...(dispute.evidence as object), ...evidence };
      (dispute.evidence_details as Record<string, unknown>).has_evidence = true;
    }
    dispute.metadata = metadataParam(params, dispute.metadata as Record<string, string>);
    const submitted = stringParam(params, 'submit') === 'true';
    if (submitted) {
      dispute.status = 'under_review';
      details.submission_count += 1;
    }
    emit('charge.dispute.updated', dispute);
    // Stripe's test mode decides a submitted dispute by the evidence text
    // (https://docs.stripe.com/testing#disputes): `winning_evidence` wins, `losing_evidence` loses.
    const text = (dispute.evidence as { uncategorized_text?: unknown }).uncategorized_text;
    if (submitted && (text === 'winning_evidence' || text === 'losing_evidence')) {
      dispute.status = text === 'winning_evidence' ? 'won' : 'lost';
      emit('charge.dispute.closed', dispute);
      if (dispute.status === 'won') emit('charge.dispute.funds_reinstated', dispute);
    }
    return dispute;
  }

  /**
   * Stripe's list endpoints: newest first, `limit` (1–100, default 10), `created[gte|gt|lte|lt]`,
   * cursor pagination with `starting_after` / `ending_before` (an object id), `has_more`, and the
   * endpoint's own equality filters.
   */
  function list(kind: string, path: string, p: Record<string, unknown>, filters: readonly string[]): StripeObject {
    const limit = p.limit === undefined ? 10 : Number(p.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw invalid('This value must be between 1 and 100 (it currently is ' + String(p.limit) + ').', {
        param: 'limit',
      });
    const bound = (op: string) => (p[`created[${op}]`] === undefined ? undefined : Number(p[`created[${op}]`]));
    const [gte, gt, lte, lt] = ['gte', 'gt', 'lte', 'lt'].map(bound);
    let data = [...objects.values()]
      .filter((o) => o.object === kind)
      .filter((o) => filters.every((name) => p[name] === undefined || o[name] === p[name]))
      .filter((o) => {
        const created = Number(o.created);
        return (
          (gte === undefined || created >= gte) &&
          (gt === undefined || created > gt) &&
          (lte === undefined || created <= lte) &&
          (lt === undefined || created < lt)
        );
      })
      .reverse();
    const after = typeof p.starting_after === 'string' ? p.starting_after : undefined;
    const before = typeof p.ending_before === 'string' ? p.ending_before : undefined;
    if (after) {
      const at = data.findIndex((o) => o.id === after);
      if (at < 0) throw missing(kind, after, 'starting_after');
      data = data.slice(at + 1);
    } else if (before) {
      const at = data.findIndex((o) => o.id === before);
      if (at < 0) throw missing(kind, before, 'ending_before');
      data = data.slice(Math.max(0, at - limit), at);
    }
    return {
      id: '',
      object: 'list',
      data: data.slice(0, limit).map(visible),
      has_more: data.length > limit,
      url: path,
    };
  }

  // ---- HTTP -------------------------------------------------------------------------------------
  type Handler = (params: Record<string, unknown>, match: RegExpExecArray) => StripeObject;
  const routes: [string, RegExp, Handler][] = [
    ['POST', /^\/v1\/payment_intents$/, (p) => expanded(createPaymentIntent(p), p)],
    ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (p, m) => expanded(find(m[1]!, 'payment_intent'), p)],
    [
      'POST',
      /^\/v1\/customers$/,
      (p) =>
        store({
          id: newStripeId('cus'),
          object: 'customer',
          email: stringParam(p, 'email') ?? null,
          description: stringParam(p, 'description') ?? null,
          metadata: metadataParam(p),
          created: now(),
          livemode: false,
        }),
    ],
    ['GET', /^\/v1\/customers\/([^/]+)$/, (_p, m) => find(m[1]!, 'customer')],
    [
      'POST',
      /^\/v1\/payment_intents\/([^/]+)\/confirm$/,
      (p, m) => {
        const pi = find(m[1]!, 'payment_intent');
        confirm(pi, p);
        return pi;
      },
    ],
    ['POST', /^\/v1\/payment_intents\/([^/]+)\/capture$/, (p, m) => capture(find(m[1]!, 'payment_intent'), p)],
    ['POST', /^\/v1\/payment_intents\/([^/]+)\/cancel$/, (p, m) => cancel(find(m[1]!, 'payment_intent'), p)],
    ['GET', /^\/v1\/charges\/([^/]+)$/, (_p, m) => find(m[1]!, 'charge')],
    ['POST', /^\/v1\/refunds$/, (p) => createRefund(p)],
    ['GET', /^\/v1\/refunds\/([^/]+)$/, (_p, m) => find(m[1]!, 'refund')],
    ['POST', /^\/v1\/accounts$/, (p) => createAccount(p)],
    ['GET', /^\/v1\/accounts$/, (p) => list('account', '/v1/accounts', p, [])],
    ['GET', /^\/v1\/accounts\/([^/]+)$/, (_p, m) => find(m[1]!, 'account')],
    [
      'POST',
      /^\/v1\/account_links$/,
      (p) => {
        const account = find(stringParam(p, 'account', true)!, 'account');
        const type = stringParam(p, 'type', true);
        if (type !== 'account_onboarding' && type !== 'account_update')
          throw invalid('Invalid type: must be one of account_onboarding or account_update', { param: 'type' });
        const returnUrl = stringParam(p, 'return_url', true)!;
        const refreshUrl = stringParam(p, 'refresh_url', true)!;
        const url = new URL(`${baseUrl}/dev/connect/onboard/${account.id}`);
        url.searchParams.set('return_url', returnUrl);
        url.searchParams.set('refresh_url', refreshUrl);
        return {
          id: newStripeId('acctlink'),
          object: 'account_link',
          created: now(),
          expires_at: now() + 300,
          url: url.toString(),
        };
      },
    ],
    ['POST', /^\/v1\/transfers$/, (p) => createTransfer(p)],
    ['GET', /^\/v1\/transfers$/, (p) => list('transfer', '/v1/transfers', p, ['transfer_group', 'destination'])],
    ['GET', /^\/v1\/payment_intents$/, (p) => list('payment_intent', '/v1/payment_intents', p, ['customer'])],
    ['GET', /^\/v1\/refunds$/, (p) => list('refund', '/v1/refunds', p, ['payment_intent', 'charge'])],
    ['GET', /^\/v1\/transfers\/([^/]+)$/, (_p, m) => find(m[1]!, 'transfer')],
    ['POST', /^\/v1\/transfers\/([^/]+)\/reversals$/, (p, m) => reverseTransfer(find(m[1]!, 'transfer'), p)],
    [
      'GET',
      /^\/v1\/transfers\/([^/]+)\/reversals$/,
      (p, m) => {
        // Newest first, `limit` (≤ 100); no pagination cursors.
        const transfer = find(m[1]!, 'transfer');
        const limit = Math.min(Number(p.limit ?? 10) || 10, 100);
        const data = [...(transfer.reversals as { data: StripeObject[] }).data].reverse();
        return {
          id: '',
          object: 'list',
          data: data.slice(0, limit),
          has_more: data.length > limit,
          url: `/v1/transfers/${transfer.id}/reversals`,
        };
      },
    ],
    ['GET', /^\/v1\/disputes\/([^/]+)$/, (_p, m) => find(m[1]!, 'dispute')],
    ['POST', /^\/v1\/disputes\/([^/]+)$/, (p, m) => updateDispute(find(m[1]!, 'dispute'), p)],
    [
      'GET',
      /^\/v1\/events$/,
      (p) => {
        // Newest first, like Stripe; `type` and `limit` (≤ 100) filters; no pagination cursors.
        const limit = Math.min(Number(p.limit ?? 10) || 10, 100);
        const data = [...events.values()].reverse().filter((event) => !p.type || event.type === p.type);
        return { id: '', object: 'list', data: data.slice(0, limit), has_more: data.length > limit, url: '/v1/events' };
      },
    ],
    [
      'GET',
      /^\/v1\/events\/([^/]+)$/,
      (_p, m) => {
        const event = events.get(m[1]!);
        if (!event) throw missing('event', m[1]!);
        return event;
      },
    ],
  ];

  function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    response.writeHead(status, {
      'content-type': 'application/json',
      'request-id': newStripeId('req'),
      'stripe-version': '2026-10-28.endive',
      ...headers,
    });
    response.end(body);
  }

  function readBody(request: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      request.on('error', reject);
    });
  }

  async function handleDev(url: URL, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const html = (status: number, text: string) => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><title>Local Stripe</title><p>${text}</p>`);
    };
    const threeDs = /^\/dev\/3ds\/([^/]+)$/.exec(url.pathname);
    if (threeDs) {
      // The bank's challenge page: `?result=fail` fails it, anything else completes it.
      const pi = objects.get(threeDs[1]!);
      if (!pi || pi.object !== 'payment_intent' || pi.status !== 'requires_action') {
        html(404, 'No authentication is pending for this payment.');
        return true;
      }
      pi.next_action = null;
      const pm = find(String(pi.payment_method), 'payment_method');
      if (url.searchParams.get('result') === 'fail') {
        pi.status = 'requires_payment_method';
        pi.last_payment_error = {
          type: 'card_error',
          code: 'payment_intent_authentication_failure',
          message:
            'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
          payment_method: visible(pm),
        };
        emit('payment_intent.payment_failed', pi);
      } else authorizeCharge(pi, pm);
      const back = typeof pi._returnUrl === 'string' ? pi._returnUrl : undefined;
      if (back) {
        response.writeHead(302, { location: `${back}${back.includes('?') ? '&' : '?'}payment_intent=${pi.id}` });
        response.end();
      } else html(200, `Authentication ${url.searchParams.get('result') === 'fail' ? 'failed' : 'complete'}.`);
      return true;
    }
    const onboard = /^\/dev\/connect\/onboard\/([^/]+)$/.exec(url.pathname);
    if (onboard) {
      const account = objects.get(onboard[1]!);
      if (!account || account.object !== 'account') {
        html(404, 'No such account.');
        return true;
      }
      if (!account.details_submitted) completeOnboarding(account);
      const back = url.searchParams.get('return_url');
      if (back) {
        response.writeHead(302, { location: back });
        response.end();
      } else html(200, 'Onboarding complete.');
      return true;
    }
    const disputeCharge = /^\/dev\/charges\/([^/]+)\/dispute$/.exec(url.pathname);
    if (disputeCharge && request.method === 'POST') {
      // Local-only: the cardholder's bank opens a chargeback on a captured charge now (Stripe's
      // `pm_card_createDispute` does it at capture; this opens one later, after payouts).
      const charge = objects.get(disputeCharge[1]!);
      if (!charge || charge.object !== 'charge' || !charge.captured) {
        send(
          response,
          404,
          JSON.stringify({ error: { type: 'invalid_request_error', message: 'No captured charge' } }),
        );
        return true;
      }
      openDispute(charge);
      const dispute = [...objects.values()].reverse().find((o) => o.object === 'dispute' && o.charge === charge.id)!;
      send(response, 200, JSON.stringify(visible(dispute)));
      return true;
    }
    const deadline = /^\/dev\/disputes\/([^/]+)\/due_by$/.exec(url.pathname);
    if (deadline && request.method === 'POST') {
      // Local-only: moves a dispute's evidence deadline (`?at=<unix seconds>`), so a test can reach the
      // auto-submit margin or the refusal past the deadline without waiting days.
      const dispute = objects.get(deadline[1]!);
      const at = Number(url.searchParams.get('at'));
      if (!dispute || dispute.object !== 'dispute' || !Number.isInteger(at) || at <= 0) {
        send(response, 404, JSON.stringify({ error: { type: 'invalid_request_error', message: 'No such dispute' } }));
        return true;
      }
      const details = dispute.evidence_details as { due_by: number; past_due: boolean };
      details.due_by = at;
      details.past_due = now() > at;
      emit('charge.dispute.updated', dispute);
      send(response, 200, JSON.stringify(visible(dispute)));
      return true;
    }
    const lapse = /^\/dev\/payment_intents\/([^/]+)\/expire$/.exec(url.pathname);
    if (lapse && request.method === 'POST') {
      // Local-only: the 7 days of an uncaptured card authorisation have passed (Stripe cancels it with
      // `cancellation_reason: automatic` and sends payment_intent.canceled).
      const pi = objects.get(lapse[1]!);
      try {
        if (!pi || pi.object !== 'payment_intent') throw missing('payment_intent', lapse[1]!);
        send(response, 200, JSON.stringify(visible(expire(pi))));
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        send(response, error.status, JSON.stringify({ error: error.body }));
      }
      return true;
    }
    const redeliver = /^\/dev\/events\/([^/]+)\/deliver$/.exec(url.pathname);
    if (redeliver && request.method === 'POST') {
      const event = events.get(redeliver[1]!);
      if (!event) {
        send(response, 404, JSON.stringify({ error: { type: 'invalid_request_error', message: 'No such event' } }));
        return true;
      }
      const times = Math.min(Math.max(Number(url.searchParams.get('times') ?? '1') || 1, 1), 500);
      const before = deliveries.length;
      await Promise.all(
        Array.from({ length: times }, () => Promise.all(endpoints.map((endpoint) => deliver(event, endpoint, 5)))),
      );
      // Only this event's attempts: other events' deliveries may land in between.
      send(
        response,
        200,
        JSON.stringify({
          delivered: deliveries
            .slice(before)
            .filter((d) => d.eventId === event.id)
            .map((d) => d.status),
        }),
      );
      return true;
    }
    if (url.pathname === '/dev/webhook-deliveries') {
      send(response, 200, JSON.stringify({ deliveries }));
      return true;
    }
    return false;
  }

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (url.pathname.startsWith('/dev/')) {
        if (await handleDev(url, request, response)) return;
      }
      const body = await readBody(request);
      const authorization = request.headers.authorization ?? '';
      const presented = authorization.startsWith('Bearer ')
        ? authorization.slice(7)
        : authorization.startsWith('Basic ')
          ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0]
          : '';
      const publishable = presented === publishableKey;
      if (publishable) {
        const confirmMatch = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(url.pathname);
        const target = confirmMatch ? objects.get(confirmMatch[1]!) : undefined;
        const params = confirmMatch && request.method === 'POST' ? decodeStripeForm(body) : {};
        if (!confirmMatch || request.method !== 'POST')
          return send(
            response,
            401,
            JSON.stringify({
              error: {
                type: 'invalid_request_error',
                message: 'This API call cannot be made with a publishable API key. Please use a secret API key.',
              },
            }),
          );
        if (!target || target.object !== 'payment_intent' || params.client_secret !== target.client_secret)
          return send(response, 404, JSON.stringify({ error: missing('payment_intent', confirmMatch[1]!).body }));
      }
      if (presented !== secretKey && !publishable) {
        return send(
          response,
          401,
          JSON.stringify({
            error: {
              type: 'invalid_request_error',
              message: presented
                ? `Invalid API Key provided: ${presented.slice(0, 8)}${'*'.repeat(Math.max(0, presented.length - 12))}${presented.slice(-4)}`
                : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            },
          }),
          { 'www-authenticate': 'Bearer realm="Stripe"' },
        );
      }
      const method = request.method ?? 'GET';
      const key = request.headers['idempotency-key'];
      const idempotencyKey = typeof key === 'string' && method === 'POST' ? key : undefined;
      const fingerprint = `${method} ${url.pathname} ${body}`;
      if (idempotencyKey) {
        const previous = idempotent.get(idempotencyKey);
        if (previous) {
          if (previous.fingerprint !== fingerprint)
            return send(
              response,
              400,
              JSON.stringify({
                error: {
                  type: 'idempotency_error',
                  message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
                },
              }),
            );
          return send(response, previous.status, previous.body, {
            'idempotent-replayed': 'true',
            'idempotency-key': idempotencyKey,
          });
        }
      }
      let status = 200;
      let answer: string;
      const route = routes.find(([m, pattern]) => m === method && pattern.test(url.pathname));
      try {
        if (!route)
          throw new StripeApiError(404, {
            type: 'invalid_request_error',
            message: `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          });
        const params = method === 'GET' ? Object.fromEntries(url.searchParams) : decodeStripeForm(body);
        delete params.client_secret;
        // Everything below runs without awaiting, so concurrent requests apply one after another.
        const result = route[2](params, route[1].exec(url.pathname)!);
        answer = JSON.stringify(result.object === 'list' ? { ...visible(result), id: undefined } : visible(result));
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        status = error.status;
        answer = JSON.stringify({ error: { ...error.body, request_log_url: `${baseUrl}/dev/logs` } });
      }
      // Stripe stores the answer for the key unless the request never ran (5xx, auth errors above).
      if (idempotencyKey) idempotent.set(idempotencyKey, { fingerprint, status, body: answer });
      send(response, status, answer, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
    })().catch(() => {
      if (!response.headersSent)
        send(response, 500, JSON.stringify({ error: { type: 'api_error', message: 'The local Stripe failed.' } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : options.port}`;
  return {
    baseUrl,
    secretKey,
    publishableKey,
    webhookSecret,
    deliveries,
    env: {
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_API_BASE_URL: baseUrl,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_PUBLISHABLE_KEY: publishableKey,
    },
    addWebhookEndpoint: (url) => void endpoints.push({ url, secret: webhookSecret }),
    stop: async () => {
      stopped = true;
      stopping.abort();
      for (const end of [...retryWaits]) end(false);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...pending]);
    },
  };
}
