/**
 * A crash between recording a money step and recording Stripe's answer (issue #12): no transaction
 * is held across the Stripe call, so a process that dies after Stripe moved the money but before the
 * outcome was written leaves a marker (booking_groups.payment_pending, payment_money_requests). The
 * "crash" here is the process dying right after Stripe answered: the real `stripe` SDK against the
 * local Stripe stand-in does the work, then the adapter throws before anything is recorded. The retry
 * (the client's next CONFIRM over GraphQL) or the sweep (`/dev/jobs/booking-expiry`) finishes it with
 * the stored Idempotency-Key: Stripe replays its first answer, so one capture and one transfer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createStripePaymentProvider } from '../../lambdas/adapters/stripe-payment-provider.ts';
import { bookingRepositories } from '../../lambdas/booking/booking.repositories.ts';
import { BookingService } from '../../lambdas/booking/booking.service.ts';
import type { Caller } from '../../lambdas/core/identity.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { newId } from '../../lambdas/core/ids.ts';
import type { PaymentProvider } from '../../lambdas/core/payment-provider.ts';
import { StripeBookingPayments } from '../../lambdas/payments/booking-payments.service.ts';
import { paymentsRepositories } from '../../lambdas/payments/payments.repositories.ts';
import { PayoutsService } from '../../lambdas/payments/payouts.service.ts';
import { ACT, BOOKING_FIELDS, publishedProfile, REQUEST } from '../support/booking.ts';
import {
  CONFIRM_CHECKOUT,
  moneyTrail,
  onboardPayee,
  openSoon,
  payWithCard,
  QUOTE,
  serverStripe,
  soon,
  withPackage,
} from '../support/checkout.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

const dbs: Database[] = [];
function database(role: 'booking' | 'payments'): Database {
  const url = (
    databaseConnection(role, { DATABASE_URL: stackInfo().endpoints.databaseUrl }) as { connectionString: string }
  ).connectionString;
  const db = createDatabase({ connectionString: url, max: 4 });
  dbs.push(db);
  return db;
}

/** The real provider, except that the named call dies right after Stripe answered (once). */
function crashingAfter(call: 'capture' | 'transfer' | 'cancel'): PaymentProvider {
  const stripe = stackInfo().endpoints.stripe!;
  const real = createStripePaymentProvider({
    secretKey: stripe.secretKey,
    webhookSecret: stripe.webhookSecret,
    apiBaseUrl: stripe.apiUrl,
  });
  let crashed = false;
  const crashOnce = <T>(answer: T): T => {
    if (crashed) return answer;
    crashed = true;
    throw new Error('process died after Stripe answered');
  };
  return {
    ...real,
    verifyWebhook: real.verifyWebhook.bind(real),
    capture: async (id, key) => {
      const answer = await real.capture(id, key);
      return call === 'capture' ? crashOnce(answer) : answer;
    },
    transfer: async (input) => {
      const answer = await real.transfer(input);
      return call === 'transfer' ? crashOnce(answer) : answer;
    },
    cancel: async (id, reason, key) => {
      const answer = await real.cancel(id, reason, key);
      return call === 'cancel' ? crashOnce(answer) : answer;
    },
  };
}

/** A booking service like the stack's, its payments port on the crashing provider. */
function crashingBooking(call: 'capture' | 'transfer' | 'cancel'): BookingService {
  return bookingWith(crashingAfter(call));
}

function realProvider(): PaymentProvider {
  const stripe = stackInfo().endpoints.stripe!;
  return createStripePaymentProvider({
    secretKey: stripe.secretKey,
    webhookSecret: stripe.webhookSecret,
    apiBaseUrl: stripe.apiUrl,
  });
}

