/** Payments configuration, read once per container and validated at cold start. */
import * as z from 'zod';
import { baseEnvSchema, parseConfig } from '../core/config.ts';

export const paymentsEnvSchema = baseEnvSchema.extend({
  /** Stripe secret key (sk_test_… for test mode; the local stand-in's key locally). */
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret or restricted key'),
  /** The webhook endpoint's signing secret (whsec_…). */
  STRIPE_WEBHOOK_SECRET: z.string().startsWith('whsec_', 'must be a Stripe webhook signing secret'),
  /** Unset: api.stripe.com. Locally the loopback stand-in's URL. */
  STRIPE_API_BASE_URL: z.url().optional(),
  /** Signs checkout quotes (HMAC-SHA256), at least 32 bytes. */
  PAYMENTS_QUOTE_KEY: z.string().min(32, 'at least 32 characters'),
  /** Where Connect onboarding returns to (the web app's payout settings page). */
  PUBLIC_WEB_BASE_URL: z.url(),
  /** Platform fee in basis points of the services subtotal (1000 = 10 %). */
  PAYMENTS_PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(5000).default(1000),
  /** How long a quote may be confirmed, in seconds. */
  PAYMENTS_QUOTE_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
});
export type PaymentsConfig = z.infer<typeof paymentsEnvSchema>;

/**
 * What chargeback evidence needs on top (the payments Lambda and the dispute-evidence job): the
 * messaging table it reads a booking's thread from, and the auto-submit margin. Read on first use, so
 * the payments Lambdas that never touch disputes (reconciler, staff refunds) do not need the table.
 */
export const disputeEvidenceEnvSchema = z.object({
  MESSAGING_TABLE: z.string().min(1),
  /** An unreviewed evidence pack is submitted on its own this many hours before Stripe's deadline. */
  PAYMENTS_DISPUTE_AUTO_SUBMIT_HOURS: z.coerce.number().int().min(1).max(168).default(24),
});
export type DisputeEvidenceConfig = z.infer<typeof disputeEvidenceEnvSchema>;

export function disputeEvidenceConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DisputeEvidenceConfig {
  return parseConfig(disputeEvidenceEnvSchema, env);
}

/**
 * Variables the payments Lambda may take from Secrets Manager (lambdas/adapters/secret-env.ts): in
 * AWS `<NAME>_SECRET_ARN` (infra/definitions/secrets.ts, `payments/stripe`); locally plain variables.
 */
export const paymentsSecretVariables = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'PAYMENTS_QUOTE_KEY'] as const;

export function paymentsConfig(env: Readonly<Record<string, string | undefined>> = process.env): PaymentsConfig {
  return parseConfig(paymentsEnvSchema, env);
}

/**
 * What the payments adapter needs when another domain's Lambda runs it (booking's port, through
 * `bookingPaymentsFromEnv` in index.ts): the Stripe key (and, for the provider's signature checks,
 * the webhook secret). In AWS from the `payments/stripe` secret, like the payments Lambda.
 */
export const stripeAdapterEnvSchema = baseEnvSchema.extend({
  STRIPE_SECRET_KEY: paymentsEnvSchema.shape.STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET: paymentsEnvSchema.shape.STRIPE_WEBHOOK_SECRET,
  STRIPE_API_BASE_URL: paymentsEnvSchema.shape.STRIPE_API_BASE_URL,
});
export type StripeAdapterConfig = z.infer<typeof stripeAdapterEnvSchema>;
// The whole payments/stripe secret (its IAM grant is per secret, so the quote key is readable anyway;
// the adapter does not use it). The config contract requires every variable of a bound secret resolved.
export const stripeAdapterSecretVariables = paymentsSecretVariables;

export function stripeAdapterConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): StripeAdapterConfig {
  return parseConfig(stripeAdapterEnvSchema, env);
}
