/**
 * `npm run bench:checkout`: checkout quote + authorisation, the money path of a booking's
 * confirmation, with 32 concurrent callers for BENCH_SECONDS (10) on a throwaway local stack.
 * Each iteration prices a published listing (price book read, city tax, signing) and authorises its
 * total for a new booking group (advisory lock, PaymentIntent created at the Stripe stand-in through
 * the real `stripe` SDK, row written) — the payments services as booking calls them, logged in as
 * `rastup_payments`. Not measured: the GraphQL hop (see bench:gateway for its cost) and the client's
 * confirmation at Stripe. Seed budget 600 ms p95; aim ≤ 60 ms.
 */
import { createHmac } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createStripePaymentProvider } from '../../lambdas/adapters/stripe-payment-provider.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { StripeBookingPayments } from '../../lambdas/payments/booking-payments.service.ts';
import { CheckoutService } from '../../lambdas/payments/checkout.service.ts';
import { paymentsRepositories } from '../../lambdas/payments/payments.repositories.ts';
import { CityRateTable } from '../../lambdas/payments/tax.ts';
import { withBenchStack } from './harness.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

await withBenchStack(async (stack) => {
  const ownerId = newId('user');
  const profileId = newId('profile');
  await stack.db.query(
    `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, city_code, packages, cancellation_policy, published_at)
     VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Bench Mark', 'us-nyc', $4, 'Free until 48 h before.', now())`,
    [
      profileId,
      ownerId,
      `bench-${profileId.slice(-10).toLowerCase()}`,
      JSON.stringify([{ name: 'Headshots', durationMinutes: 60, priceCents: 20000, extras: ['retouch'] }]),
    ],
  );
  const stripeInfo = stack.endpoints.stripe!;
  const db = createDatabase({
    connectionString: (
      databaseConnection('payments', { DATABASE_URL: stack.endpoints.databaseUrl }) as { connectionString: string }
    ).connectionString,
    max: 10, // a warm Lambda container holds few connections; ten stand for the concurrent containers
  });
  const uow = createUnitOfWork(db, paymentsRepositories);
  const provider = createStripePaymentProvider({
    secretKey: stripeInfo.secretKey,
    webhookSecret: stripeInfo.webhookSecret,
    apiBaseUrl: stripeInfo.apiUrl,
  });
  const payments = new StripeBookingPayments(uow, provider);
  const checkout = new CheckoutService(uow.prices, new CityRateTable(), systemClock, {
    feeBps: 1000,
    ttlSeconds: 900,
    quoteKey: createHmac('sha256', 'bench').update('quote').digest('base64url'),
  });
  const caller = {
    kind: 'user' as const,
    userId: newId('user'),
    roles: ['client' as const],
    amr: ['pwd'],
    authTime: undefined,
    sessionId: undefined,
    expiresAt: 0,
  };
  const legs = [{ legId: 'shoot', profileId: profileId, packageName: 'Headshots', extraMinutes: 30 }];

  const iteration = async () => {
    const { quote } = await checkout.quote(caller, legs);
    const answer = await payments.authorize({
      groupId: newId('booking'),
      clientUserId: caller.userId,
      amountCents: quote.totalCents,
      currency: quote.currency,
      idempotencyKey: quote.quoteId,
    });
    if (answer.status !== 'requires_action' || !answer.clientSecret)
      throw new Error(`unexpected ${JSON.stringify(answer)}`);
  };
  for (let i = 0; i < 50; i++) await iteration(); // warm-up: pools, JIT

  console.log(
    `bench:checkout — quote + authorize, ${CONNECTIONS} concurrent callers, ${DURATION} s, ${process.arch} x ${cpus().length} cores (stack, Stripe stand-in and callers share them)\n`,
  );
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + DURATION * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        try {
          await iteration();
          latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const p95 = percentile(latencies, 95);
  console.log(
    `quote + authorize  ${(latencies.length / DURATION).toFixed(0).padStart(6)} /s   p50 ${percentile(latencies, 50).toFixed(2)} ms   p95 ${p95.toFixed(2)} ms   p99 ${percentile(latencies, 99).toFixed(2)} ms   errors ${errors}`,
  );
  console.log(
    `\nseed budget p95 ≤ 600 ms → ${p95 <= 600 ? 'met' : 'MISSED'}; aim ≤ 60 ms → ${p95 <= 60 ? 'met' : 'missed'} (${p95.toFixed(1)} ms)`,
  );
  await db.close();
});
