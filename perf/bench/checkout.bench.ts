/**
 * `npm run bench:checkout`: checkout quote + confirmation, the money path of a booking, with 32
 * concurrent callers for BENCH_SECONDS (10) on a throwaway local stack. Each iteration prices a
 * published listing (price book read, city tax, signing) and confirms that quote for a booking group
 * the client requested (`confirmCheckout`: quote re-checked and re-priced, group and legs read
 * through booking's door, the request recorded and committed, the PaymentIntent created at the
 * Stripe stand-in through the real `stripe` SDK with no transaction open, the answer recorded) —
 * the payments services as the GraphQL resolvers call them, logged in as `rastup_payments`. The
 * group rows are written before the timer starts. Not measured: the GraphQL hop (see bench:gateway)
 * and the client's card confirmation at Stripe. Seed budget 600 ms p95; aim ≤ 60 ms.
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
import { CheckoutGroupDirectory } from '../../lambdas/booking/index.ts';
import { StripeBookingPayments } from '../../lambdas/payments/booking-payments.service.ts';
import { CheckoutConfirmation } from '../../lambdas/payments/checkout-confirm.service.ts';
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
  const confirmation = new CheckoutConfirmation(checkout, new CheckoutGroupDirectory(db), payments, uow.payments);
  const legs = [{ legId: 'shoot', profileId: profileId, packageName: 'Headshots', extraMinutes: 30 }];

  // A requested group per iteration (written untimed, as the master user), a slot each.
  let slot = 0;
  const requestedGroup = async () => {
    const groupId = newId('booking');
    const start = new Date(Date.UTC(2030, 0, 1) + slot++ * 7_200_000);
    const end = new Date(start.getTime() + 5_400_000);
    await stack.db.query(
      `INSERT INTO booking_groups (id, client_user_id, status, instant_book, starts_at, ends_at, amount_cents, currency, cancellation_policy)
       VALUES ($1, $2, 'REQUESTED', false, $3, $4, 30000, 'USD', 'FLEXIBLE')`,
      [groupId, caller.userId, start, end],
    );
    await stack.db.query(
      `INSERT INTO booking_legs (id, group_id, resource_type, resource_id, owner_user_id, starts_at, ends_at, blocked, amount_cents)
       VALUES ($1, $2, 'PROFILE', $3, $4, $5, $6, tstzrange($5, $6), 30000)`,
      [newId('bookingLeg'), groupId, profileId, ownerId, start, end],
    );
    return groupId;
  };

  const iteration = async (groupId: string) => {
    const { token } = await checkout.quote(caller, legs);
    const answer = await confirmation.confirm(caller, { groupId, quoteToken: token, legs });
    if (answer.status !== 'REQUIRES_ACTION' || !answer.clientSecret)
      throw new Error(`unexpected ${JSON.stringify(answer)}`);
  };
  for (let i = 0; i < 50; i++) await iteration(await requestedGroup()); // warm-up: pools, JIT

  console.log(
    `bench:checkout — quote + confirmCheckout, ${CONNECTIONS} concurrent callers, ${DURATION} s, ${process.arch} x ${cpus().length} cores (stack, Stripe stand-in and callers share them)\n`,
  );
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + DURATION * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const groupId = await requestedGroup();
        const started = performance.now();
        try {
          await iteration(groupId);
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
    `quote + confirm  ${(latencies.length / DURATION).toFixed(0).padStart(6)} /s   p50 ${percentile(latencies, 50).toFixed(2)} ms   p95 ${p95.toFixed(2)} ms   p99 ${percentile(latencies, 99).toFixed(2)} ms   errors ${errors}`,
  );
  console.log(
    `\nseed budget p95 ≤ 600 ms → ${p95 <= 600 ? 'met' : 'MISSED'}; aim ≤ 60 ms → ${p95 <= 60 ? 'met' : 'missed'} (${p95.toFixed(1)} ms)`,
  );
  await db.close();
});
