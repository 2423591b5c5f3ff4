/**
 * Payments on the local stack: the real `stripe` SDK against the loopback Stripe stand-in, the
 * payments services logged in as `rastup_payments` on the stack's PostgreSQL, and Stripe's signed
 * webhooks arriving at the gateway's `/payments/stripe/webhook` route.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createStripePaymentProvider } from '../../lambdas/adapters/stripe-payment-provider.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { StripeBookingPayments } from '../../lambdas/payments/booking-payments.service.ts';
import { paymentsRepositories } from '../../lambdas/payments/payments.repositories.ts';
import { PayoutsService } from '../../lambdas/payments/payouts.service.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { startStripeFake, type RunningStripeFake } from '../../infra/local/fakes/stripe-fake.ts';
import { stackInfo } from '../support/clients.ts';

const { endpoints } = stackInfo();
const stripeInfo = endpoints.stripe!;
const webhookUrl = `${endpoints.restUrl}/payments/stripe/webhook`;

function sdk(apiUrl: string, key: string): Stripe {
  const url = new URL(apiUrl);
  return new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
}

let admin: Database;
let asPayments: Database;
let payments: StripeBookingPayments;
let payouts: PayoutsService;
let stripe: Stripe;

beforeAll(() => {
  admin = createDatabase({ connectionString: endpoints.databaseUrl, max: 2 });
  asPayments = createDatabase({
    connectionString: (
      databaseConnection('payments', { DATABASE_URL: endpoints.databaseUrl }) as { connectionString: string }
    ).connectionString,
    max: 8,
  });
  const provider = createStripePaymentProvider({
    secretKey: stripeInfo.secretKey,
    webhookSecret: stripeInfo.webhookSecret,
    apiBaseUrl: stripeInfo.apiUrl,
  });
  const db = createUnitOfWork(asPayments, paymentsRepositories);
  payments = new StripeBookingPayments(db, provider);
  payouts = new PayoutsService(db, provider, systemClock, 'http://localhost:3000');
  stripe = sdk(stripeInfo.apiUrl, stripeInfo.secretKey);
});

afterAll(async () => {
  await asPayments?.close();
  await admin?.close();
});

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function authorization(groupId: string) {
  const result = await admin.query<{
    status: string;
    captured_cents: string;
    refunded_cents: string;
    payment_intent_id: string;
  }>(
    'SELECT status, captured_cents, refunded_cents, payment_intent_id FROM payment_authorizations WHERE group_id = $1',
    [groupId],
  );
  return result.rows[0];
}

async function journalCount(sourceRef: string): Promise<number> {
  const result = await admin.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM journal_entries WHERE source_ref = $1',
    [sourceRef],
  );
  return result.rows[0]!.n;
}

/** A group authorised with a card the way the client's browser does it (confirm with the client secret). */
async function authorizedGroup(amountCents = 25_000, paymentMethod = 'pm_card_visa') {
  const groupId = `grp_${randomUUID()}`;
  const answer = await payments.authorize({
    groupId,
    clientUserId: 'usr_client',
    amountCents,
    currency: 'usd',
    idempotencyKey: randomUUID(),
  });
  expect(answer.status).toBe('requires_action');
  expect(answer.clientSecret).toMatch(/^pi_.+_secret_/);
  // Stripe.js in the browser: the publishable key may confirm only with the PaymentIntent's client secret.
  const browser = sdk(stripeInfo.apiUrl, stripeInfo.publishableKey);
  const confirmed = await browser.paymentIntents.confirm(answer.paymentRef, {
    payment_method: paymentMethod,
    client_secret: answer.clientSecret,
  } as Stripe.PaymentIntentConfirmParams);
  return { groupId, paymentRef: answer.paymentRef, confirmed };
}

