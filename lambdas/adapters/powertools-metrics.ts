/**
 * Custom metrics as CloudWatch Embedded Metric Format lines, written by Powertools for AWS
 * Lambda's Metrics. Only names from infra/definitions/metrics.ts can be emitted, under its
 * namespace with the stage as the only dimension — exactly what the alarms watch (Powertools'
 * default `service` dimension is removed: an alarm matches a metric only on all its dimensions).
 * Off in the local stack and tests unless asked for (EMF lines would only be noise on stdout).
 */
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsRecorder } from '../core/ports.ts';
import {
  customMetrics,
  metricNamespace,
  stageDimension,
  type CustomMetricName,
} from '../../infra/definitions/metrics.ts';

const known = new Set<string>(Object.values(customMetrics).map((definition) => definition.name));

export function createEmfMetrics(options: { stage: string; enabled: boolean }): MetricsRecorder {
  const metrics = new PowertoolsMetrics({ namespace: metricNamespace });
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ [stageDimension]: options.stage });
  return {
    count(name: CustomMetricName, value = 1) {
      if (!known.has(name)) throw new Error(`${name} is not a custom metric in infra/definitions/metrics.ts`);
      if (!options.enabled) return;
      // One EMF line at once (add and publish with no await between, so nothing interleaves): these
      // are rare events, and no flush can be forgotten on an error path. Not `singleMetric()`: it
      // builds a new instance that puts the `service` dimension back.
      metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
    },
  };
}

/** From the environment: on when STAGE is a deployed stage (dev, stage, prod). */
export function metricsFromEnv(): MetricsRecorder {
  const stage = process.env.STAGE ?? 'local';
  return createEmfMetrics({ stage, enabled: !['local', 'test'].includes(stage) });
}
