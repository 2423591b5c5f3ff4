/**
 * SLOs as CloudWatch alarms and a dashboard (NTB-POST-001): for each active SLO of
 * infra/definitions/slos.ts, one composite alarm per burn-rate alert (fast, slow) that fires when
 * the bad-event percentage exceeds burn rate × error budget over both its long and its short window,
 * and a dashboard `rastup-<stage>-slo` with the SLIs over the window and their burn rates.
 * Metric ids carry the window length, so one graph can show several windows.
 * Bad events: availability — 5xx over requests; latency — requests slower than the threshold,
 * from the metric's percentile rank (`PR(:450)` is the percentage at or below 450 ms).
 */
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmRule,
  AlarmState,
  ComparisonOperator,
  CompositeAlarm,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
  type IAlarmAction,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  burnRateAlerts,
  burnThresholdPercent,
  slos,
  type SloDefinition,
  type SloSurface,
} from '../../definitions/slos.ts';

export interface SloAlarmsProps {
  readonly stage: string;
  readonly graphqlApiId: string;
  readonly restApi: RestApi;
  readonly action: IAlarmAction;
}

export class SloAlarms extends Construct {
  readonly compositeAlarms: CompositeAlarm[] = [];

  constructor(scope: Construct, id: string, props: SloAlarmsProps) {
    super(scope, id);
    const { stage } = props;

    /** The SLI's bad-event percentage over `minutes`, for a surface that exists. */
    const badPercent = (slo: SloDefinition, minutes: number): IMetric => {
      const period = Duration.minutes(minutes);
      const label = `${slo.id} bad % (${minutes} min)`;
      const within = `PR(:${slo.thresholdMs ?? 0})`;
      const appsync = (metricName: string, statistic: string) =>
        new Metric({
          namespace: 'AWS/AppSync',
          metricName,
          dimensionsMap: { GraphQLAPIId: props.graphqlApiId },
          period,
          statistic,
        });
      const surfaces: Partial<Record<SloSurface, Record<SloDefinition['kind'], () => IMetric>>> = {
        graphql: {
          availability: () =>
            new MathExpression({
              label,
              expression: `100 * errors${minutes} / MAX([errors${minutes}, requests${minutes}, 1])`,
              usingMetrics: {
                [`errors${minutes}`]: appsync('5XXError', 'Sum'),
                [`requests${minutes}`]: appsync('Latency', 'SampleCount'),
              },
              period,
            }),
          latency: () =>
            new MathExpression({
              label,
              expression: `100 - fast${minutes}`,
              usingMetrics: { [`fast${minutes}`]: appsync('Latency', within) },
              period,
            }),
        },
        'rest-auth': {
          // API Gateway's 5XXError averaged over requests is already the error share (0..1).
          availability: () =>
            new MathExpression({
              label,
              expression: `100 * errorShare${minutes}`,
              usingMetrics: {
                [`errorShare${minutes}`]: props.restApi.metricServerError({ period, statistic: 'Average' }),
              },
              period,
            }),
          latency: () =>
            new MathExpression({
              label,
              expression: `100 - fast${minutes}`,
              usingMetrics: { [`fast${minutes}`]: props.restApi.metricLatency({ period, statistic: within }) },
              period,
            }),
        },
      };
      const metric = surfaces[slo.surface]?.[slo.kind];
      if (!metric) throw new Error(`SLO ${slo.id}: no SLI for surface ${slo.surface} (${slo.kind})`);
      return metric();
    };

    const active = slos.filter((slo) => slo.status === 'active');
    const rows: (GraphWidget | SingleValueWidget | TextWidget)[][] = [
      [
        new TextWidget({
          markdown: [
            `# RastUp ${stage}: SLOs (${active[0]?.windowDays ?? 30}-day window)`,
            ...slos.map(
              (slo) =>
                `- **${slo.id}**: ${slo.objectivePercent} % ${slo.description}` +
                (slo.status === 'active' ? '' : ` — planned (#${slo.status.planned})`),
            ),
            `Burn-rate alerts: ${burnRateAlerts.map((a) => `${a.name} ${a.burnRate}× over ${a.longWindowMinutes} min and ${a.shortWindowMinutes} min`).join('; ')}.`,
          ].join('\n'),
          width: 24,
          height: 2 + Math.ceil(slos.length / 2),
        }),
      ],
    ];

    for (const slo of active) {
      const alertMetrics: IMetric[] = [];
      const annotations: HorizontalAnnotation[] = [];
      for (const alert of burnRateAlerts) {
        const threshold = burnThresholdPercent(slo, alert.burnRate);
        const windowAlarm = (minutes: number, which: 'long' | 'short') => {
          const metric = badPercent(slo, minutes);
          if (which === 'long') alertMetrics.push(metric);
          return new Alarm(this, `${slo.id}-${alert.name}-${which}`, {
            alarmName: `rastup-${stage}-slo-${slo.id}-${alert.name}-${which}`,
            alarmDescription: `${slo.id}: bad events above ${threshold} % over ${minutes} min (${alert.burnRate}× burn)`,
            metric,
            threshold,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          });
        };
        const composite = new CompositeAlarm(this, `${slo.id}-${alert.name}-burn`, {
          compositeAlarmName: `rastup-${stage}-slo-${slo.id}-${alert.name}-burn`,
          alarmDescription:
            `${slo.id} (${slo.objectivePercent} % over ${slo.windowDays} days) burns its error budget ${alert.burnRate}× ` +
            `too fast: at this rate the budget is gone in ${Math.round((slo.windowDays * 24) / alert.burnRate)} h. Runbook: ops/runbooks/slo-burn.md`,
          alarmRule: AlarmRule.allOf(
            AlarmRule.fromAlarm(windowAlarm(alert.longWindowMinutes, 'long'), AlarmState.ALARM),
            AlarmRule.fromAlarm(windowAlarm(alert.shortWindowMinutes, 'short'), AlarmState.ALARM),
          ),
        });
        composite.addAlarmAction(props.action);
        composite.addOkAction(props.action);
        this.compositeAlarms.push(composite);
        annotations.push({ value: threshold, label: `${alert.name} burn (${alert.burnRate}×)` });
      }
      const sli = badPercent(slo, 60);
      rows.push([
        new SingleValueWidget({
          title: `${slo.id}: bad events % over the window (budget ${Math.round((100 - slo.objectivePercent) * 1000) / 1000} %)`,
          metrics: [sli],
          setPeriodToTimeRange: true,
          width: 8,
          height: 4,
        }),
        new GraphWidget({
          title: `${slo.id}: bad events % (1 h and 6 h windows) against burn thresholds`,
          left: alertMetrics,
          leftAnnotations: annotations,
          width: 16,
          height: 4,
          period: Duration.minutes(5),
        }),
      ]);
    }

    new Dashboard(this, 'Dashboard', {
      dashboardName: `rastup-${stage}-slo`,
      defaultInterval: Duration.days(active[0]?.windowDays ?? 30),
      widgets: rows,
    });
  }
}