/** A booking service like the stack's, its payments port on `provider`. */
function bookingWith(provider: PaymentProvider): BookingService {
  const payments = createUnitOfWork(database('booking'), paymentsRepositories);
  const port = new StripeBookingPayments(
    payments,
    provider,
    new PayoutsService(payments, provider, systemClock, 'about:blank'),
  );
  return new BookingService(createUnitOfWork(database('booking'), bookingRepositories), port, systemClock);
}

const userCaller = (userId: string, role: 'client' | 'provider'): Caller => ({
  kind: 'user',
  userId,
  roles: [role],
  amr: ['pwd'],
  authTime: undefined,
  sessionId: undefined,
  expiresAt: Math.floor(Date.now() / 1000) + 600,
});

async function party(role: 'client' | 'provider') {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles: [role] }) };
}

/** The charge.captured / transfer.created events Stripe emitted for an object (each is one movement). */
async function stripeEvents(type: string, match: (object: Record<string, unknown>) => boolean): Promise<number> {
  const events = await serverStripe().events.list({ type, limit: 100 });
  return events.data.filter((event: Stripe.Event) => match(event.data.object as unknown as Record<string, unknown>))
    .length;
}

const sweep = async (minutesAhead: number) => {
  const at = new Date(Date.now() + minutesAhead * 60_000).toISOString();
  const job = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/booking-expiry?now=${encodeURIComponent(at)}`);
  expect(job.status).toBe(200);
};

afterAll(async () => {
  await Promise.all(dbs.map((db) => db.close()));
});

describe('a crash between a money step and its recording', () => {
  it('capture: Stripe captured, the process died; the client’s retry confirms with one capture; release: the sweep finishes one transfer', async () => {
    const provider = await party('provider');
    const profileId = await publishedProfile(provider.userId);
    await withPackage(profileId, 20_000);
    await openSoon(provider.token, profileId);
    await onboardPayee(provider.token);
    const client = await party('client');
    const legs = [{ legId: 'shoot', profileId, packageName: 'Headshots' }];
    const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
    const group = (
      await gqlOk(client.token, REQUEST, {
        input: { idempotencyKey: `req-${newId('request')}`, profileId, startsAt: soon(), durationMinutes: 60 },
      })
    ).requestBooking;
    const payment = (
      await gqlOk(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } })
    ).confirmCheckout;
    // Accepted before the card: the hold waits for the client's CONFIRM (the step that captures).
    await gqlOk(provider.token, ACT, {
      input: { idempotencyKey: newId('request'), groupId: group.id, action: 'ACCEPT' },
    });
    await payWithCard(payment.paymentRef, payment.clientSecret, 'pm_card_threeDSecure2Required');

    // CONFIRM dies after Stripe captured: nothing recorded but the marker; Stripe has the money.
    await expect(
      crashingBooking('capture').act(userCaller(client.userId, 'client'), {
        idempotencyKey: newId('request'),
        groupId: group.id,
        action: 'CONFIRM',
      }),
    ).rejects.toThrow('process died');
    const [marked] = await sql(
      'SELECT status, payment_status, payment_pending, payment_pending_key FROM booking_groups WHERE id = $1',
      [group.id],
    );
    expect(marked).toMatchObject({
      status: 'HOLD',
      payment_status: 'REQUIRES_ACTION',
      payment_pending: 'CAPTURE',
      payment_pending_key: `${group.id}:capture`,
    });
    expect((await serverStripe().paymentIntents.retrieve(payment.paymentRef)).status).toBe('succeeded');
    // The hold's deadline passing does not void a capture in flight: the sweep finishes it instead.
    // (Here the client retries first, through GraphQL, with a new key.)
    const retried = await gqlAs(client.token, ACT, {
      input: { idempotencyKey: newId('request'), groupId: group.id, action: 'CONFIRM' },
    });
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.actOnBooking).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'CAPTURED' });
    expect(await stripeEvents('charge.captured', (o) => o.payment_intent === payment.paymentRef)).toBe(1);
    expect((await moneyTrail(group.id)).entries).toEqual({ capture: 1 });
    const [cleared] = await sql('SELECT payment_pending FROM booking_groups WHERE id = $1', [group.id]);
    expect(cleared!.payment_pending).toBeNull();

    // COMPLETE dies after Stripe made the leg's transfer: the group keeps its RELEASE marker and the
    // transfer request stays open. The sweep (a minute or more later) finishes both.
    await gqlOk(provider.token, ACT, {
      input: { idempotencyKey: newId('request'), groupId: group.id, action: 'START' },
    });
    await expect(
      crashingBooking('transfer').act(userCaller(provider.userId, 'provider'), {
        idempotencyKey: newId('request'),
        groupId: group.id,
        action: 'COMPLETE',
      }),
    ).rejects.toThrow('process died');
    expect(await sql('SELECT kind, completed_at FROM payment_money_requests WHERE group_id = $1', [group.id])).toEqual([
      { kind: 'transfer', completed_at: null },
    ]);
    expect((await serverStripe().transfers.list({ transfer_group: group.id })).data).toHaveLength(1);
    await sweep(0); // too fresh: a step recorded under a minute ago may still be running; left alone
    expect((await sql('SELECT status FROM booking_groups WHERE id = $1', [group.id]))[0]!.status).toBe('IN_PROGRESS');
    await sweep(2);
    const done = (
      await gqlOk(client.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: group.id })
    ).booking;
    expect(done.status).toBe('COMPLETED');
    expect(done.timeline.map((e: { action: string; by: string }) => `${e.action}:${e.by}`)).toEqual([
      'REQUEST:CLIENT',
      'ACCEPT:OWNER',
      'HOLD:SYSTEM',
      'CONFIRM:CLIENT',
      'CAPTURE:SYSTEM',
      'START:OWNER',
      'COMPLETE:SYSTEM',
      'TRANSFER:SYSTEM',
    ]);
    const transfers = await serverStripe().transfers.list({ transfer_group: group.id });
    expect(transfers.data.map((t) => t.amount)).toEqual([20_000]);
    const trail = await moneyTrail(group.id);
    expect(trail.entries).toEqual({ capture: 1, release: 1, transfer: 1 });
    expect(trail.transfers).toHaveLength(1);
    expect(
      await sql('SELECT completed_at IS NOT NULL AS done FROM payment_money_requests WHERE group_id = $1', [group.id]),
    ).toEqual([{ done: true }]);
  }, 240_000);
});

describe('a crash between a void and its recording (no Stripe call inside a transaction)', () => {
  /** A hold waiting for the client's card: authorised at Stripe (requires_action), accepted by the owner. */
  async function heldBooking() {
    const provider = await party('provider');
    const profileId = await publishedProfile(provider.userId);
    await withPackage(profileId, 20_000);
    await openSoon(provider.token, profileId);
    const client = await party('client');
    const legs = [{ legId: 'shoot', profileId, packageName: 'Headshots' }];
    const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
    const group = (
      await gqlOk(client.token, REQUEST, {
        input: { idempotencyKey: `req-${newId('request')}`, profileId, startsAt: soon(120), durationMinutes: 60 },
      })
    ).requestBooking;
    const payment = (
      await gqlOk(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } })
    ).confirmCheckout;
    const held = (
      await gqlOk(provider.token, ACT, {
        input: { idempotencyKey: newId('request'), groupId: group.id, action: 'ACCEPT' },
      })
    ).actOnBooking;
    expect(held).toMatchObject({ status: 'HOLD', paymentStatus: 'REQUIRES_ACTION' });
    return { client, provider, groupId: group.id as `bkg_${string}`, paymentRef: payment.paymentRef as string, held };
  }

  const row = async (groupId: string) =>
    (
      await sql(
        'SELECT status, payment_status, payment_pending, payment_pending_key, payment_pending_reason FROM booking_groups WHERE id = $1',
        [groupId],
      )
    )[0];

  it('cancel before capture: Stripe voided, the process died; the VOID marker stays, the sweep cancels once', async () => {
    const { client, groupId, paymentRef } = await heldBooking();
    await expect(
      crashingBooking('cancel').act(userCaller(client.userId, 'client'), {
        idempotencyKey: newId('request'),
        groupId,
        action: 'CANCEL',
      }),
    ).rejects.toThrow('process died');
    // Committed before Stripe was called: the step, its key and its reason. Nothing else moved.
    expect(await row(groupId)).toMatchObject({
      status: 'HOLD',
      payment_status: 'REQUIRES_ACTION',
      payment_pending: 'VOID',
      payment_pending_key: `${groupId}:void`,
      payment_pending_reason: 'cancelled',
    });
    expect((await serverStripe().paymentIntents.retrieve(paymentRef)).status).toBe('canceled');
    await sweep(0); // too fresh: left alone
    expect((await row(groupId))!.status).toBe('HOLD');
    await sweep(2);
    expect(await row(groupId)).toMatchObject({
      status: 'CANCELLED',
      payment_status: 'VOIDED',
      payment_pending: null,
      payment_pending_reason: null,
    });
    const done = (
      await gqlOk(client.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: groupId })
    ).booking;
    expect(done.timeline.map((e: { action: string; by: string }) => `${e.action}:${e.by}`)).toEqual([
      'REQUEST:CLIENT',
      'ACCEPT:OWNER',
      'HOLD:SYSTEM',
      'CANCEL:SYSTEM',
    ]);
    expect(await stripeEvents('payment_intent.canceled', (o) => o.id === paymentRef)).toBe(1);
    expect((await moneyTrail(groupId)).authorization).toMatchObject({ status: 'voided' });
  }, 240_000);

  it('expiry: the sweep voids outside its transaction; a crash after Stripe voided is counted, the sweep goes on, the next sweep finishes it', async () => {
    const holds = [await heldBooking(), await heldBooking()];
    const afterHold = (Math.max(...holds.map((h) => Date.parse(h.held.holdExpiresAt))) - Date.now()) / 60_000 + 1;
    // The stack's sweep with a provider that dies once: BookingService.sweep as the booking-expiry job
    // runs it. The void that crashed is counted and left; the sweep goes on and expires the other hold.
    const swept = await crashingBooking('cancel').sweep(new Date(Date.now() + afterHold * 60_000));
    expect(swept.failed).toBe(1);
    const rows = await Promise.all(holds.map((h) => row(h.groupId)));
    const crashedAt = rows.findIndex((r) => r.status === 'HOLD');
    expect(crashedAt).toBeGreaterThanOrEqual(0);
    expect(rows[1 - crashedAt]).toMatchObject({ status: 'EXPIRED', payment_status: 'VOIDED', payment_pending: null });
    const { client, groupId, paymentRef } = holds[crashedAt]!;
    expect(await row(groupId)).toMatchObject({
      status: 'HOLD',
      payment_pending: 'VOID',
      payment_pending_reason: 'expired',
    });
    expect((await serverStripe().paymentIntents.retrieve(paymentRef)).status).toBe('canceled');
    await sweep(afterHold + 2);
    expect(await row(groupId)).toMatchObject({ status: 'EXPIRED', payment_status: 'VOIDED', payment_pending: null });
    const done = (
      await gqlOk(client.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: groupId })
    ).booking;
    expect(done.timeline.map((e: { action: string; by: string }) => `${e.action}:${e.by}`)).toEqual([
      'REQUEST:CLIENT',
      'ACCEPT:OWNER',
      'HOLD:SYSTEM',
      'EXPIRE:SYSTEM',
    ]);
    expect(await stripeEvents('payment_intent.canceled', (o) => o.id === paymentRef)).toBe(1);
  }, 240_000);
});

describe('no Stripe call with the booking row locked', () => {
  it('a hold entered before checkout is authorised while the group row stays unlocked', async () => {
    const provider = await party('provider');
    const profileId = await publishedProfile(provider.userId);
    await withPackage(profileId, 20_000);
    await openSoon(provider.token, profileId);
    const client = await party('client');
    const group = (
      await gqlOk(client.token, REQUEST, {
        input: { idempotencyKey: `req-${newId('request')}`, profileId, startsAt: soon(120), durationMinutes: 60 },
      })
    ).requestBooking;
    // Stripe's authorisation call is held open until the row has been probed.
    const real = realProvider();
    let entered!: () => void;
    const inCall = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: PaymentProvider = {
      ...real,
      verifyWebhook: real.verifyWebhook.bind(real),
      createAuthorization: async (input) => {
        entered();
        await gate;
        return real.createAuthorization(input);
      },
    };
    const accepting = bookingWith(slow).act(userCaller(provider.userId, 'provider'), {
      idempotencyKey: newId('request'),
      groupId: group.id,
      action: 'ACCEPT',
    });
    await inCall;
    // NOWAIT fails at once (55P03) if a transaction holds the row while Stripe is being asked.
    const probe = await sql('SELECT status FROM booking_groups WHERE id = $1 FOR UPDATE NOWAIT', [group.id]);
    expect(probe).toEqual([{ status: 'REQUESTED' }]);
    release();
    const held = await accepting;
    expect(held).toMatchObject({ status: 'HOLD', paymentStatus: 'REQUIRES_ACTION' });
    const [authorization] = await sql('SELECT status FROM payment_authorizations WHERE group_id = $1', [group.id]);
    expect(authorization).toBeDefined();
  }, 240_000);
});

describe('no Stripe call inside a payments transaction', () => {
  it('payout onboarding: the Connect account is created with no lock held; concurrent first onboardings share one account', async () => {
    const provider = await party('provider');
    const real = realProvider();
    let entered!: () => void;
    const inCall = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: PaymentProvider = {
      ...real,
      verifyWebhook: real.verifyWebhook.bind(real),
      createConnectedAccount: async (input) => {
        entered();
        await gate;
        return real.createConnectedAccount(input);
      },
    };
    const payouts = new PayoutsService(
      createUnitOfWork(database('payments'), paymentsRepositories),
      slow,
      systemClock,
      'https://web.example',
    );
    const first = payouts.onboardingLink(userCaller(provider.userId, 'provider'));
    await inCall;
    // While the first waits on Stripe, six more (the stack's own Lambda) finish: nothing is locked.
    const others = await Promise.all(
      Array.from({ length: 6 }, () => gqlAs(provider.token, 'mutation { startPayoutOnboarding { url } }')),
    );
    release();
    for (const answer of others) expect(answer.errors, answer.text).toBeUndefined();
    const links = [(await first).url, ...others.map((answer) => answer.data!.startPayoutOnboarding.url as string)];
    const accounts = new Set(links.map((url) => /\/dev\/connect\/onboard\/(acct_[A-Za-z0-9]+)/.exec(url)![1]));
    expect(accounts.size).toBe(1);
    expect(await sql('SELECT stripe_account_id FROM payout_accounts WHERE user_id = $1', [provider.userId])).toEqual([
      { stripe_account_id: [...accounts][0] },
    ]);
  }, 240_000);

  it('payout onboarding retried more than a day after a crash (Stripe forgot the key) finds the account made, creates no second one', async () => {
    const provider = await party('provider');
    // The crash: the request recorded 25 hours ago, Stripe made the account, the process died before
    // recording it. Made here with no Idempotency-Key: what Stripe does with a key it has forgotten.
    await sql(`INSERT INTO payout_account_requests (user_id, requested_at) VALUES ($1, now() - interval '25 hours')`, [
      provider.userId,
    ]);
    const since = Math.floor(Date.now() / 1000) - 60;
    const made = await serverStripe().accounts.create({
      type: 'express',
      country: 'US',
      capabilities: { transfers: { requested: true } },
      metadata: { user_id: provider.userId },
    });
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => gqlAs(provider.token, 'mutation { startPayoutOnboarding { url } }')),
    );
    for (const answer of answers) {
      expect(answer.errors, answer.text).toBeUndefined();
      expect(answer.data!.startPayoutOnboarding.url as string).toContain(`/dev/connect/onboard/${made.id}`);
    }
    expect(await sql('SELECT stripe_account_id FROM payout_accounts WHERE user_id = $1', [provider.userId])).toEqual([
      { stripe_account_id: made.id },
    ]);
    const ofUser = (
      await serverStripe()
        .accounts.list({ created: { gte: since }, limit: 100 })
        .autoPagingToArray({ limit: 10_000 })
    ).filter((account) => account.metadata?.user_id === provider.userId);
    expect(ofUser.map((account) => account.id)).toEqual([made.id]);
  }, 240_000);
});

describe('a transition racing another action’s money step', () => {
  /** A confirmed, captured booking starting within the hour (its own provider, so rounds do not clash). */
  async function capturedSoon() {
    const provider = await party('provider');
    const profileId = await publishedProfile(provider.userId);
    await withPackage(profileId, 20_000);
    await openSoon(provider.token, profileId);
    await onboardPayee(provider.token);
    const client = await party('client');
    const legs = [{ legId: 'shoot', profileId, packageName: 'Headshots' }];
    const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
    const group = (
      await gqlOk(client.token, REQUEST, {
        input: { idempotencyKey: `req-${newId('request')}`, profileId, startsAt: soon(), durationMinutes: 60 },
      })
    ).requestBooking;
    const payment = (
      await gqlOk(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } })
    ).confirmCheckout;
    await gqlOk(provider.token, ACT, {
      input: { idempotencyKey: newId('request'), groupId: group.id, action: 'ACCEPT' },
    });
    await payWithCard(payment.paymentRef, payment.clientSecret);
    await gqlOk(client.token, ACT, {
      input: { idempotencyKey: newId('request'), groupId: group.id, action: 'CONFIRM' },
    });
    return { provider, groupId: group.id as string, paymentRef: payment.paymentRef as string };
  }

  it('CANCEL (refund at Stripe) and START at once, many times: refunded and cancelled, or started with no refund — never both', async () => {
    const rounds = await Promise.all(Array.from({ length: 6 }, () => capturedSoon()));
    await Promise.all(
      rounds.map(async ({ provider, groupId }) => {
        const act = (action: string) =>
          gqlAs(provider.token, ACT, { input: { idempotencyKey: newId('request'), groupId, action } });
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => act(i % 2 === 0 ? 'CANCEL' : 'START')));
        for (const answer of answers.filter((a) => a.errors))
          expect(['BOOKING.INVALID_TRANSITION', 'BOOKING.PAYMENT_IN_PROGRESS', 'DEPENDENCY.UNAVAILABLE']).toContain(
            answer.errors![0]!.errorInfo?.code,
          );
      }),
    );
    for (const { groupId, paymentRef } of rounds) {
      const [row] = await sql('SELECT status, payment_status, payment_pending FROM booking_groups WHERE id = $1', [
        groupId,
      ]);
      const refunds = (await serverStripe().refunds.list({ payment_intent: paymentRef })).data;
      if (row!.status === 'CANCELLED') {
        expect(row).toMatchObject({ payment_status: 'REFUNDED', payment_pending: null });
        expect(refunds).toHaveLength(1);
      } else {
        expect(row).toMatchObject({ status: 'IN_PROGRESS', payment_status: 'CAPTURED', payment_pending: null });
        expect(refunds).toEqual([]);
      }
      expect(
        await sql("SELECT 1 FROM audit_log WHERE action = 'booking.payment-unapplied' AND subject = $1", [groupId]),
      ).toEqual([]);
    }
  }, 240_000);
});
