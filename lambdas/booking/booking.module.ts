/**
 * Composition root of the booking Lambda and its scheduled sweep: one service per container. The
 * user.deleted consumer composes in booking-erasure.module.ts, calendars in calendar.module.ts.
 */
import { systemClock } from '../core/clock.ts';
import { createLogger } from '../core/log.ts';
import { metricsFromEnv } from '../adapters/powertools-metrics.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { createStripePaymentProvider } from '../adapters/stripe-payment-provider.ts';
import { termsEvictionFromEnv } from '../adapters/appsync-terms-eviction.ts';
import { bookingPaymentsFromEnv } from '../payments/index.ts';
import { bookingConfig } from './booking.config.ts';
import { bookingRepositories } from './booking.repositories.ts';
import { BookingService } from './booking.service.ts';
import { NoMoneyPayments, type BookingPaymentsPort } from './payments.port.ts';

let service: Promise<BookingService> | undefined;

export function bookingService(): Promise<BookingService> {
  service ??= (async () => {
    const config = bookingConfig();
    const db = await databaseFromEnv('booking');
    // Payments (issue #12): the Stripe adapter on a pool of its own (a booking transaction that calls
    // the port must never wait for a connection of the pool it holds one of), or no money at all.
    const payments: BookingPaymentsPort =
      config.BOOKING_PAYMENTS === 'stripe'
        ? await bookingPaymentsFromEnv(await databaseFromEnv('booking', 'payments'), createStripePaymentProvider)
        : new NoMoneyPayments();
    return new BookingService(
      createUnitOfWork(db, bookingRepositories),
      payments,
      systemClock,
      {
        respondWithinMinutes: config.BOOKING_RESPOND_WITHIN_MINUTES,
        holdMinutes: config.BOOKING_HOLD_MINUTES,
        startWindowMinutes: 60,
      },
      createLogger({ service: 'booking' }),
      metricsFromEnv(),
      termsEvictionFromEnv(),
    );
  })();
  service.catch(() => (service = undefined));
  return service;
}
