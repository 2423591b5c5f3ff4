/**
 * Alarms watch what code emits: every custom metric (the only names the EMF adapter accepts and
 * the only ones the observability stack alarms on, see observability.stack.checks.ts) is emitted
 * by the source files its definition names, and the adapter writes it under the namespace and the
 * single Stage dimension the alarm is built with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmfMetrics } from '../../lambdas/adapters/powertools-metrics.ts';
import { customMetrics, metricNamespace, stageDimension } from './metrics.ts';

const root = join(import.meta.dirname, '..', '..');

afterEach(() => vi.restoreAllMocks());

describe('custom metrics', () => {
  it.each(Object.entries(customMetrics))('%s is emitted by the code its definition names', (key, definition) => {
    expect(definition.emittedBy.length).toBeGreaterThan(0);
    for (const file of definition.emittedBy) {
      const source = readFileSync(join(root, file), 'utf8');
      expect(source, `${file} must emit customMetrics.${key}`).toMatch(
        new RegExp(`\\.count\\(\\s*customMetrics\\.${key}\\.name`),
      );
    }
  });

  it.each(Object.values(customMetrics))(
    '$name is written as EMF with the alarm namespace and dimensions',
    (definition) => {
      const lines: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
      createEmfMetrics({ stage: 'prod', enabled: true }).count(definition.name);
      vi.restoreAllMocks();
      const emf = lines.map((line) => JSON.parse(line) as Record<string, any>).find((line) => line._aws);
      expect(emf).toBeDefined();
      expect(emf!._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: metricNamespace,
          Dimensions: [[stageDimension]],
          Metrics: [{ Name: definition.name, Unit: 'Count' }],
        },
      ]);
      expect(emf).toMatchObject({ [stageDimension]: 'prod', [definition.name]: 1 });
    },
  );

  it('refuses a name that is not defined, and writes nothing when disabled (local stack)', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(() => createEmfMetrics({ stage: 'prod', enabled: true }).count('WebhookDeliveryFailed')).toThrow(
      /not a custom metric/,
    );
    createEmfMetrics({ stage: 'local', enabled: false }).count(customMetrics.mediaProcessingFailed.name);
    expect(write).not.toHaveBeenCalled();
  });
});
