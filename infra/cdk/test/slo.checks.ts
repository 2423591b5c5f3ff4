import { beforeAll, describe, expect, it } from 'vitest';
import { burnRateAlerts, burnThresholdPercent, slos } from '../../definitions/slos.ts';
import { resourcesOf, synthStage, type SynthesizedStage, synthTimeoutMs } from './synth-fixture.ts';

/** Registered by cdk.test.ts: SLO burn-rate alarms and the SLO dashboard (NTB-POST-001). */
export function registerSloChecks(): void {
  describe('SLOs', () => {
    let prod: SynthesizedStage;
    beforeAll(() => {
      prod = synthStage('prod');
    }, synthTimeoutMs);

    const props = (type: string) =>
      Object.values(resourcesOf(prod.templates.observability, type)).map((r) => r.Properties as any);

    it('has a fast and a slow burn-rate composite alarm per active SLO, both windows required, paging on-call', () => {
      const active = slos.filter((slo) => slo.status === 'active');
      expect(active.map((slo) => slo.surface)).toEqual(['graphql', 'graphql', 'rest-auth', 'rest-auth']);
      const composites = props('AWS::CloudWatch::CompositeAlarm');
      const alarms = resourcesOf(prod.templates.observability, 'AWS::CloudWatch::Alarm');
      const logicalIdOf = (name: string) =>
        Object.entries(alarms).find(([, a]) => (a.Properties as any).AlarmName === name)?.[0];
      const topicId = prod.stage.observability.getLogicalId(
        prod.stage.observability.alarmTopic.node.defaultChild as never,
      );
      for (const slo of active)
        for (const alert of burnRateAlerts) {
          const name = `rastup-prod-slo-${slo.id}-${alert.name}-burn`;
          const composite = composites.find((c) => c.AlarmName === name);
          expect(composite, name).toBeDefined();
          const rule = JSON.stringify(composite.AlarmRule);
          const long = logicalIdOf(`rastup-prod-slo-${slo.id}-${alert.name}-long`);
          const short = logicalIdOf(`rastup-prod-slo-${slo.id}-${alert.name}-short`);
          expect(long && short).toBeTruthy();
          expect(rule).toContain(long!);
          expect(rule).toContain(short!);
          expect(rule).toContain(') AND ALARM(');
          expect(composite.AlarmActions).toEqual([{ Ref: topicId }]);
          // The window alarms themselves stay silent: only both together page.
          expect((alarms[long!]!.Properties as any).AlarmActions).toBeUndefined();
        }
      // Planned surfaces (partner API, webhooks) have no alarm yet: nothing emits their SLIs.
      for (const slo of slos.filter((s) => s.status !== 'active'))
        expect(composites.some((c) => String(c.AlarmName).includes(slo.id))).toBe(false);
    });

    it('sets each window alarm at burn rate × error budget over the window length', () => {
      const alarms = props('AWS::CloudWatch::Alarm');
      const availability = slos.find((slo) => slo.id === 'graphql-availability')!;
      const fastLong = alarms.find((a) => a.AlarmName === 'rastup-prod-slo-graphql-availability-fast-long');
      expect(fastLong.Threshold).toBe(burnThresholdPercent(availability, 14.4));
      expect(fastLong.Threshold).toBeCloseTo(7.2, 5); // 14.4 × 0.5 %
      const periods = (fastLong.Metrics as any[]).flatMap((m) => (m.MetricStat ? [m.MetricStat.Period] : []));
      expect(periods).toEqual([3600, 3600]);
      const slowShort = alarms.find((a) => a.AlarmName === 'rastup-prod-slo-graphql-availability-slow-short');
      expect(slowShort.Threshold).toBeCloseTo(3, 5); // 6 × 0.5 %
      expect((slowShort.Metrics as any[]).flatMap((m) => (m.MetricStat ? [m.MetricStat.Period] : []))).toEqual([
        1800, 1800,
      ]);
      // Latency: the share of requests slower than 450 ms, from the percentile rank.
      const latency = alarms.find((a) => a.AlarmName === 'rastup-prod-slo-rest-auth-latency-fast-long');
      expect(latency.Threshold).toBeCloseTo(72, 5); // 14.4 × 5 %
      const stat = (latency.Metrics as any[]).find((m) => m.MetricStat).MetricStat;
      expect(stat).toMatchObject({ Stat: 'PR(:450)', Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Latency' } });
    });

    it('has an SLO dashboard per stage', () => {
      const dashboards = props('AWS::CloudWatch::Dashboard');
      const slo = dashboards.find((d) => d.DashboardName === 'rastup-prod-slo');
      expect(slo).toBeDefined();
      const body = JSON.stringify(slo.DashboardBody);
      for (const id of ['graphql-availability', 'graphql-latency', 'rest-auth-availability', 'rest-auth-latency'])
        expect(body).toContain(id);
    });
  });
}
