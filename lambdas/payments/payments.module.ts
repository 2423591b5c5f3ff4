/** Composition root of the payments Lambda: configuration, the Stripe adapter, the unit of work. */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { resolveSecretEnv } from '../adapters/secret-env.ts';
import { createStripePaymentProvider } from '../adapters/stripe-payment-provider.ts';
import { documentClientFromEnv } from '../adapters/dynamodb.ts';
import { CheckoutGroupDirectory, disputeEvidenceBookings } from '../booking/index.ts';
import { BookingThreadExcerpts } from '../messaging/index.ts';
import { staffAuthority } from '../staff/index.ts';
import { StripeBookingPayments } from './booking-payments.service.ts';
import { CheckoutConfirmation } from './checkout-confirm.service.ts';
import { CheckoutService } from './checkout.service.ts';
import { DisputeEvidenceService } from './dispute-evidence.service.ts';
import { disputeEvidenceConfig, paymentsConfig, paymentsSecretVariables } from './payments.config.ts';
import { paymentsRepositories } from './payments.repositories.ts';
import { PaymentsErasureService, paymentsErasureRepositories } from './payments-erasure.service.ts';
import { PayoutsService } from './payouts.service.ts';
import { PaymentsReconciler } from './reconciliation.service.ts';
import { StripeWebhookService } from './stripe-webhook.service.ts';
import { CityRateTable } from './tax.ts';

export interface PaymentsModule {
  readonly bookingPayments: StripeBookingPayments;
  readonly checkout: CheckoutService;
  readonly confirmation: CheckoutConfirmation;
  readonly payouts: PayoutsService;
  readonly webhooks: StripeWebhookService;
  readonly reconciler: PaymentsReconciler;
  /** Chargeback evidence packs; built on first use (its configuration too). */
  disputes(): DisputeEvidenceService;
}

let module: Promise<PaymentsModule> | undefined;

export function paymentsModule(): Promise<PaymentsModule> {
  module ??= (async () => {
    const logger = createLogger({ service: 'payments' });
    const env = await resolveSecretEnv(paymentsSecretVariables, {
      onUnset: (variable, arn) =>
        logger.warn('Secrets Manager holds no value for a variable (fill it: infra/cdk/README.md)', {
          variable,
          from: arn,
        }),
    });
    const config = paymentsConfig(env);
    const database = await databaseFromEnv('payments');
    const db = createUnitOfWork(database, paymentsRepositories);
    const provider = createStripePaymentProvider({
      secretKey: config.STRIPE_SECRET_KEY,
      webhookSecret: config.STRIPE_WEBHOOK_SECRET,
      apiBaseUrl: config.STRIPE_API_BASE_URL,
    });
    const payouts = new PayoutsService(db, provider, systemClock, config.PUBLIC_WEB_BASE_URL);
    const bookingPayments = new StripeBookingPayments(db, provider, payouts);
    const checkout = new CheckoutService(db.prices, new CityRateTable(), systemClock, {
      feeBps: config.PAYMENTS_PLATFORM_FEE_BPS,
      ttlSeconds: config.PAYMENTS_QUOTE_TTL_SECONDS,
      quoteKey: config.PAYMENTS_QUOTE_KEY,
    });
    let disputes: DisputeEvidenceService | undefined;
    const disputeEvidence = () => {
      if (!disputes) {
        const disputeConfig = disputeEvidenceConfig();
        disputes = new DisputeEvidenceService(
          db,
          provider,
          disputeEvidenceBookings(database),
          new BookingThreadExcerpts(documentClientFromEnv(), disputeConfig.MESSAGING_TABLE),
          systemClock,
          logger,
          { autoSubmitMarginMs: disputeConfig.PAYMENTS_DISPUTE_AUTO_SUBMIT_HOURS * 3_600_000 },
          staffAuthority(database, systemClock),
        );
      }
      return disputes;
    };
    return {
      bookingPayments,
      checkout,
      confirmation: new CheckoutConfirmation(
        checkout,
        new CheckoutGroupDirectory(database),
        bookingPayments,
        db.payments,
      ),
      payouts,
      // A dispute event is followed (after its commit) by the evidence pack's assembly; the job retries a failure.
      webhooks: new StripeWebhookService(db, provider, async (disputeId) => {
        try {
          await disputeEvidence().assemble(disputeId);
        } catch (error) {
          logger.warn('Dispute pack not assembled after the webhook; the dispute-evidence job will', {
            disputeId,
            error,
          });
        }
      }),
      disputes: disputeEvidence,
      reconciler: new PaymentsReconciler(db, provider, bookingPayments, systemClock, logger),
    };
  })();
  module.catch(() => (module = undefined));
  return module;
}

let erasure: Promise<PaymentsErasureService> | undefined;

/** The user.deleted consumer (pseudonymises the account's payment records); needs no Stripe secret. */
export function paymentsErasure(): Promise<PaymentsErasureService> {
  erasure ??= databaseFromEnv('payments').then(
    (db) =>
      new PaymentsErasureService(
        createUnitOfWork(db, paymentsErasureRepositories),
        createLogger({ service: 'payments' }),
      ),
  );
  erasure.catch(() => (erasure = undefined));
  return erasure;
}
