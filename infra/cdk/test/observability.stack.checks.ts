import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { customMetrics, metricNamespace, stageDimension } from '../../definitions/metrics.ts';
import { loadBudgetsFile, parseBudgetsYaml } from '../finops/budgets-file.ts';
import { resourcesOf, synthProbeStage, synthStage, type SynthesizedStage, synthTimeoutMs } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerObservabilityStackChecks(): void {
  describe('observability', () => {
    let dev: SynthesizedStage;
    let prod: SynthesizedStage;
    beforeAll(() => {
      dev = synthStage('dev');
      prod = synthStage('prod');
    }, synthTimeoutMs);

    const alarmNames = (s: SynthesizedStage) =>
      Object.values(resourcesOf(s.templates.observability, 'AWS::CloudWatch::Alarm')).map(
        (a) => (a.Properties as any).AlarmName as string,
      );

    describe('observability', () => {
      it('alarms on 5xx rate and p95 latency of both APIs', () => {
        expect(alarmNames(prod)).toEqual(
          expect.arrayContaining([
            'rastup-prod-graphql-5xx-rate',
            'rastup-prod-graphql-p95-latency',
            'rastup-prod-rest-5xx-rate',
            'rastup-prod-rest-p95-latency',
          ]),
        );
        prod.templates.observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: 'rastup-prod-graphql-p95-latency',
          Threshold: 450,
          ExtendedStatistic: 'p95',
          Namespace: 'AWS/AppSync',
        });
      });

      it('alarms only on custom metrics the code emits, with the emitter namespace and dimensions', () => {
        const alarms = Object.values(resourcesOf(prod.templates.observability, 'AWS::CloudWatch::Alarm')).map(
          (a) => a.Properties as any,
        );
        // Single-metric alarms carry the metric at the top level; math alarms in Metrics[].MetricStat.
        const watched = alarms.flatMap((props) => [
          ...(props.MetricName
            ? [{ Namespace: props.Namespace, MetricName: props.MetricName, Dimensions: props.Dimensions }]
            : []),
          ...((props.Metrics ?? []) as any[]).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : [])),
        ]);
        const custom = watched.filter((metric) => metric.Namespace === metricNamespace);
        const emitted = new Set(Object.values(customMetrics).map((definition) => definition.name));
        for (const metric of custom) {
          expect(emitted.has(metric.MetricName), `${metric.MetricName} is watched but not defined/emitted`).toBe(true);
          expect(metric.Dimensions).toEqual([{ Name: stageDimension, Value: 'prod' }]);
        }
        const alarmed = Object.values(customMetrics)
          .filter((definition) => 'alarm' in definition)
          .map((definition) => definition.name);
        expect(new Set(custom.map((metric) => metric.MetricName))).toEqual(new Set(alarmed));
      });

      it('sends every alarm to the encrypted on-call topic', () => {
        const topicId = prod.stage.observability.getLogicalId(
          prod.stage.observability.alarmTopic.node.defaultChild as never,
        );
        prod.templates.observability.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
        // SLO window alarms are silent parts of the burn-rate composite alarms, which page (slo.checks.ts).
        const alarms = Object.values(resourcesOf(prod.templates.observability, 'AWS::CloudWatch::Alarm'))
          .map((a) => a.Properties as any)
          .filter((props) => !String(props.AlarmName).startsWith('rastup-prod-slo-'));
        for (const props of alarms) expect(props.AlarmActions, props.AlarmName).toEqual([{ Ref: topicId }]);
      });

      it('alarms on the depth of every DLQ', () => {
        const probe = synthProbeStage('prod');
        expect(alarmNames(probe)).toContain('rastup-prod-dlq-probe-indexer');
        probe.templates.observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: 'rastup-prod-dlq-probe-indexer',
          Threshold: 0,
          Metrics: [
            Match.objectLike({
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' }),
                Stat: 'Maximum',
              }),
            }),
          ],
        });
      });

      it('has a dashboard', () => {
        prod.templates.observability.hasResourceProperties('AWS::CloudWatch::Dashboard', {
          DashboardName: 'rastup-prod',
        });
      });

      it('turns ops/finops/budgets.yml into monthly budgets alerting at each threshold, scaled per stage', () => {
        const file = loadBudgetsFile();
        const budgets = (s: SynthesizedStage) =>
          Object.values(resourcesOf(s.templates.observability, 'AWS::Budgets::Budget')).map((b) => b.Properties as any);
        expect(budgets(prod)).toHaveLength(file.budgets.length);
        for (const definition of file.budgets) {
          const budget = budgets(prod).find((b) => b.Budget.BudgetName === `rastup-prod-${definition.name}`);
          expect(budget.Budget.BudgetLimit).toEqual({ Amount: definition.amountUsd, Unit: 'USD' });
          expect(budget.Budget.TimeUnit).toBe('MONTHLY');
          expect(budget.Budget.FilterExpression.And).toContainEqual({
            Tags: { Key: definition.tagKey, Values: [definition.tagValue], MatchOptions: ['EQUALS'] },
          });
          expect(budget.NotificationsWithSubscribers.map((n: any) => n.Notification.Threshold)).toEqual([70, 90, 100]);
          const devBudget = budgets(dev).find((b) => b.Budget.BudgetName === `rastup-dev-${definition.name}`);
          expect(devBudget.Budget.BudgetLimit.Amount).toBe(Math.round(definition.amountUsd * 0.1));
        }
        expect(file.budgets.map((b) => [b.name, b.amountUsd])).toEqual([
          ['s3-monthly', 250],
          ['lambda-monthly', 400],
          ['aurora-monthly', 1200],
          ['cloudfront-monthly', 600],
          ['typesense-monthly', 300],
        ]);
      });

      it('watches for cost anomalies (> 2x baseline) in prod only', () => {
        prod.templates.observability.hasResourceProperties('AWS::CE::AnomalySubscription', {
          ThresholdExpression: Match.stringLikeRegexp('ANOMALY_TOTAL_IMPACT_PERCENTAGE.*"100"'),
        });
        dev.templates.observability.resourceCountIs('AWS::CE::AnomalyMonitor', 0);
      });

      it('reads both alert notations of the seed and rejects malformed files', () => {
        const parsed = parseBudgetsYaml(
          'budgets:\n  - name: s3-monthly\n    amount_usd: 250\n    tag: service:s3\n    alerts:\n      - threshold: 90\n      - threshold: 70\n',
        );
        expect(parsed.budgets[0]).toEqual({
          name: 's3-monthly',
          amountUsd: 250,
          tagKey: 'service',
          tagValue: 's3',
          alertPercents: [70, 90],
        });
        expect(() =>
          parseBudgetsYaml('budgets:\n  - name: s3\n    amount_usd: -1\n    tag: service:s3\n    alerts: [70]\n'),
        ).toThrow();
        expect(() => parseBudgetsYaml('budgets: []\n')).toThrow();
      });
    });
  });
}
