/**
 * Alarms to one on-call SNS topic (5xx rate, p95 latency, DLQ depth, custom metrics the code emits), a
 * dashboard with the same signals, and ops/finops/budgets.yml as AWS Budgets (seed 001, AC.1).
 * Latency and error thresholds are Appendix V's API budgets: p95 ≤ 450 ms (miss), errors ≤ 0.5 %.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { GraphqlApi } from 'aws-cdk-lib/aws-appsync';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import { CfnAnomalyMonitor, CfnAnomalySubscription } from 'aws-cdk-lib/aws-ce';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { customMetrics, metricNamespace, stageDimension } from '../../definitions/metrics.ts';
import type { RastupFunction } from '../constructs/rastup-function.construct.ts';
import { SloAlarms } from '../constructs/slo-alarms.ts';
import type { BudgetsFile } from '../finops/budgets-file.ts';
import type { StageConfig } from '../stage-config.ts';

/** Appendix V: GraphQL/API p95 ≤ 450 ms on a cache miss. */
export const p95LatencyBudgetMs = 450;
/** Appendix V: error rate ≤ 0.5 %. */
export const errorRateBudgetPercent = 0.5;
/** A consumer queue's oldest message older than this pages on-call (index freshness ≤ 5 min, plus retries). */
export const queueAgeAlarmSeconds = 15 * 60;
/** Aurora connections: the proxy multiplexes Lambdas onto a few; hundreds mean pinning or a leak. */
export const auroraConnectionsAlarm = 400;
/** RDS Proxy: average wait for a database connection, in microseconds (the metric's unit). */
export const proxyBorrowLatencyMicros = 50_000;
export const proxyClientConnectionsAlarm = 2_000;
/** Blocked requests per 5 minutes that page on-call. */
export const wafBlockedSpike = 1_000;

export interface ObservabilityStackProps extends StackProps {
  readonly config: StageConfig;
  readonly graphqlApi: GraphqlApi;
  readonly restApi: RestApi;
  readonly functions: readonly RastupFunction[];
  readonly deadLetterQueues: readonly { readonly name: string; readonly queue: IQueue }[];
  /** Consumer queues: the age of their oldest message says a consumer is falling behind. */
  readonly consumerQueues: readonly { readonly name: string; readonly queue: IQueue }[];
  /** Aurora (cluster identifier, fixed per stage) and its RDS Proxy. */
  readonly database: {
    readonly clusterIdentifier: string;
    readonly maxCapacityAcu: number;
    readonly proxyName: string;
  };
  /** Typesense services (ECS Container Insights metrics). */
  readonly searchServices: readonly { readonly clusterName: string; readonly serviceName: string }[];
  /** DynamoDB tables by physical name. */
  readonly tableNames: readonly string[];
  /** The regional web ACL's name (WAF metrics are keyed by name and region). */
  readonly webAclName: string;
  readonly budgets: BudgetsFile;
  /** Optional e-mail subscribed to the on-call topic (-c alarmEmail=…). */
  readonly alarmEmail?: string;
}