describe('authorisation, capture and the ledger', () => {
  it('authorises through the client secret; the signed webhook moves the group to authorized', async () => {
    const { groupId, confirmed } = await authorizedGroup();
    expect(confirmed.status).toBe('requires_capture');
    await until('authorized', async () => (await authorization(groupId))?.status === 'authorized');
    // A retried authorize with another key answers the same PaymentIntent.
    const again = await payments.authorize({
      groupId,
      clientUserId: 'usr_client',
      amountCents: 25_000,
      currency: 'usd',
      idempotencyKey: randomUUID(),
    });
    expect(again).toEqual({ paymentRef: confirmed.id, status: 'authorized' });
  });

  it('100 concurrent duplicate captures capture once and write one ledger entry', async () => {
    const { groupId, paymentRef } = await authorizedGroup(31_500);
    await until('authorized', async () => (await authorization(groupId))?.status === 'authorized');
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => payments.capture({ groupId, idempotencyKey: randomUUID() })),
    );
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set(['captured']));
    const intent = await stripe.paymentIntents.retrieve(paymentRef);
    expect(intent.status).toBe('succeeded');
    expect(intent.amount_received).toBe(31_500);
    // The capture's own webhooks arrive as well; still one entry.
    await until('payment_intent.succeeded stored', async () => {
      const result = await admin.query(
        "SELECT 1 FROM stripe_events WHERE object_id = $1 AND type = 'payment_intent.succeeded'",
        [paymentRef],
      );
      return (result.rowCount ?? 0) > 0;
    });
    expect(await journalCount(`capture:${paymentRef}`)).toBe(1);
    const row = await authorization(groupId);
    expect(row).toMatchObject({ status: 'captured' });
    expect(Number(row!.captured_cents)).toBe(31_500);
  });

  it('a 3DS card answers requires_action; capture refuses until the challenge is passed', async () => {
    const { groupId, confirmed } = await authorizedGroup(12_000, 'pm_card_threeDSecure2Required');
    expect(confirmed.status).toBe('requires_action');
    expect(confirmed.next_action?.type).toBe('redirect_to_url');
    expect(await payments.capture({ groupId, idempotencyKey: randomUUID() })).toEqual({ status: 'not_authorized' });
    // The bank's challenge page (what the redirect shows the cardholder), passed.
    const page = await fetch(confirmed.next_action!.redirect_to_url!.url!, { redirect: 'manual' });
    expect(page.status).toBeLessThan(400);
    expect(await payments.capture({ groupId, idempotencyKey: randomUUID() })).toEqual({ status: 'captured' });
  });

  it('a declined card is a card_error at Stripe and leaves the group declined, not authorised', async () => {
    const groupId = `grp_${randomUUID()}`;
    const answer = await payments.authorize({
      groupId,
      clientUserId: 'usr_client',
      amountCents: 9_900,
      currency: 'usd',
      idempotencyKey: randomUUID(),
    });
    const browser = sdk(stripeInfo.apiUrl, stripeInfo.publishableKey);
    const failure = await browser.paymentIntents
      .confirm(answer.paymentRef, {
        payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
        client_secret: answer.clientSecret,
      } as Stripe.PaymentIntentConfirmParams)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((failure as Stripe.errors.StripeCardError).decline_code).toBe('insufficient_funds');
    await until('declined', async () => (await authorization(groupId))?.status === 'declined');
    expect(await payments.capture({ groupId, idempotencyKey: randomUUID() })).toEqual({ status: 'not_authorized' });
  });

  it('void cancels the PaymentIntent (hold expired); a later capture is refused', async () => {
    const { groupId, paymentRef } = await authorizedGroup(5_000);
    await payments.void({ groupId, reason: 'expired', idempotencyKey: randomUUID() });
    await payments.void({ groupId, reason: 'expired', idempotencyKey: randomUUID() });
    expect((await stripe.paymentIntents.retrieve(paymentRef)).status).toBe('canceled');
    expect(await authorization(groupId)).toMatchObject({ status: 'voided' });
    expect(await payments.capture({ groupId, idempotencyKey: randomUUID() })).toEqual({ status: 'not_authorized' });
  });
});

