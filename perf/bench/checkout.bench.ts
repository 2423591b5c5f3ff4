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
 *
 * Printed: quote, confirm and quote + confirm p50/p95; per step the SQL round trips (every statement
 * through the pool's `instrument` hook, plus BEGIN and COMMIT per transaction), the time spent in
 * them (including the wait for a pool connection) and the calls to the Stripe stand-in and their
 * time. A probe of this bench only: an AsyncLocalStorage scope per step, nothing in the services.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createStripePaymentProvider } from '../../lambdas/adapters/stripe-payment-provider.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import { newId } from '../../lambdas/core/ids.ts';
import type { PaymentProvider } from '../../lambdas/core/payment-provider.ts';
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

/** What one step of one iteration cost: SQL round trips and their time, Stripe calls and their time. */
interface StepCost {
  roundTrips: number;
  sqlMs: number;
  stripeCalls: number;
  stripeMs: number;
}
const probe = new AsyncLocalStorage<StepCost>();
const newCost = (): StepCost => ({ roundTrips: 0, sqlMs: 0, stripeCalls: 0, stripeMs: 0 });

async function timed<T>(kind: 'sql' | 'stripe', run: () => Promise<T>): Promise<T> {
  const cost = probe.getStore();
  if (!cost) return run();
  const started = performance.now();
  try {
    return await run();
  } finally {
    if (kind === 'sql') {
      cost.roundTrips++;
      cost.sqlMs += performance.now() - started;
    } else {
      cost.stripeCalls++;
      cost.stripeMs += performance.now() - started;
    }
  }
}

/** Counts BEGIN and COMMIT of each transaction as round trips too (statements come through `instrument`). */
function countingTransactions(db: Database): Database {
  return {
    ...db,
    transaction: (fn, options) => {
      const cost = probe.getStore();
      if (cost) cost.roundTrips += 2;
      return db.transaction(fn, options);
    },
  };
}

function timedProvider(provider: PaymentProvider): PaymentProvider {
  return new Proxy(provider, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        timed('stripe', () => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)));
    },
  });
}

interface StepStats {
  latencies: number[];
  costs: StepCost[];
}
const newStats = (): StepStats => ({ latencies: [], costs: [] });

function describeStep(label: string, stats: StepStats): string {
  const sorted = [...stats.latencies].sort((a, b) => a - b);
  const n = Math.max(1, stats.costs.length);
  const mean = (pick: (c: StepCost) => number) => stats.costs.reduce((sum, c) => sum + pick(c), 0) / n;
  const trips = stats.costs.map((c) => c.roundTrips);
  return `${label.padEnd(16)} p50 ${percentile(sorted, 50).toFixed(2).padStart(8)} ms   p95 ${percentile(sorted, 95).toFixed(2).padStart(8)} ms   SQL round trips ${mean((c) => c.roundTrips).toFixed(2)} (min ${Math.min(...trips)}, max ${Math.max(...trips)}) ${mean((c) => c.sqlMs).toFixed(1)} ms   Stripe calls ${mean((c) => c.stripeCalls).toFixed(2)} ${mean((c) => c.stripeMs).toFixed(1)} ms`;
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
  const db = countingTransactions(
    createDatabase({
      connectionString: (
        databaseConnection('payments', { DATABASE_URL: stack.endpoints.databaseUrl }) as { connectionString: string }
      ).connectionString,
      max: 10, // a warm Lambda container holds few connections; ten stand for the concurrent containers
      instrument: (_text, run) => timed('sql', run),
    }),
  );
  const uow = createUnitOfWork(db, paymentsRepositories);
  const provider = timedProvider(
    createStripePaymentProvider({
      secretKey: stripeInfo.secretKey,
      webhookSecret: stripeInfo.webhookSecret,
      apiBaseUrl: stripeInfo.apiUrl,
    }),
  );
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

  const quoteStats = newStats();
  const confirmStats = newStats();
  const totalStats = newStats();
  const iteration = async (groupId: string, record: boolean) => {
    const quoteCost = newCost();
    const confirmCost = newCost();
    const started = performance.now();
    const { token } = await probe.run(quoteCost, () => checkout.quote(caller, legs));
    const quoted = performance.now();
    const answer = await probe.run(confirmCost, () =>
      confirmation.confirm(caller, { groupId, quoteToken: token, legs }),
    );
    const confirmed = performance.now();
    if (answer.status !== 'REQUIRES_ACTION' || !answer.clientSecret)
      throw new Error(`unexpected ${JSON.stringify(answer)}`);
    if (!record) return;
    quoteStats.latencies.push(quoted - started);
    quoteStats.costs.push(quoteCost);
    confirmStats.latencies.push(confirmed - quoted);
    confirmStats.costs.push(confirmCost);
    totalStats.latencies.push(confirmed - started);
    totalStats.costs.push({
      roundTrips: quoteCost.roundTrips + confirmCost.roundTrips,
      sqlMs: quoteCost.sqlMs + confirmCost.sqlMs,
      stripeCalls: quoteCost.stripeCalls + confirmCost.stripeCalls,
      stripeMs: quoteCost.stripeMs + confirmCost.stripeMs,
    });
  };
  for (let i = 0; i < 50; i++) await iteration(await requestedGroup(), false); // warm-up: pools, JIT

  console.log(
    `bench:checkout — quote + confirmCheckout, ${CONNECTIONS} concurrent callers, ${DURATION} s, ${process.arch} x ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)} (stack, Stripe stand-in and callers share them)\n`,
  );
  let errors = 0;
  const until = performance.now() + DURATION * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const groupId = await requestedGroup();
        try {
          await iteration(groupId, true);
        } catch {
          errors++;
        }
      }
    }),
  );
  console.log(describeStep('quote', quoteStats));
  console.log(describeStep('confirmCheckout', confirmStats));
  console.log(describeStep('quote + confirm', totalStats));
  const p95 = percentile(
    [...totalStats.latencies].sort((a, b) => a - b),
    95,
  );
  console.log(
    `\n${(totalStats.latencies.length / DURATION).toFixed(0)} checkouts/s, errors ${errors}; seed budget p95 ≤ 600 ms → ${p95 <= 600 ? 'met' : 'MISSED'}; aim ≤ 60 ms → ${p95 <= 60 ? 'met' : 'missed'} (${p95.toFixed(1)} ms)`,
  );
  await db.close();
});
