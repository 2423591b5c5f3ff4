/** Booking configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';

export const bookingEnvSchema = baseEnvSchema.extend({
  /** How long owners have to answer a request (minutes; capped at the start). */
  BOOKING_RESPOND_WITHIN_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(24 * 60),
  /** How long a hold waits for the payment step (minutes). */
  BOOKING_HOLD_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /**
   * Where money goes: `stripe` = the payments adapter (Stripe, or its local stand-in, with the
   * payments/stripe secret); `none` = NoMoneyPayments (every hold authorised at once, nothing moves).
   */
  BOOKING_PAYMENTS: z.enum(['stripe', 'none']).default('stripe'),
});
export type BookingConfig = z.infer<typeof bookingEnvSchema>;

export const bookingConfig = configOnce((): BookingConfig => parseConfig(bookingEnvSchema));
