/**
 * Custom CloudWatch metrics: the names Lambdas emit (Embedded Metric Format, through
 * lambdas/adapters/powertools-metrics.ts, which accepts only names defined here) and the
 * observability stack alarms on (one alarm per entry with an `alarm`). Defined once so an emitter
 * and its alarm cannot drift apart; infra/definitions/metrics.test.ts checks both directions.
 */
export const metricNamespace = 'RastUp';

/** Every custom metric carries the stage as its only dimension (no Powertools `service` dimension). */
export const stageDimension = 'Stage';

export interface CustomMetricDefinition {
  readonly name: string;
  readonly unit: 'Count';
  readonly description: string;
  /** Source files that emit it (the cross-check test requires each to reference the metric). */
  readonly emittedBy: readonly string[];
  /** Sum over 5 minutes above `threshold` in 2 of `evaluationPeriods` periods pages on-call. */
  readonly alarm?: { readonly threshold: number; readonly evaluationPeriods: number };
}

export const customMetrics = {
  /** An uploaded image ended FAILED (undecodable, hostile, or its original vanished). */
  mediaProcessingFailed: {
    name: 'MediaProcessingFailed',
    unit: 'Count',
    description: 'Uploaded images the media worker could not process (item ended FAILED)',
    emittedBy: ['lambdas/media/media-worker.service.ts'],
    alarm: { threshold: 10, evaluationPeriods: 3 },
  },
  /** Stripe moved money for a booking (refund, capture, payout) that could no longer be recorded on it. */
  bookingPaymentUnapplied: {
    name: 'BookingPaymentUnapplied',
    unit: 'Count',
    description: 'Money steps Stripe executed whose booking transition could not be applied (needs an operator)',
    emittedBy: ['lambdas/booking/booking.service.ts'],
    alarm: { threshold: 0, evaluationPeriods: 1 },
  },
} as const satisfies Record<string, CustomMetricDefinition>;

export type CustomMetricKey = keyof typeof customMetrics;
export type CustomMetricName = (typeof customMetrics)[CustomMetricKey]['name'];
