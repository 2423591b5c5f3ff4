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
  /**
   * External calendar import (calendar.service.ts): may feeds point at loopback (http or https)?
   * Only for the local stack, whose own export URL is on 127.0.0.1; refused at cold start elsewhere.
   */
  BOOKING_ICS_ALLOW_LOOPBACK: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /** A feed larger than this is refused (bytes, declared or read). */
  BOOKING_ICS_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(1024 * 1024),
  /** The whole fetch of one feed, connect to last byte (ms). */
  BOOKING_ICS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** This API's public origin: the export URL is `${PUBLIC_BASE_URL}/calendar/<token>.ics`. */
  PUBLIC_BASE_URL: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
});
export type BookingConfig = z.infer<typeof bookingEnvSchema>;

/** The calendar fetch limits; loopback feeds only where the stage is local (or the test stage). */
export function calendarFetchLimits(config: BookingConfig) {
  if (config.BOOKING_ICS_ALLOW_LOOPBACK && config.STAGE !== 'local' && config.STAGE !== 'test')
    throw new Error(`BOOKING_ICS_ALLOW_LOOPBACK is for the local stack only, not for stage ${config.STAGE}`);
  return {
    allowLoopback: config.BOOKING_ICS_ALLOW_LOOPBACK,
    maxBytes: config.BOOKING_ICS_MAX_BYTES,
    timeoutMs: config.BOOKING_ICS_TIMEOUT_MS,
  };
}

export const bookingConfig = configOnce((): BookingConfig => parseConfig(bookingEnvSchema));
