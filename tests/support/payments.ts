/**
 * A captured payment on the local stack, made the way checkout makes one: payments' own service as
 * `rastup_payments` authorises through the real `stripe` SDK against the loopback Stripe stand-in,
 * the client's browser confirms with the client secret, the signed webhook marks it authorised,
 * and capture takes the money.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createStripePaymentProvider } from '../../lambdas/adapters/stripe-payment-provider.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { StripeBookingPayments } from '../../lambdas/payments/booking-payments.service.ts';
import { paymentsRepositories } from '../../lambdas/payments/payments.repositories.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { ACT, publishedProfile, REQUEST } from './booking.ts';
import { CONFIRM_CHECKOUT, onboardPayee, openSoon, payWithCard, QUOTE, soon, withPackage } from './checkout.ts';
import { stackInfo } from './clients.ts';
import { eventually, gqlOk, sql } from './graphql.ts';
import { mintAccessToken } from './tokens.ts';

export async function capturedPayment(amountCents: number): Promise<{ groupId: string }> {
  const { endpoints } = stackInfo();
  const stripeInfo = endpoints.stripe!;
  const db = createDatabase({
    connectionString: (
      databaseConnection('payments', { DATABASE_URL: endpoints.databaseUrl }) as { connectionString: string }
    ).connectionString,
    max: 2,
  });
  try {
    const payments = new StripeBookingPayments(
      createUnitOfWork(db, paymentsRepositories),
      createStripePaymentProvider({
        secretKey: stripeInfo.secretKey,
        webhookSecret: stripeInfo.webhookSecret,
        apiBaseUrl: stripeInfo.apiUrl,
      }),
    );
    const groupId = `grp_${randomUUID()}`;
    const answer = await payments.authorize({
      groupId,
      clientUserId: 'usr_client',
      amountCents,
      currency: 'usd',
      idempotencyKey: randomUUID(),
    });
    const url = new URL(stripeInfo.apiUrl);
    const browser = new Stripe(stripeInfo.publishableKey, {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    await browser.paymentIntents.confirm(answer.paymentRef, {
      payment_method: 'pm_card_visa',
      client_secret: answer.clientSecret,
    } as Stripe.PaymentIntentConfirmParams);
    await eventually(
      async () =>
        (await sql('SELECT status FROM payment_authorizations WHERE group_id = $1', [groupId]))[0]?.status ===
        'authorized',
    );
    const captured = await payments.capture({ groupId, idempotencyKey: randomUUID() });
    if (captured.status !== 'captured') throw new Error(`capture answered ${captured.status}`);
    return { groupId };
  } finally {
    await db.close();
  }
}

/** A client or provider with a fresh id and an access token. */
export async function party(role: 'client' | 'provider'): Promise<{ userId: string; token: string }> {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles: [role] }) };
}

export interface CheckedOutBooking {
  provider: { userId: string; token: string };
  client: { userId: string; token: string };
  profileId: string;
  groupId: string;
  paymentRef: string;
  clientSecret: string;
}

/**
 * A booking checked out through GraphQL the way the web app does it: a provider with a published,
 * priced profile open soon and payout onboarding done; a client who quotes, requests and confirms the
 * checkout. `accept` has the provider accept before the card (the hold then waits for the client's
 * CONFIRM); `card` pays with that test card in the "browser" (3DS challenges passed). The one builder
 * for the payments integration tests.
 */
export async function checkedOutBooking(
  options: { priceCents?: number; accept?: boolean; card?: string | null; startsAt?: string } = {},
): Promise<CheckedOutBooking> {
  const provider = await party('provider');
  const profileId = await publishedProfile(provider.userId);
  await withPackage(profileId, options.priceCents ?? 20_000);
  await openSoon(provider.token, profileId);
  await onboardPayee(provider.token);
  const client = await party('client');
  const legs = [{ legId: 'shoot', profileId, packageName: 'Headshots' }];
  const quote = (await gqlOk(client.token, QUOTE, { input: { legs } })).checkoutQuote;
  const group = (
    await gqlOk(client.token, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        profileId,
        startsAt: options.startsAt ?? soon(),
        durationMinutes: 60,
      },
    })
  ).requestBooking;
  const payment = (
    await gqlOk(client.token, CONFIRM_CHECKOUT, { input: { groupId: group.id, quoteToken: quote.quoteToken, legs } })
  ).confirmCheckout;
  if (options.accept)
    await gqlOk(provider.token, ACT, {
      input: { idempotencyKey: newId('request'), groupId: group.id, action: 'ACCEPT' },
    });
  if (options.card !== null)
    await payWithCard(payment.paymentRef, payment.clientSecret, options.card ?? 'pm_card_visa');
  return {
    provider,
    client,
    profileId,
    groupId: group.id,
    paymentRef: payment.paymentRef,
    clientSecret: payment.clientSecret,
  };
}