export class ObservabilityStack extends Stack {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly slo: SloAlarms;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config } = props;

    // A customer key, because AWS Budgets and CloudWatch must be allowed to use it to publish.
    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: `rastup-${config.stage} on-call topic`,
      enableKeyRotation: true,
    });
    for (const service of ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com', 'costalerts.amazonaws.com']) {
      topicKey.grant(new ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    this.alarmTopic = new Topic(this, 'OnCall', {
      topicName: `rastup-${config.stage}-on-call`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    this.alarmTopic.grantPublish(new ServicePrincipal('budgets.amazonaws.com'));
    this.alarmTopic.grantPublish(new ServicePrincipal('costalerts.amazonaws.com'));
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const notify = new SnsAction(this.alarmTopic);
    const period = Duration.minutes(5);

    const alarm = (id: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 3) => {
      const created = new Alarm(this, id, {
        alarmName: `rastup-${config.stage}-${id}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm: Math.min(evaluationPeriods, 2),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No traffic is not an outage; the canaries (not here) cover silence.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      this.alarms.push(created);
      return created;
    };

    // ---- AppSync (no metric helpers on GraphqlApi; names from the AppSync metrics docs) ------------
    const appsyncMetric = (metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/AppSync',
        metricName,
        dimensionsMap: { GraphQLAPIId: props.graphqlApi.apiId },
        period,
        statistic,
      });
    const graphql5xxRate = new MathExpression({
      label: 'GraphQL 5xx %',
      expression: '100 * errors / MAX([errors, requests, 1])',
      usingMetrics: {
        errors: appsyncMetric('5XXError', 'Sum'),
        requests: appsyncMetric('Latency', 'SampleCount'),
      },
      period,
    });
    const graphqlP95 = appsyncMetric('Latency', 'p95');
    alarm(
      'graphql-5xx-rate',
      graphql5xxRate,
      errorRateBudgetPercent,
      `AppSync 5xx above ${errorRateBudgetPercent} % of requests (Appendix V)`,
    );
    alarm(
      'graphql-p95-latency',
      graphqlP95,
      p95LatencyBudgetMs,
      `AppSync p95 latency above ${p95LatencyBudgetMs} ms (Appendix V)`,
    );

    // ---- REST --------------------------------------------------------------------------------------
    // API Gateway's 5XXError averaged over requests is already the error share (0..1).
    const rest5xxRate = new MathExpression({
      label: 'REST 5xx %',
      expression: '100 * errorShare',
      usingMetrics: { errorShare: props.restApi.metricServerError({ period, statistic: 'Average' }) },
      period,
    });
    const restP95 = props.restApi.metricLatency({ period, statistic: 'p95' });
    alarm(
      'rest-5xx-rate',
      rest5xxRate,
      errorRateBudgetPercent,
      `REST 5xx above ${errorRateBudgetPercent} % of requests (Appendix V)`,
    );
    alarm(
      'rest-p95-latency',
      restP95,
      p95LatencyBudgetMs,
      `REST p95 latency above ${p95LatencyBudgetMs} ms (Appendix V)`,
    );

    // ---- SLOs (NTB-POST-001): burn-rate alarms and their dashboard, from infra/definitions/slos.ts ----
    this.slo = new SloAlarms(this, 'Slo', {
      stage: config.stage,
      graphqlApiId: props.graphqlApi.apiId,
      restApi: props.restApi,
      action: notify,
    });

    // ---- Dead-letter queues: any message there is an event a consumer gave up on --------------------
    const dlqMetrics = props.deadLetterQueues.map(({ name, queue }) => {
      const depth = queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
        label: name,
      });
      alarm(`dlq-${name}`, depth, 0, `Dead-letter queue of consumer ${name} holds messages`, 1);
      return depth;
    });

    // ---- Custom metrics (infra/definitions/metrics.ts; emitted as EMF by the code named there) -------
    // Webhook alarms were removed: no code delivers webhooks yet, so they watched metrics nothing
    // emits. A metric gets an alarm here only through the shared definition its emitter uses.
    const customMetric = (metricName: string) =>
      new Metric({
        namespace: metricNamespace,
        metricName,
        dimensionsMap: { [stageDimension]: config.stage },
        period,
        statistic: 'Sum',
      });
    const customAlarmMetrics = Object.values(customMetrics).map((definition) => {
      const metric = customMetric(definition.name);
      if (definition.alarm) {
        alarm(
          `metric-${definition.name}`,
          metric,
          definition.alarm.threshold,
          `${definition.description}: more than ${definition.alarm.threshold} in 5 minutes`,
          definition.alarm.evaluationPeriods,
        );
      }
      return metric;
    });

    // ---- Consumers falling behind: age of the oldest message (Appendix V: index fresh within 5 min) ---
    for (const { name, queue } of props.consumerQueues) {
      alarm(
        `queue-age-${name}`,
        queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: name }),
        queueAgeAlarmSeconds,
        `Queue of consumer ${name}: oldest message older than ${queueAgeAlarmSeconds / 60} minutes`,
      );
    }

    // ---- Aurora and RDS Proxy -----------------------------------------------------------------------
    const rds = (metricName: string, statistic: string, dimensionsMap: Record<string, string>) =>
      new Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap, period, statistic });
    const cluster = { DBClusterIdentifier: props.database.clusterIdentifier };
    alarm(
      'aurora-capacity',
      rds('ServerlessDatabaseCapacity', 'Maximum', cluster),
      props.database.maxCapacityAcu * 0.9,
      `Aurora at more than 90 % of its ${props.database.maxCapacityAcu} ACU maximum (raise maxCapacityAcu or find the load)`,
    );
    alarm(
      'aurora-connections',
      rds('DatabaseConnections', 'Maximum', cluster),
      auroraConnectionsAlarm,
      `Aurora holds more than ${auroraConnectionsAlarm} connections (the proxy should multiplex far fewer)`,
    );
    const proxy = { ProxyName: props.database.proxyName };
    alarm(
      'rds-proxy-borrow-latency',
      rds('DatabaseConnectionsBorrowLatency', 'Average', proxy),
      proxyBorrowLatencyMicros,
      `RDS Proxy waits more than ${proxyBorrowLatencyMicros / 1000} ms for a database connection (pool exhausted?)`,
    );
    alarm(
      'rds-proxy-client-connections',
      rds('ClientConnections', 'Maximum', proxy),
      proxyClientConnectionsAlarm,
      `RDS Proxy has more than ${proxyClientConnectionsAlarm} client connections (Lambda concurrency × pool size)`,
    );

    // ---- Typesense: running tasks below desired (Container Insights) ---------------------------------
    for (const service of props.searchServices) {
      const insight = (metricName: string) =>
        new Metric({
          namespace: 'ECS/ContainerInsights',
          metricName,
          dimensionsMap: { ClusterName: service.clusterName, ServiceName: service.serviceName },
          period: Duration.minutes(1),
          statistic: 'Average',
        });
      alarm(
        `ecs-tasks-below-desired-${service.serviceName}`,
        new MathExpression({
          label: `${service.serviceName} missing tasks`,
          expression: 'desired - running',
          usingMetrics: { desired: insight('DesiredTaskCount'), running: insight('RunningTaskCount') },
          period: Duration.minutes(1),
        }),
        0,
        `Typesense ${service.serviceName}: running tasks below desired for 5 minutes`,
        5,
      );
    }

    // ---- DynamoDB throttles ---------------------------------------------------------------------------
    for (const tableName of props.tableNames) {
      const dynamo = (metricName: string) =>
        new Metric({
          namespace: 'AWS/DynamoDB',
          metricName,
          dimensionsMap: { TableName: tableName },
          period,
          statistic: 'Sum',
        });
      alarm(
        `dynamodb-throttles-${tableName}`,
        new MathExpression({
          label: `${tableName} throttled`,
          expression: 'reads + writes',
          usingMetrics: { reads: dynamo('ReadThrottleEvents'), writes: dynamo('WriteThrottleEvents') },
          period,
        }),
        0,
        `DynamoDB ${tableName}: throttled reads or writes`,
        1,
      );
    }

    // ---- WAF: a spike of blocked requests (attack, or a rule blocking real users) ---------------------
    alarm(
      'waf-blocked-spike',
      new Metric({
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        dimensionsMap: { WebACL: props.webAclName, Region: this.region, Rule: 'ALL' },
        period,
        statistic: 'Sum',
      }),
      wafBlockedSpike,
      `WAF blocked more than ${wafBlockedSpike} requests in 5 minutes`,
      1,
    );

    // ---- Lambda throttles (reserved concurrency reached, or the account quota) ------------------------
    for (const fn of props.functions) {
      alarm(
        `lambda-throttles-${fn.functionName}`,
        fn.fn.metricThrottles({ period, statistic: 'Sum', label: fn.functionName }),
        0,
        `Lambda ${fn.functionName} throttled (reserved concurrency or account quota reached)`,
        1,
      );
    }

    // ---- Lambda errors, one alarm per function -------------------------------------------------------
    const errorMetrics = props.functions.map((fn) => {
      const errors = fn.fn.metricErrors({ period, statistic: 'Sum', label: fn.functionName });
      alarm(
        `lambda-errors-${fn.functionName}`,
        errors,
        5,
        `Lambda ${fn.functionName} errors (more than 5 in 5 minutes)`,
      );
      return errors;
    });

    new Dashboard(this, 'Dashboard', {
      dashboardName: `rastup-${config.stage}`,
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new TextWidget({
            markdown: `# RastUp ${config.stage}\nBudgets (Appendix V): p95 ≤ ${p95LatencyBudgetMs} ms, errors ≤ ${errorRateBudgetPercent} %.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({ title: '5xx rate (%)', left: [graphql5xxRate, rest5xxRate], width: 12 }),
          new GraphWidget({ title: 'p95 latency (ms)', left: [graphqlP95, restP95], width: 12 }),
        ],
        [
          new GraphWidget({ title: 'Lambda errors', left: errorMetrics, width: 8 }),
          new GraphWidget({
            title: 'DLQ depth',
            left: dlqMetrics.length > 0 ? dlqMetrics : customAlarmMetrics,
            width: 8,
          }),
          new GraphWidget({ title: 'Custom metrics (sum)', left: customAlarmMetrics, width: 8 }),
        ],
      ],
    });

    // ---- Budgets (ops/finops/budgets.yml) ------------------------------------------------------------
    for (const budget of props.budgets.budgets) {
      new CfnBudget(this, `Budget-${budget.name}`, {
        budget: {
          budgetName: `rastup-${config.stage}-${budget.name}`,
          budgetType: 'COST',
          timeUnit: 'MONTHLY',
          budgetLimit: { amount: Math.round((budget.amountUsd * config.budgetScalePercent) / 100), unit: 'USD' },
          filterExpression: {
            and: [
              { tags: { key: budget.tagKey, values: [budget.tagValue], matchOptions: ['EQUALS'] } },
              { tags: { key: 'stage', values: [config.stage], matchOptions: ['EQUALS'] } },
            ],
          },
        },
        notificationsWithSubscribers: budget.alertPercents.map((percent) => ({
          notification: {
            notificationType: 'ACTUAL',
            comparisonOperator: 'GREATER_THAN',
            threshold: percent,
            thresholdType: 'PERCENTAGE',
          },
          subscribers: [{ subscriptionType: 'SNS', address: this.alarmTopic.topicArn }],
        })),
      });
    }

    if (config.costAnomalyMonitor && props.budgets.anomalyImpactPercent !== undefined) {
      const monitor = new CfnAnomalyMonitor(this, 'CostAnomalyMonitor', {
        monitorName: `rastup-${config.stage}-services`,
        monitorType: 'DIMENSIONAL',
        monitorDimension: 'SERVICE',
      });
      new CfnAnomalySubscription(this, 'CostAnomalySubscription', {
        subscriptionName: `rastup-${config.stage}-anomalies`,
        // SNS subscribers require immediate delivery.
        frequency: 'IMMEDIATE',
        monitorArnList: [monitor.attrMonitorArn],
        subscribers: [{ type: 'SNS', address: this.alarmTopic.topicArn }],
        thresholdExpression: JSON.stringify({
          Dimensions: {
            Key: 'ANOMALY_TOTAL_IMPACT_PERCENTAGE',
            MatchOptions: ['GREATER_THAN_OR_EQUAL'],
            Values: [String(props.budgets.anomalyImpactPercent)],
          },
        }),
      });
    }
  }
}