describe('refunds and webhook deliveries', () => {
  it('100 concurrent deliveries of the same webhook event store it once and write one ledger entry', async () => {
    const { groupId, paymentRef } = await authorizedGroup(40_000);
    expect((await payments.capture({ groupId, idempotencyKey: 'c1' })).status).toBe('captured');
    const key = randomUUID();
    // A retried refund (same key) refunds once.
    await Promise.all([
      payments.refund({ groupId, amountCents: 15_000, reason: 'cancelled by client', idempotencyKey: key }),
      payments.refund({ groupId, amountCents: 15_000, reason: 'cancelled by client', idempotencyKey: key }),
    ]);
    const refunds = await admin.query<{ id: string }>('SELECT id FROM payment_refunds WHERE group_id = $1', [groupId]);
    expect(refunds.rows).toHaveLength(1);
    const refundId = refunds.rows[0]!.id;
    const event = await until('refund.created stored', async () => {
      const result = await admin.query<{ id: string }>(
        "SELECT id FROM stripe_events WHERE object_id = $1 AND type = 'refund.created'",
        [refundId],
      );
      return result.rows[0]?.id;
    });
    const redelivered = await fetch(`${stripeInfo.apiUrl}/dev/events/${event}/deliver?times=100`, { method: 'POST' });
    const { delivered } = (await redelivered.json()) as { delivered: number[] };
    expect(delivered).toHaveLength(100);
    expect(new Set(delivered)).toEqual(new Set([200]));
    const stored = await admin.query('SELECT 1 FROM stripe_events WHERE id = $1', [event]);
    expect(stored.rowCount).toBe(1);
    expect(await journalCount(`refund:${refundId}`)).toBe(1);
    expect(await journalCount(`capture:${paymentRef}`)).toBe(1);
    await until(
      'charge.refunded applied',
      async () => Number((await authorization(groupId))?.refunded_cents) === 15_000,
    );
    // More than what is left is refused before Stripe is asked.
    await expect(
      payments.refund({ groupId, amountCents: 25_001, reason: 'too much', idempotencyKey: randomUUID() }),
    ).rejects.toMatchObject({ code: 'PAYMENTS.INVALID_STATE' });
  });

  it('a refund Stripe refused is asked again under a new attempt key with the same caller key (no replayed refusal)', async () => {
    const { groupId } = await authorizedGroup(30_000);
    expect((await payments.capture({ groupId, idempotencyKey: 'c' })).status).toBe('captured');
    const key = randomUUID();
    const refund = () => payments.refund({ groupId, amountCents: 10_000, reason: 'cancelled', idempotencyKey: key });

    // Stripe refuses the first attempt (the PaymentIntent is unknown to it), and nothing moves.
    const real = (await authorization(groupId))!.payment_intent_id;
    await admin.query('UPDATE payment_authorizations SET payment_intent_id = $2 WHERE group_id = $1', [
      groupId,
      'pi_gone',
    ]);
    await expect(refund()).rejects.toMatchObject({ code: 'PAYMENTS.INVALID_STATE' });
    await admin.query('UPDATE payment_authorizations SET payment_intent_id = $2 WHERE group_id = $1', [groupId, real]);

    // The cause gone, the caller's retry (several at once, same key) refunds once, under attempt 2's key.
    await Promise.all(Array.from({ length: 5 }, refund));
    const refunds = await admin.query('SELECT 1 FROM payment_refunds WHERE group_id = $1', [groupId]);
    expect(refunds.rowCount).toBe(1);
    expect((await stripe.refunds.list({ payment_intent: real })).data.map((r) => r.amount)).toEqual([10_000]);
    const requests = await admin.query<{ idempotency_key: string; refused: boolean }>(
      `SELECT idempotency_key, stripe_object_id = 'refused' AS refused FROM payment_money_requests
        WHERE group_id = $1 AND kind = 'refund' ORDER BY created_at`,
      [groupId],
    );
    expect(requests.rows).toEqual([
      { idempotency_key: `rastup:refund:${groupId}:${key}`, refused: true },
      { idempotency_key: `rastup:refund:${groupId}:${key}:attempt-2`, refused: false },
    ]);
  });

  describe('events delivered out of order', () => {
    let detached: RunningStripeFake;
    beforeAll(async () => {
      // A Stripe with no webhook endpoint: this test delivers its events itself, in the order it chooses.
      detached = await startStripeFake();
    });
    afterAll(() => detached?.stop());

    it('charge.refunded before payment_intent.succeeded ends captured with the refund recorded', async () => {
      const provider = createStripePaymentProvider({
        secretKey: detached.secretKey,
        webhookSecret: detached.webhookSecret,
        apiBaseUrl: detached.baseUrl,
      });
      const own = new StripeBookingPayments(createUnitOfWork(asPayments, paymentsRepositories), provider);
      const detachedSdk = sdk(detached.baseUrl, detached.secretKey);
      const groupId = `grp_${randomUUID()}`;
      const { paymentRef } = await own.authorize({
        groupId,
        clientUserId: 'usr_client',
        amountCents: 20_000,
        currency: 'usd',
        idempotencyKey: 'a',
      });
      await detachedSdk.paymentIntents.confirm(paymentRef, { payment_method: 'pm_card_visa' });
      await detachedSdk.paymentIntents.capture(paymentRef);
      await detachedSdk.refunds.create({ payment_intent: paymentRef, amount: 5_000 });
      const events = (await detachedSdk.events.list({ limit: 100 })).data.filter((event) => {
        const object = event.data.object as { id: string; payment_intent?: string };
        return object.id === paymentRef || object.payment_intent === paymentRef;
      });
      // Newest first from the list: deliver in that (reverse) order — refund news before the capture news.
      const types = events.map((event) => event.type);
      expect(types.indexOf('charge.refunded')).toBeLessThan(types.indexOf('payment_intent.succeeded'));
      for (const event of events) {
        const payload = JSON.stringify(event);
        const response = await fetch(webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: stripeInfo.webhookSecret }),
          },
          body: payload,
        });
        expect(response.status).toBe(200);
      }
      const row = await authorization(groupId);
      expect(row).toMatchObject({ status: 'captured' });
      expect(Number(row!.captured_cents)).toBe(20_000);
      expect(Number(row!.refunded_cents)).toBe(5_000);
      expect(await journalCount(`capture:${paymentRef}`)).toBe(1);
      const refund = await admin.query<{ id: string }>('SELECT id FROM payment_refunds WHERE group_id = $1', [groupId]);
      expect(refund.rows).toHaveLength(1);
      expect(await journalCount(`refund:${refund.rows[0]!.id}`)).toBe(1);
      // Delivering the oldest (requires_payment_method) again changes nothing: state only moves forward.
      const oldest = events.at(-1)!;
      const payload = JSON.stringify({ ...oldest, id: `evt_replay${randomUUID().replace(/-/g, '')}` });
      await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: stripeInfo.webhookSecret }),
        },
        body: payload,
      });
      expect(await authorization(groupId)).toMatchObject({ status: 'captured' });
    });
  });

  it('a webhook with a bad or stale signature gets 400 and changes nothing', async () => {
    const payload = JSON.stringify({
      id: `evt_forged${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'pi_forged', object: 'payment_intent', metadata: {} } },
    });
    const before = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM stripe_events');
    const attempts = [
      Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_wrongsecret' }),
      Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: stripeInfo.webhookSecret,
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      }),
      't=1,v1=deadbeef',
      undefined,
    ];
    for (const signature of attempts) {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
        body: payload,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYMENTS.INVALID_SIGNATURE');
    }
    const after = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM stripe_events');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});

describe('Connect payouts', () => {
  it('onboarding through the account link turns the account ACTIVE (account.updated); one transfer per leg', async () => {
    const payee = `usr_payee${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const caller = {
      kind: 'user' as const,
      userId: payee,
      roles: ['provider' as const],
      amr: ['pwd'],
      authTime: undefined,
      sessionId: undefined,
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    };
    expect((await payouts.accountStatus(caller)).status).toBe('NOT_STARTED');
    const link = await payouts.onboardingLink(caller);
    expect((await payouts.accountStatus(caller)).status).toBe('PENDING');
    // The provider completes Stripe's hosted onboarding; Stripe says so with account.updated.
    const page = await fetch(link.url, { redirect: 'manual' });
    expect(page.status).toBe(302);
    await until('ACTIVE', async () => (await payouts.accountStatus(caller)).status === 'ACTIVE');
    // Changing where the money goes now needs a recent second factor.
    await expect(payouts.onboardingLink(caller)).rejects.toMatchObject({ code: 'AUTH.STEP_UP_REQUIRED' });

    const { groupId } = await authorizedGroup(22_000);
    expect((await payments.capture({ groupId, idempotencyKey: 'c' })).status).toBe('captured');
    const leg = { groupId, legId: 'leg-1', payeeUserId: payee, payeeCents: 20_000, feeCents: 2_000, taxCents: 0 };
    const transfers = await Promise.all(Array.from({ length: 20 }, () => payouts.transferLeg(leg)));
    expect(new Set(transfers.map((transfer) => transfer.transferId)).size).toBe(1);
    const transfer = await stripe.transfers.retrieve(transfers[0]!.transferId);
    expect(transfer).toMatchObject({ amount: 20_000, transfer_group: groupId });
    expect(await journalCount(`transfer:${transfer.id}`)).toBe(1);
    expect(await journalCount(`release:${groupId}:leg-1`)).toBe(1);
  });

  it('a transfer Stripe refused is asked again under a new attempt key once the cause is gone (no replayed refusal)', async () => {
    const payee = `usr_payee${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const caller = {
      kind: 'user' as const,
      userId: payee,
      roles: ['provider' as const],
      amr: ['pwd'],
      authTime: undefined,
      sessionId: undefined,
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    };
    const link = await payouts.onboardingLink(caller);
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(302);
    await until('ACTIVE', async () => (await payouts.accountStatus(caller)).status === 'ACTIVE');
    const { groupId } = await authorizedGroup(22_000);
    expect((await payments.capture({ groupId, idempotencyKey: 'c' })).status).toBe('captured');
    const leg = { groupId, legId: 'leg-1', payeeUserId: payee, payeeCents: 20_000, feeCents: 2_000, taxCents: 0 };

    // Stripe refuses the first attempt (the destination is unknown to it), and nothing moves.
    const account = await admin.query<{ stripe_account_id: string }>(
      'SELECT stripe_account_id FROM payout_accounts WHERE user_id = $1',
      [payee],
    );
    const real = account.rows[0]!.stripe_account_id;
    await admin.query('UPDATE payout_accounts SET stripe_account_id = $2 WHERE user_id = $1', [payee, 'acct_gone']);
    await expect(payouts.transferLeg(leg)).rejects.toMatchObject({ code: 'PAYMENTS.INVALID_STATE' });
    await admin.query('UPDATE payout_accounts SET stripe_account_id = $2 WHERE user_id = $1', [payee, real]);

    // The cause fixed, a retry (several at once) makes one transfer under the second attempt's key.
    const transfers = await Promise.all(Array.from({ length: 5 }, () => payouts.transferLeg(leg)));
    expect(new Set(transfers.map((transfer) => transfer.transferId)).size).toBe(1);
    expect((await stripe.transfers.list({ transfer_group: groupId })).data.map((t) => t.amount)).toEqual([20_000]);
    const requests = await admin.query<{ idempotency_key: string; stripe_object_id: string | null; open: boolean }>(
      `SELECT idempotency_key, stripe_object_id, completed_at IS NULL AS open FROM payment_money_requests
        WHERE group_id = $1 AND kind = 'transfer' ORDER BY created_at`,
      [groupId],
    );
    expect(requests.rows).toEqual([
      { idempotency_key: `rastup:transfer:${groupId}:leg-1`, stripe_object_id: 'refused', open: false },
      {
        idempotency_key: `rastup:transfer:${groupId}:leg-1:attempt-2`,
        stripe_object_id: transfers[0]!.transferId,
        open: false,
      },
    ]);
    expect(await journalCount(`transfer:${transfers[0]!.transferId}`)).toBe(1);
  });
});
