/**
 * Renewal of card authorisations that would lapse before capture (issue #12). Stripe keeps a manual-
 * capture card authorisation 7 days (`capture_before` on the charge, modelled by the local Stripe),
 * then cancels it (`cancellation_reason: automatic`). The renewal job, run as if 6 days later, makes a
 * new off-session authorisation with the card checkout saved on the client's customer and cancels the
 * old one; a card that needs its holder (4000002760003184 authenticates every payment) is not renewed
 * and booking is told why. Payments' own service as `rastup_payments`, the real `stripe` SDK, the local
 * Stripe and its signed webhooks; runs are limited to this file's groups (the stack is shared).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createStripePaymentProvider } from '../../lambdas/adapters/stripe-payment-provider.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { ProviderRequestError, type PaymentProvider } from '../../lambdas/core/payment-provider.ts';
import { DependencyError } from '../../lambdas/core/errors.ts';
import { StripeBookingPayments } from '../../lambdas/payments/booking-payments.service.ts';
import { paymentsRepositories } from '../../lambdas/payments/payments.repositories.ts';
import { ACT, BOOKING_FIELDS } from '../support/booking.ts';
import { payWithCard, serverStripe } from '../support/checkout.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlOk, sql } from '../support/graphql.ts';
import { checkedOutBooking } from '../support/payments.ts';

const DAY = 86_400_000;
const dbs: Database[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((db) => db.close()));
});

function realProvider(): PaymentProvider {
  const stripe = stackInfo().endpoints.stripe!;
  return createStripePaymentProvider({
    secretKey: stripe.secretKey,
    webhookSecret: stripe.webhookSecret,
    apiBaseUrl: stripe.apiUrl,
  });
}

function paymentsWith(provider: PaymentProvider = realProvider()): StripeBookingPayments {
  const url = (
    databaseConnection('payments', { DATABASE_URL: stackInfo().endpoints.databaseUrl }) as { connectionString: string }
  ).connectionString;
  const db = createDatabase({ connectionString: url, max: 6 });
  dbs.push(db);
  return new StripeBookingPayments(createUnitOfWork(db, paymentsRepositories), provider);
}

interface Authorised {
  groupId: string;
  clientUserId: string;
  intentId: string;
  customerId: string;
}

/** Checkout's authorisation for a new client, confirmed in the "browser" with `card`, applied by webhook. */
async function authorised(payments: StripeBookingPayments, card = 'pm_card_visa'): Promise<Authorised> {
  const groupId = newId('booking');
  const clientUserId = newId('user');
  const answer = await payments.authorize({
    groupId,
    clientUserId,
    amountCents: 12_500,
    currency: 'usd',
    idempotencyKey: randomUUID(),
  });
  const paid = await payWithCard(answer.paymentRef, answer.clientSecret!, card);
  expect(paid.final).toBe('requires_capture');
  const row = await eventually(async () => {
    const [found] = await sql(
      `SELECT payment_intent_id, stripe_customer_id, status, capture_before, payment_method_id
         FROM payment_authorizations WHERE group_id = $1`,
      [groupId],
    );
    return found?.status === 'authorized' && found.capture_before && found.payment_method_id ? found : null;
  });
  // Stripe's window: 7 days from the authorisation.
  expect(new Date(row.capture_before).getTime()).toBeGreaterThan(Date.now() + 6.9 * DAY);
  return { groupId, clientUserId, intentId: row.payment_intent_id, customerId: row.stripe_customer_id };
}

/** Every PaymentIntent of the client's customer at Stripe, by status. */
async function intentsAtStripe(customerId: string) {
  const list = await serverStripe().paymentIntents.list({ customer: customerId, limit: 100 });
  return list.data.map((pi) => ({ id: pi.id, status: pi.status, metadata: pi.metadata }));
}

const renewalOf = async (groupId: string) =>
  (
    await sql(
      'SELECT replaces_intent_id, new_intent_id, state, failure_reason FROM payment_reauthorizations WHERE group_id = $1',
      [groupId],
    )
  )[0];

