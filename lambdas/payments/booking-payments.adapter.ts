/**
 * The payments adapter of booking's BookingPaymentsPort, for booking's composition root: the same
 * services as the payments Lambda, on the database handle booking gives it (booking's role holds the
 * grants, migration 1500). Booking passes a pool of its own for it, so a booking transaction waiting
 * on a payments call never waits for its own pool.
 *
 * The provider is built by the caller's composition root (booking.module.ts passes the Stripe
 * adapter's factory): this module, and so lambdas/payments/index.ts, never imports the Stripe SDK,
 * which keeps it out of the bundles of Lambdas that only read payments (partner, staff).
 */
import { systemClock } from '../core/clock.ts';
import type { Database } from '../core/db/database.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import type { PaymentProvider } from '../core/payment-provider.ts';
import { resolveSecretEnv } from '../adapters/secret-env.ts';
import { StripeBookingPayments } from './booking-payments.service.ts';
import { stripeAdapterConfig, stripeAdapterSecretVariables } from './payments.config.ts';
import { paymentsRepositories } from './payments.repositories.ts';
import { PayoutsService } from './payouts.service.ts';

/** How the caller builds the provider from the resolved `payments/stripe` settings. */
export type PaymentProviderFactory = (options: {
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly apiBaseUrl?: string | undefined;
}) => PaymentProvider;

export async function bookingPaymentsFromEnv(
  database: Database,
  createProvider: PaymentProviderFactory,
): Promise<StripeBookingPayments> {
  const logger = createLogger({ service: 'payments' });
  const env = await resolveSecretEnv(stripeAdapterSecretVariables, {
    onUnset: (variable, arn) =>
      logger.warn('Secrets Manager holds no value for a variable (fill it: infra/cdk/README.md)', {
        variable,
        from: arn,
      }),
  });
  const config = stripeAdapterConfig(env);
  const db = createUnitOfWork(database, paymentsRepositories);
  const provider = createProvider({
    secretKey: config.STRIPE_SECRET_KEY,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET,
    apiBaseUrl: config.STRIPE_API_BASE_URL,
  });
  // Transfers only: the payout onboarding parts of PayoutsService (clock, web URL) are not used here.
  return new StripeBookingPayments(db, provider, new PayoutsService(db, provider, systemClock, 'about:blank'));
}
