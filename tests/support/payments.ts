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
import { stackInfo } from './clients.ts';
import { eventually, sql } from './graphql.ts';

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
