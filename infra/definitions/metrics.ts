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
  /**
   * DMCA SLA (NTB-HELP-002): counter-noticed cases still down past their restore-by instant (business
   * day 14 of the §512(g) window). Emitted by every run of the hourly restore job while any is late.
   */
  dmcaRestoreOverdue: {
    name: 'DmcaRestoreOverdue',
    unit: 'Count',
    description: 'Counter-noticed DMCA cases not restored by the end of the statutory window (legal SLA breached)',
    emittedBy: ['lambdas/dmca/dmca.service.ts'],
    alarm: { threshold: 0, evaluationPeriods: 1 },
  },
  /** DMCA SLA: a case whose restore failed (the job goes on with the others; the case is retried next hour). */
  dmcaRestoreFailed: {
    name: 'DmcaRestoreFailed',
    unit: 'Count',
    description: 'DMCA restores that failed in a run of the restore job (retried at the next run)',
    emittedBy: ['lambdas/dmca/dmca.service.ts'],
    alarm: { threshold: 0, evaluationPeriods: 1 },
  },
} as const satisfies Record<string, CustomMetricDefinition>;

export type CustomMetricKey = keyof typeof customMetrics;
export type CustomMetricName = (typeof customMetrics)[CustomMetricKey]['name'];
