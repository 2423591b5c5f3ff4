/**
 * Checkout end to end over GraphQL on the local stack, booking wired to payments through its port
 * (BOOKING_PAYMENTS=stripe, the stack's default): quote (the web app's Amplify v6 client) → request →
 * confirmCheckout → the card confirmed with the client secret by the `stripe` SDK as Stripe.js would
 * (plain card; 3DS card with its challenge page) → owners accept → capture → start → complete → one
 * Connect transfer per leg (transfer_group = the group), every step on the order timeline. Races:
 * 100 concurrent duplicate checkout confirmations, client confirmations and completions. A hold that
 * expires voids its PaymentIntent and frees its time.
 */
import { generateClient } from 'aws-amplify/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { ACT, BOOKING_FIELDS, publishedProfile, publishedStudio, REQUEST } from '../support/booking.ts';
import {
  CHECKOUT_PAYMENT,
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
import { resetAmplify } from '../support/amplify.ts';
import { configureAmplify } from '../support/realtime.ts';
import { mintAccessToken } from '../support/tokens.ts';

interface Party {
  userId: string;
  token: string;
}
async function party(role: 'client' | 'provider' | 'host'): Promise<Party> {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles: [role] }) };
}

/** A provider with a priced, bookable, startable-now profile and a finished payout onboarding. */
async function providerWithProfile(): Promise<Party & { profileId: string }> {
  const provider = await party('provider');
  const profileId = await publishedProfile(provider.userId);
  await withPackage(profileId, 20_000);
  await openSoon(provider.token, profileId);
  await onboardPayee(provider.token);
  return { ...provider, profileId };
}

const act = (token: string, groupId: string, action: string) =>
  gqlAs(token, ACT, { input: { idempotencyKey: `act-${newId('request')}`, groupId, action } });
const actOk = async (token: string, groupId: string, action: string) =>
  (await gqlOk(token, ACT, { input: { idempotencyKey: `act-${newId('request')}`, groupId, action } })).actOnBooking;

let amplifyToken: string | null = null;
beforeAll(() => configureAmplify(() => amplifyToken));
afterAll(resetAmplify);