describe('re-authorisation of holds that would lapse before capture', () => {
  it('renews off-session with the saved card: a new intent holds the money, the old one is cancelled, the ledger and outbox show it, capture takes the new one', async () => {
    const payments = paymentsWith();
    const held = await authorised(payments);
    // Nothing lapses within the margin today.
    expect((await payments.renewals.run(new Date(), [held.groupId])).renewed).toBe(0);

    const report = await payments.renewals.run(new Date(Date.now() + 6 * DAY), [held.groupId]);
    expect(report).toMatchObject({ renewed: 1, actionRequired: 0, failed: 0 });
    const [row] = await sql(
      'SELECT payment_intent_id, status, capture_before FROM payment_authorizations WHERE group_id = $1',
      [held.groupId],
    );
    expect(row.payment_intent_id).not.toBe(held.intentId);
    expect(row.status).toBe('authorized');
    const renewal = await renewalOf(held.groupId);
    expect(renewal).toMatchObject({
      replaces_intent_id: held.intentId,
      new_intent_id: row.payment_intent_id,
      state: 'replaced',
    });

    const stripe = await intentsAtStripe(held.customerId);
    expect(stripe.find((pi) => pi.id === held.intentId)?.status).toBe('canceled');
    const renewed = stripe.find((pi) => pi.id === row.payment_intent_id)!;
    expect(renewed.status).toBe('requires_capture');
    expect(renewed.metadata).toMatchObject({ group_id: held.groupId, replaces_payment_intent: held.intentId });

    // The ledger's memo entry moves the hold; the timeline's event is in the outbox.
    const [entry] = await sql(
      `SELECT e.kind, e.memo, json_agg(json_build_object('account', l.account_code, 'amount', l.amount_cents) ORDER BY l.line_no) AS lines
         FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id WHERE e.source_ref = $1 GROUP BY e.id`,
      [`reauthorization:${row.payment_intent_id}`],
    );
    expect(entry).toMatchObject({ kind: 'reauthorization', memo: `renews ${held.intentId}` });
    expect(entry.lines).toEqual([
      { account: `card_authorization:${row.payment_intent_id}`, amount: 12_500 },
      { account: `card_authorization:${held.intentId}`, amount: -12_500 },
    ]);
    const events = await sql(
      `SELECT payload FROM outbox_events WHERE type = 'payment.authorization.renewal' AND aggregate_id = $1`,
      [held.groupId],
    );
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({ groupId: held.groupId, outcome: 'renewed', reason: null }),
    ]);

    // The old intent's cancellation webhook changes nothing; the new authorisation has its own 7 days,
    // so a run now renews nothing more (one as if 6 days on would renew it in turn).
    expect((await payments.renewals.run(new Date(), [held.groupId])).renewed).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await sql('SELECT status FROM payment_authorizations WHERE group_id = $1', [held.groupId]))[0].status).toBe(
      'authorized',
    );

    expect(await payments.capture({ groupId: held.groupId, idempotencyKey: randomUUID() })).toEqual({
      status: 'captured',
    });
    const after = await intentsAtStripe(held.customerId);
    expect(after.filter((pi) => pi.status === 'succeeded').map((pi) => pi.id)).toEqual([row.payment_intent_id]);
  });

  it('a card that needs its holder off-session is not renewed: action required with a typed reason, the old hold kept until Stripe lets it lapse', async () => {
    const payments = paymentsWith();
    // 4000002760003184: authenticates on-session (3DS), and asks again for every off-session payment.
    const held = await authorised(payments, 'pm_card_threeDSecure2Required');
    const report = await payments.renewals.run(new Date(Date.now() + 6 * DAY), [held.groupId]);
    expect(report).toMatchObject({ renewed: 0, actionRequired: 1, failed: 0 });
    const renewal = await renewalOf(held.groupId);
    expect(renewal).toMatchObject({ state: 'action_required', failure_reason: 'authentication_required' });
    expect(renewal.new_intent_id).toMatch(/^pi_/);
    const [row] = await sql('SELECT payment_intent_id, status FROM payment_authorizations WHERE group_id = $1', [
      held.groupId,
    ]);
    expect(row).toEqual({ payment_intent_id: held.intentId, status: 'authorized' });
    const events = await sql(
      `SELECT payload FROM outbox_events WHERE type = 'payment.authorization.renewal' AND aggregate_id = $1`,
      [held.groupId],
    );
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({ outcome: 'action_required', reason: 'authentication_required' }),
    ]);
    // Not asked again by the next run.
    expect((await payments.renewals.run(new Date(Date.now() + 6 * DAY), [held.groupId])).actionRequired).toBe(0);

    // Stripe lets the authorisation lapse: payment_intent.canceled (automatic) voids the group.
    const lapsed = await fetch(`${stackInfo().endpoints.stripe!.apiUrl}/dev/payment_intents/${held.intentId}/expire`, {
      method: 'POST',
    });
    expect(lapsed.status).toBe(200);
    expect(await lapsed.json()).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
    await eventually(
      async () =>
        (await sql('SELECT status FROM payment_authorizations WHERE group_id = $1', [held.groupId]))[0]?.status ===
        'voided',
    );
    expect(await payments.capture({ groupId: held.groupId, idempotencyKey: randomUUID() })).toEqual({
      status: 'not_authorized',
    });
  });

  it('any other refusal of the saved card or customer (expired card, customer gone) closes the renewal as action_required card_unusable, announced; the old hold is still captured', async () => {
    const real = realProvider();
    // The local Stripe cannot expire a saved card: the adapter's mapping of such a refusal, as it throws it.
    const refusing: PaymentProvider = {
      ...real,
      verifyWebhook: real.verifyWebhook.bind(real),
      reauthorizeOffSession: async () => {
        throw new ProviderRequestError('Your card has expired.', 'expired_card', undefined);
      },
    };
    const payments = paymentsWith(refusing);
    const held = await authorised(payments);
    expect(await payments.renewals.run(new Date(Date.now() + 6 * DAY), [held.groupId])).toMatchObject({
      renewed: 0,
      actionRequired: 1,
      failed: 0,
    });
    expect(await renewalOf(held.groupId)).toMatchObject({
      state: 'action_required',
      failure_reason: 'card_unusable',
      new_intent_id: null,
    });
    const events = await sql(
      `SELECT payload FROM outbox_events WHERE type = 'payment.authorization.renewal' AND aggregate_id = $1`,
      [held.groupId],
    );
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({ outcome: 'action_required', reason: 'card_unusable' }),
    ]);
    expect(await payments.capture({ groupId: held.groupId, idempotencyKey: randomUUID() })).toEqual({
      status: 'captured',
    });
    const stripe = await intentsAtStripe(held.customerId);
    expect(stripe.find((pi) => pi.id === held.intentId)?.status).toBe('succeeded');
  });

  it('a renewal that cannot be finished (Stripe unreachable) never stops the capture of the intent the row holds; the sweep then supersedes it', async () => {
    const real = realProvider();
    let reachable = false;
    const flaky: PaymentProvider = {
      ...real,
      verifyWebhook: real.verifyWebhook.bind(real),
      reauthorizeOffSession: async (input) => {
        if (!reachable) throw new DependencyError('Stripe re-authorise PaymentIntent failed');
        return real.reauthorizeOffSession(input);
      },
    };
    const payments = paymentsWith(flaky);
    const held = await authorised(payments);
    expect(await payments.renewals.run(new Date(Date.now() + 6 * DAY), [held.groupId])).toMatchObject({ failed: 1 });
    expect(await renewalOf(held.groupId)).toMatchObject({ state: 'requested' });

    expect(await payments.capture({ groupId: held.groupId, idempotencyKey: randomUUID() })).toEqual({
      status: 'captured',
    });
    expect((await intentsAtStripe(held.customerId)).find((pi) => pi.id === held.intentId)?.status).toBe('succeeded');

    // Stripe back: the sweep finishes the renewal, finds the group captured, cancels its own intent.
    reachable = true;
    expect(await payments.renewals.run(new Date(Date.now() + 120_000), [held.groupId])).toMatchObject({
      superseded: 1,
      failed: 0,
    });
    const stripe = await intentsAtStripe(held.customerId);
    expect(stripe.filter((pi) => pi.status === 'requires_capture')).toHaveLength(0);
    expect(await renewalOf(held.groupId)).toMatchObject({ state: 'superseded' });
  });

  it('the sweep finishing a renewal after a capture began (its own finish of it failed) loses the swap: its new intent cancelled, the old one captured once', async () => {
    const real = realProvider();
    let reachable = false;
    let sweepDuringCapture: (() => Promise<unknown>) | null = null;
    const racing: PaymentProvider = {
      ...real,
      verifyWebhook: real.verifyWebhook.bind(real),
      reauthorizeOffSession: async (input) => {
        if (!reachable) throw new DependencyError('Stripe re-authorise PaymentIntent failed');
        return real.reauthorizeOffSession(input);
      },
      // The sweep runs for the group between the capture's settleFirst and its call to Stripe.
      capture: async (id, key) => {
        const sweep = sweepDuringCapture;
        sweepDuringCapture = null;
        if (sweep) await sweep();
        return real.capture(id, key);
      },
    };
    const payments = paymentsWith(racing);
    const held = await authorised(payments);
    expect(await payments.renewals.run(new Date(Date.now() + 6 * DAY), [held.groupId])).toMatchObject({ failed: 1 });

    let swept: unknown;
    sweepDuringCapture = async () => {
      reachable = true;
      swept = await payments.renewals.run(new Date(Date.now() + 120_000), [held.groupId]);
    };
    expect(await payments.capture({ groupId: held.groupId, idempotencyKey: randomUUID() })).toEqual({
      status: 'captured',
    });
    expect(swept).toMatchObject({ superseded: 1, renewed: 0, failed: 0 });
    const renewal = await renewalOf(held.groupId);
    expect(renewal).toMatchObject({ state: 'superseded', replaces_intent_id: held.intentId });
    const stripe = await intentsAtStripe(held.customerId);
    expect(stripe.find((pi) => pi.id === held.intentId)?.status).toBe('succeeded');
    expect(stripe.find((pi) => pi.id === renewal.new_intent_id)?.status).toBe('canceled');
    expect(stripe.filter((pi) => pi.status === 'requires_capture' || pi.status === 'succeeded')).toHaveLength(1);
    const [row] = await sql('SELECT payment_intent_id, status FROM payment_authorizations WHERE group_id = $1', [
      held.groupId,
    ]);
    expect(row).toMatchObject({ payment_intent_id: held.intentId, status: 'captured' });
    expect(
      (
        await sql(`SELECT count(*)::int AS n FROM journal_entries WHERE group_id = $1 AND kind = 'reauthorization'`, [
          held.groupId,
        ])
      )[0].n,
    ).toBe(0);
  });

  it('a crash after Stripe answered, or before the old intent was cancelled, is finished by the next run with the same key: one new intent, one live authorisation', async () => {
    const real = realProvider();
    let crash: 'reauthorize' | 'cancel' | null = 'reauthorize';
    const crashing: PaymentProvider = {
      ...real,
      verifyWebhook: real.verifyWebhook.bind(real),
      reauthorizeOffSession: async (input) => {
        const answer = await real.reauthorizeOffSession(input);
        if (crash === 'reauthorize') {
          crash = null;
          throw new Error('process died after Stripe answered');
        }
        return answer;
      },
      cancel: async (id, reason, key) => {
        if (crash === 'cancel') {
          crash = null;
          throw new Error('process died before asking Stripe');
        }
        return real.cancel(id, reason, key);
      },
    };
    const payments = paymentsWith(crashing);
    const held = await authorised(payments);
    const later = Date.now() + 6 * DAY;
    expect(await payments.renewals.run(new Date(later), [held.groupId])).toMatchObject({ renewed: 0, failed: 1 });
    expect(await renewalOf(held.groupId)).toMatchObject({ state: 'requested', new_intent_id: null });

    // The next run finishes it, and this time dies after the swap, before the old intent is cancelled.
    crash = 'cancel';
    // Runs as if minutes from now: only the open renewal is due (the new authorisation has 7 days).
    expect(await payments.renewals.run(new Date(Date.now() + 120_000), [held.groupId])).toMatchObject({ failed: 1 });
    const mid = await intentsAtStripe(held.customerId);
    expect(mid.filter((pi) => pi.status === 'requires_capture')).toHaveLength(2);
    expect(await renewalOf(held.groupId)).toMatchObject({ state: 'requested' });

    expect(await payments.renewals.run(new Date(Date.now() + 240_000), [held.groupId])).toMatchObject({
      renewed: 1,
      failed: 0,
    });
    const stripe = await intentsAtStripe(held.customerId);
    // Stripe replayed the first answer: one renewal intent, and only it is live.
    expect(stripe).toHaveLength(2);
    expect(stripe.filter((pi) => pi.status === 'requires_capture')).toHaveLength(1);
    const [row] = await sql('SELECT payment_intent_id FROM payment_authorizations WHERE group_id = $1', [held.groupId]);
    expect(stripe.find((pi) => pi.status === 'requires_capture')!.id).toBe(row.payment_intent_id);
    expect(await renewalOf(held.groupId)).toMatchObject({ state: 'replaced', new_intent_id: row.payment_intent_id });
    expect(
      (
        await sql(`SELECT count(*)::int AS n FROM journal_entries WHERE group_id = $1 AND kind = 'reauthorization'`, [
          held.groupId,
        ])
      )[0].n,
    ).toBe(1);
  });

  it('a renewal resumed after Stripe answered reads the recorded intent back: no third hold once the idempotency key has expired', async () => {
    const real = realProvider();
    let crashCancel = true;
    const answered = new Set<string>();
    const expiring: PaymentProvider = {
      ...real,
      verifyWebhook: real.verifyWebhook.bind(real),
      // Stripe forgets a key after 24 h: a repeat under it makes a new PaymentIntent.
      reauthorizeOffSession: async (input) => {
        const key = answered.has(input.idempotencyKey) ? `${input.idempotencyKey}:expired` : input.idempotencyKey;
        answered.add(input.idempotencyKey);
        return real.reauthorizeOffSession({ ...input, idempotencyKey: key });
      },
      cancel: async (id, reason, key) => {
        if (crashCancel) {
          crashCancel = false;
          throw new Error('process died before asking Stripe');
        }
        return real.cancel(id, reason, key);
      },
    };
    const payments = paymentsWith(expiring);
    const held = await authorised(payments);
    expect(await payments.renewals.run(new Date(Date.now() + 6 * DAY), [held.groupId])).toMatchObject({ failed: 1 });
    expect(await renewalOf(held.groupId)).toMatchObject({
      state: 'requested',
      new_intent_id: expect.stringMatching(/^pi_/),
    });

    expect(await payments.renewals.run(new Date(Date.now() + 120_000), [held.groupId])).toMatchObject({
      renewed: 1,
      failed: 0,
    });
    const stripe = await intentsAtStripe(held.customerId);
    expect(stripe).toHaveLength(2);
    const [row] = await sql('SELECT payment_intent_id FROM payment_authorizations WHERE group_id = $1', [held.groupId]);
    expect(stripe.filter((pi) => pi.status === 'requires_capture').map((pi) => pi.id)).toEqual([row.payment_intent_id]);
  });

  it('a capture or void that finds a renewal under way (its job died after Stripe answered) finishes it first, then acts on the live intent', async () => {
    const real = realProvider();
    let crashes = 2;
    const crashing: PaymentProvider = {
      ...real,
      verifyWebhook: real.verifyWebhook.bind(real),
      reauthorizeOffSession: async (input) => {
        const answer = await real.reauthorizeOffSession(input);
        if (crashes > 0) {
          crashes--;
          throw new Error('process died after Stripe answered');
        }
        return answer;
      },
    };
    const jobs = paymentsWith(crashing);
    const payments = paymentsWith();
    const [toCapture, toVoid] = await Promise.all([authorised(payments), authorised(payments)]);
    const later = new Date(Date.now() + 6 * DAY);
    expect(await jobs.renewals.run(later, [toCapture.groupId, toVoid.groupId])).toMatchObject({ failed: 2 });

    expect(await payments.capture({ groupId: toCapture.groupId, idempotencyKey: randomUUID() })).toEqual({
      status: 'captured',
    });
    const captured = await intentsAtStripe(toCapture.customerId);
    const renewal = await renewalOf(toCapture.groupId);
    expect(renewal.state).toBe('replaced');
    expect(captured.find((pi) => pi.id === renewal.new_intent_id)?.status).toBe('succeeded');
    expect(captured.find((pi) => pi.id === toCapture.intentId)?.status).toBe('canceled');

    await payments.void({ groupId: toVoid.groupId, reason: 'declined', idempotencyKey: randomUUID() });
    const voided = await intentsAtStripe(toVoid.customerId);
    expect(voided).toHaveLength(2);
    expect(voided.every((pi) => pi.status === 'canceled')).toBe(true);
    expect(
      (await sql('SELECT status FROM payment_authorizations WHERE group_id = $1', [toVoid.groupId]))[0].status,
    ).toBe('voided');
  });

  it('the job racing captures on acceptance: exactly one capture and no other live authorisation, every time', async () => {
    const payments = paymentsWith();
    const groups = await Promise.all(Array.from({ length: 6 }, () => authorised(payments)));
    const later = new Date(Date.now() + 6 * DAY);
    const ids = groups.map((g) => g.groupId);
    await Promise.all([
      payments.renewals.run(later, ids),
      payments.renewals.run(later, ids),
      ...groups.flatMap((g) => [
        payments.capture({ groupId: g.groupId, idempotencyKey: randomUUID() }),
        payments.capture({ groupId: g.groupId, idempotencyKey: randomUUID() }),
      ]),
    ]);
    // A crash-free run leaves nothing open; the next run finds nothing to do.
    expect(await payments.renewals.run(new Date(later.getTime() + 3_600_000), ids)).toMatchObject({
      renewed: 0,
      failed: 0,
    });
    for (const g of groups) {
      const [row] = await sql('SELECT payment_intent_id, status FROM payment_authorizations WHERE group_id = $1', [
        g.groupId,
      ]);
      expect(row.status).toBe('captured');
      const stripe = await intentsAtStripe(g.customerId);
      expect(stripe.filter((pi) => pi.status === 'succeeded').map((pi) => pi.id)).toEqual([row.payment_intent_id]);
      expect(stripe.filter((pi) => pi.status !== 'succeeded' && pi.status !== 'canceled')).toEqual([]);
      expect(
        (
          await sql(`SELECT count(*)::int AS n FROM journal_entries WHERE group_id = $1 AND kind = 'capture'`, [
            g.groupId,
          ])
        )[0].n,
      ).toBe(1);
    }
  });

  it('a booking requested long before acceptance: renewed while REQUESTED, on the order timeline, and the acceptance captures the renewed authorisation', async () => {
    const booked = await checkedOutBooking();
    const [before] = await eventually(async () => {
      const rows = await sql(
        'SELECT payment_intent_id, status, capture_before FROM payment_authorizations WHERE group_id = $1',
        [booked.groupId],
      );
      return rows[0]?.status === 'authorized' && rows[0].capture_before ? rows : null;
    });
    expect(before.payment_intent_id).toBe(booked.paymentRef);
    const payments = paymentsWith();
    expect(await payments.renewals.run(new Date(Date.now() + 6 * DAY), [booked.groupId])).toMatchObject({
      renewed: 1,
    });
    const timeline = async () =>
      (
        await gqlOk(booked.client.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, {
          id: booked.groupId,
        })
      ).booking.timeline.map((e: { action: string; by: string }) => `${e.action}:${e.by}`);
    await eventually(async () => (await timeline()).includes('PAYMENT_REAUTHORIZED:SYSTEM'));

    const accepted = (
      await gqlOk(booked.provider.token, ACT, {
        input: { idempotencyKey: randomUUID(), groupId: booked.groupId, action: 'ACCEPT' },
      })
    ).actOnBooking;
    expect(accepted).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'CAPTURED' });
    const [after] = await sql('SELECT payment_intent_id, status FROM payment_authorizations WHERE group_id = $1', [
      booked.groupId,
    ]);
    expect(after.payment_intent_id).not.toBe(booked.paymentRef);
    expect((await serverStripe().paymentIntents.retrieve(after.payment_intent_id)).status).toBe('succeeded');
    expect((await serverStripe().paymentIntents.retrieve(booked.paymentRef)).status).toBe('canceled');
  });

  it('a capture while the client is still in 3DS answers not_authorized without marking the group settled: renewed once the client authorises', async () => {
    const payments = paymentsWith();
    const groupId = newId('booking');
    const answer = await payments.authorize({
      groupId,
      clientUserId: newId('user'),
      amountCents: 12_500,
      currency: 'usd',
      idempotencyKey: randomUUID(),
    });
    expect(await payments.capture({ groupId, idempotencyKey: randomUUID() })).toEqual({ status: 'not_authorized' });
    const settle = async () =>
      (await sql('SELECT settle_requested_at FROM payment_authorizations WHERE group_id = $1', [groupId]))[0]
        .settle_requested_at;
    expect(await settle()).toBeNull();

    expect((await payWithCard(answer.paymentRef, answer.clientSecret!, 'pm_card_visa')).final).toBe('requires_capture');
    await eventually(async () => {
      const [row] = await sql(
        'SELECT status, capture_before, payment_method_id FROM payment_authorizations WHERE group_id = $1',
        [groupId],
      );
      return row?.status === 'authorized' && row.capture_before && row.payment_method_id ? row : null;
    });
    expect(await payments.renewals.run(new Date(Date.now() + 6 * DAY), [groupId])).toMatchObject({ renewed: 1 });
  });

  it('runs as the scheduled job on the local stack (/dev/jobs/payments-reauthorize)', async () => {
    const { endpoints } = stackInfo();
    const response = await fetch(`${endpoints.restUrl}/dev/jobs/payments-reauthorize`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ renewed: expect.any(Number), failed: expect.any(Number) });
  });
});
