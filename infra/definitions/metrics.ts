/**
 * Custom CloudWatch metrics: the names Lambdas emit (Embedded Metric Format) and the
 * observability stack alarms on. Defined once so an emitter and its alarm cannot drift apart.
 */
export const metricNamespace = 'RastUp';

/** Every custom metric carries the stage as its only dimension. */
export const stageDimension = 'Stage';

export const webhookMetrics = {
  /** One per delivery attempt to a partner endpoint (count). */
  attempted: 'WebhookDeliveryAttempted',
  /** One per attempt that did not get a 2xx in time (count). */
  failed: 'WebhookDeliveryFailed',
} as const;