describe('checkout through GraphQL, booking wired to Stripe', () => {
  it('card path: quote → confirm → accept → capture → complete → a transfer per leg, all on the timeline', async () => {
    const provider = await providerWithProfile();
    const host = await party('host');
    const studioId = await publishedStudio(host.userId, { instantBook: false });
    await openSoon(host.token, studioId);
    await onboardPayee(host.token);
    const client = await party('client');
    const legs = [
      { legId: 'shoot', profileId: provider.profileId, packageName: 'Headshots' },
      { legId: 'room', studioId, minutes: 60 },
    ];

    // The quote through the web app's own client.
    amplifyToken = client.token;
    const quoted = (await generateClient().graphql({
      query: QUOTE,
      variables: { input: { legs } },
      authMode: 'oidc',
      authToken: client.token,
    })) as { data: { checkoutQuote: { quoteToken: string; totalCents: number; legs: { subtotalCents: number }[] } } };
    const quote = quoted.data.checkoutQuote;
    // 200.00 + 50.00; fee 10 %; Los Angeles 9.5 % on the subtotal.
    expect(quote.totalCents).toBe(25_000 + 2_500 + 2_375);

    const group = (
      await gqlOk(client.token, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          profileId: provider.profileId,
          studioId,
          startsAt: soon(),
          durationMinutes: 60,
        },
      })
    ).requestBooking;
    expect(group.status).toBe('REQUESTED');

    // Someone else's group is NOT_FOUND; a quote for other listings is refused.
    const mallory = await party('client');
    expect(
      (
        await gqlAs(mallory.token, CONFIRM_CHECKOUT, {
          input: { groupId: group.id, quoteToken: quote.quoteToken, legs },
        })
      ).errors?.[0]?.errorType,
    ).toBe('NOT_FOUND');
    const payment = (
      await gqlOk(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } })
    ).confirmCheckout;
    expect(payment).toMatchObject({ status: 'REQUIRES_ACTION', amountCents: quote.totalCents, currency: 'USD' });
    expect(payment.clientSecret).toMatch(/^pi_.+_secret_/);
    expect(await payWithCard(payment.paymentRef, payment.clientSecret)).toEqual({
      first: 'requires_capture',
      final: 'requires_capture',
    });

    expect((await actOk(host.token, group.id, 'ACCEPT')).status).toBe('REQUESTED');
    const confirmed = await actOk(provider.token, group.id, 'ACCEPT');
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'CAPTURED' });
    const intent = await serverStripe().paymentIntents.retrieve(payment.paymentRef);
    expect(intent).toMatchObject({ status: 'succeeded', amount_received: quote.totalCents });

    await actOk(provider.token, group.id, 'START');
    const completed = await actOk(provider.token, group.id, 'COMPLETE');
    expect(completed.status).toBe('COMPLETED');
    expect(completed.timeline.map((e: { action: string; by: string }) => `${e.action}:${e.by}`)).toEqual([
      'REQUEST:CLIENT',
      'ACCEPT:OWNER',
      'ACCEPT:OWNER',
      'HOLD:SYSTEM',
      'CAPTURE:SYSTEM',
      'CONFIRM:SYSTEM',
      'START:OWNER',
      'COMPLETE:OWNER',
      'TRANSFER:SYSTEM',
      'TRANSFER:SYSTEM',
    ]);
    // One Connect transfer per leg, in the group's transfer_group, each payee's subtotal.
    const transfers = await serverStripe().transfers.list({ transfer_group: group.id });
    expect(transfers.data.map((t) => t.amount).sort((a, b) => a - b)).toEqual([5_000, 20_000]);
    const trail = await moneyTrail(group.id);
    expect(trail.authorization).toMatchObject({ status: 'captured' });
    expect(trail.entries).toEqual({ capture: 1, release: 2, transfer: 2 });
    // The client's view of the payment afterwards: captured, no secret any more.
    expect((await gqlOk(client.token, CHECKOUT_PAYMENT, { groupId: group.id })).checkoutPayment).toMatchObject({
      status: 'CAPTURED',
      clientSecret: null,
    });
  }, 240_000);

  it('3DS path and races: 100 duplicate confirmations and 100 completions → one PaymentIntent, one capture, one transfer', async () => {
    const provider = await providerWithProfile();
    const client = await party('client');
    const legs = [{ legId: 'shoot', profileId: provider.profileId, packageName: 'Headshots' }];
    const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
    const group = (
      await gqlOk(client.token, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          profileId: provider.profileId,
          startsAt: soon(),
          durationMinutes: 60,
        },
      })
    ).requestBooking;

    const confirmations = await Promise.all(
      Array.from({ length: 100 }, () =>
        gqlAs(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } }),
      ),
    );
    expect(confirmations.filter((answer) => answer.errors)).toEqual([]);
    const refs = new Set(confirmations.map((answer) => answer.data!.confirmCheckout.paymentRef));
    expect(refs.size).toBe(1);
    const [paymentRef] = [...refs] as string[];
    const { clientSecret } = confirmations[0]!.data!.confirmCheckout;

    // The owner accepts before the client finished paying: the group holds, waiting for the card.
    const held = await actOk(provider.token, group.id, 'ACCEPT');
    expect(held).toMatchObject({ status: 'HOLD', paymentStatus: 'REQUIRES_ACTION' });
    expect((await act(client.token, group.id, 'CONFIRM')).errors?.[0]).toMatchObject({
      errorInfo: { code: 'BOOKING.INVALID_TRANSITION' },
    });

    // 3DS: requires_action, the bank's challenge page passed, then the hold can be confirmed.
    expect(await payWithCard(paymentRef!, clientSecret, 'pm_card_threeDSecure2Required')).toEqual({
      first: 'requires_action',
      final: 'requires_capture',
    });
    const racing = await Promise.all(Array.from({ length: 100 }, () => act(client.token, group.id, 'CONFIRM')));
    // On a loaded machine a duplicate may wait past the pool's 5 s connect timeout and be told "busy, try
    // again" (DEPENDENCY.UNAVAILABLE, retryable). A client retries it; the retry must get the settled answer.
    const confirms = await Promise.all(
      racing.map(async (answer) =>
        answer.errors?.[0]?.errorInfo?.code === 'DEPENDENCY.UNAVAILABLE'
          ? await act(client.token, group.id, 'CONFIRM')
          : answer,
      ),
    );
    const won = confirms.filter((answer) => !answer.errors);
    expect(won).toHaveLength(1);
    for (const lost of confirms.filter((answer) => answer.errors))
      expect(lost.errors![0]!.errorInfo).toMatchObject({ code: 'BOOKING.INVALID_TRANSITION' });
    expect(won[0]!.data!.actOnBooking).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'CAPTURED' });
    expect(await serverStripe().paymentIntents.retrieve(paymentRef!)).toMatchObject({
      status: 'succeeded',
      amount_received: quote.totalCents,
    });

    await actOk(provider.token, group.id, 'START');
    const completions = await Promise.all(Array.from({ length: 100 }, () => act(provider.token, group.id, 'COMPLETE')));
    expect(completions.filter((answer) => !answer.errors)).toHaveLength(1);
    const transfers = await serverStripe().transfers.list({ transfer_group: group.id });
    expect(transfers.data.map((t) => t.amount)).toEqual([20_000]);
    const trail = await moneyTrail(group.id);
    expect(trail.entries).toEqual({ capture: 1, release: 1, transfer: 1 });
    expect(trail.transfers).toHaveLength(1);
    const timeline = (
      await gqlOk(client.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: group.id })
    ).booking.timeline.map((e: { action: string; by: string }) => `${e.action}:${e.by}`);
    expect(timeline).toEqual([
      'REQUEST:CLIENT',
      'ACCEPT:OWNER',
      'HOLD:SYSTEM',
      'CONFIRM:CLIENT',
      'CAPTURE:SYSTEM',
      'START:OWNER',
      'COMPLETE:OWNER',
      'TRANSFER:SYSTEM',
    ]);
  }, 300_000);

  it('a hold that expires voids its PaymentIntent and frees its time', async () => {
    const provider = await providerWithProfile();
    const client = await party('client');
    const legs = [{ legId: 'shoot', profileId: provider.profileId, packageName: 'Headshots' }];
    const startsAt = soon(120);
    const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
    const group = (
      await gqlOk(client.token, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          profileId: provider.profileId,
          startsAt,
          durationMinutes: 60,
        },
      })
    ).requestBooking;
    const payment = (
      await gqlOk(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } })
    ).confirmCheckout;
    const held = await actOk(provider.token, group.id, 'ACCEPT');
    expect(held).toMatchObject({ status: 'HOLD', paymentStatus: 'REQUIRES_ACTION' });

    const later = new Date(Date.parse(held.holdExpiresAt) + 60_000).toISOString();
    const job = await fetch(
      `${stackInfo().endpoints.restUrl}/dev/jobs/booking-expiry?now=${encodeURIComponent(later)}`,
    );
    expect(job.status).toBe(200);
    const expired = (
      await gqlOk(client.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: group.id })
    ).booking;
    expect(expired).toMatchObject({ status: 'EXPIRED', paymentStatus: 'VOIDED' });
    expect((await serverStripe().paymentIntents.retrieve(payment.paymentRef)).status).toBe('canceled');
    expect((await moneyTrail(group.id)).authorization).toMatchObject({ status: 'voided' });
    // The time is free for someone else.
    const bob = await party('client');
    const rebooked = await gqlOk(bob.token, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        profileId: provider.profileId,
        startsAt,
        durationMinutes: 60,
      },
    });
    expect(rebooked.requestBooking.status).toBe('REQUESTED');
  }, 240_000);
  it('a card authorised while the booking is REQUESTED is voided when the request is declined, cancelled or expires', async () => {
    const provider = await providerWithProfile();
    const client = await party('client');
    const legs = [{ legId: 'shoot', profileId: provider.profileId, packageName: 'Headshots' }];
    // Checkout confirmed before any owner answered: Stripe holds the card, the group says NONE.
    const requestedAndPaid = async (offsetMinutes: number) => {
      const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
      const group = (
        await gqlOk(client.token, REQUEST, {
          input: {
            idempotencyKey: `req-${newId('request')}`,
            profileId: provider.profileId,
            startsAt: soon(offsetMinutes),
            durationMinutes: 60,
          },
        })
      ).requestBooking;
      const payment = (
        await gqlOk(client.token, CONFIRM_CHECKOUT, {
          input: { groupId: group.id, quoteToken: quote.quoteToken, legs },
        })
      ).confirmCheckout;
      expect(await payWithCard(payment.paymentRef, payment.clientSecret)).toMatchObject({ final: 'requires_capture' });
      return { group, paymentRef: payment.paymentRef as string };
    };
    const declined = await requestedAndPaid(180);
    const cancelled = await requestedAndPaid(300);
    const expiring = await requestedAndPaid(420);
    expect(declined.group).toMatchObject({ status: 'REQUESTED', paymentStatus: 'NONE' });

    expect(await actOk(provider.token, declined.group.id, 'DECLINE')).toMatchObject({ status: 'DECLINED' });
    expect(await actOk(client.token, cancelled.group.id, 'CANCEL')).toMatchObject({ status: 'CANCELLED' });
    const later = new Date(Date.parse(expiring.group.respondBy) + 60_000).toISOString();
    const job = await fetch(
      `${stackInfo().endpoints.restUrl}/dev/jobs/booking-expiry?now=${encodeURIComponent(later)}`,
    );
    expect(job.status).toBe(200);
    const expired = (
      await gqlOk(client.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: expiring.group.id })
    ).booking;
    expect(expired.status).toBe('EXPIRED');

    for (const { group, paymentRef } of [declined, cancelled, expiring]) {
      expect((await serverStripe().paymentIntents.retrieve(paymentRef)).status).toBe('canceled');
      expect((await moneyTrail(group.id)).authorization).toMatchObject({ status: 'voided' });
    }
  }, 240_000);
  it('instant requests: a slot that cannot succeed asks Stripe for nothing; 20 concurrent duplicates of one request make one PaymentIntent', async () => {
    const host = await party('host');
    const studioId = await publishedStudio(host.userId, { instantBook: true });
    await openSoon(host.token, studioId);
    const client = await party('client');
    const createdFor = async (userId: string) =>
      (await serverStripe().events.list({ type: 'payment_intent.created', limit: 100 })).data.filter(
        (event) => (event.data.object as { metadata?: Record<string, string> }).metadata?.client_user_id === userId,
      ).length;

    // Past the listing's 90-day horizon: refused before any authorisation is asked for.
    const tooFar = await gqlAs(client.token, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        studioId,
        startsAt: soon(120 * 24 * 60),
        durationMinutes: 60,
      },
    });
    expect(tooFar.errors?.[0]?.errorType).toBe('SLOT_UNAVAILABLE');
    expect(await sql('SELECT 1 FROM payment_intent_requests WHERE client_user_id = $1', [client.userId])).toHaveLength(
      0,
    );

    const input = { idempotencyKey: `req-${newId('request')}`, studioId, startsAt: soon(240), durationMinutes: 60 };
    const answers = await Promise.all(Array.from({ length: 20 }, () => gqlAs(client.token, REQUEST, { input })));
    const ids = new Set(answers.map((answer) => answer.data?.requestBooking?.id).filter(Boolean));
    expect(ids.size).toBe(1);
    expect(answers[0]!.data.requestBooking).toMatchObject({ status: 'HOLD', instantBook: true });
    expect(await createdFor(client.userId)).toBe(1);
    expect(
      await sql('SELECT group_id FROM payment_intent_requests WHERE client_user_id = $1', [client.userId]),
    ).toEqual([{ group_id: [...ids][0] }]);
  }, 240_000);
});
