/**
 * Events: the EventBridge bus, the outbox relay that moves committed outbox rows onto it, and one
 * SQS queue + DLQ + consumer Lambda per entry of `eventConsumers` (infra/definitions/domains.ts).
 * Consumers are separate functions from the API handlers of the same domain so a backlog never
 * competes with user-facing concurrency, and so this stack does not depend on the api stack.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { acknowledgeNag } from '../constructs/cdk-nag.ts';
import { acknowledgeGuard } from '../constructs/cfn-guard.ts';
import type { Construct } from 'constructs';
import {
  domains as domainDefinitions,
  eventConsumers as consumerDefinitions,
  scheduledJobs as jobDefinitions,
  type DomainSpec,
} from '../../definitions/domains.ts';
import { bindDomainResources, type SharedResources } from '../constructs/domain-wiring.ts';
import { databaseBinding, eventBusBinding } from '../constructs/function-bindings.ts';
import { RastupFunction } from '../constructs/rastup-function.construct.ts';
import type { StageConfig } from '../stage-config.ts';

export const outboxRelayEntry = 'lambdas/platform/outbox-relay.handler.ts';

/** The bus has a fixed name per stage, so Lambdas in other stacks bind it by name (no export to pin). */
export function eventBusName(stage: string): string {
  return `rastup-${stage}`;
}

export interface ScheduledJobSpec {
  readonly name: string;
  readonly entry: string;
  readonly schedule: string;
  readonly uses: DomainSpec['uses'];
}

export interface EventConsumerSpec {
  readonly name: string;
  readonly domain: string;
  readonly eventTypes: readonly string[];
}

export interface AsyncStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: IVpc;
  readonly lambdaSecurityGroup: ISecurityGroup;
  readonly resources: SharedResources;
  /** Defaults to infra/definitions; tests pass their own to prove every consumer gets its queue pair. */
  readonly eventConsumers?: readonly EventConsumerSpec[];
  readonly scheduledJobs?: readonly ScheduledJobSpec[];
  readonly domains?: Readonly<Record<string, DomainSpec>>;
}

export interface ConsumerQueues {
  readonly name: string;
  readonly queue: IQueue;
  readonly deadLetterQueue: Queue;
  readonly consumer: RastupFunction;
}

export class AsyncStack extends Stack {
  readonly eventBus: EventBus;
  readonly outboxRelay: RastupFunction;
  readonly consumers: readonly ConsumerQueues[];
  readonly jobs: readonly RastupFunction[];
  /** Failed scheduled invocations (relay, jobs): on-failure destination and rule-target DLQ. */
  readonly scheduleFailures: Queue;

  constructor(scope: Construct, id: string, props: AsyncStackProps) {
    super(scope, id, props);
    const { config } = props;
    const domainSpecs: Readonly<Record<string, DomainSpec>> = props.domains ?? domainDefinitions;

    this.eventBus = new EventBus(this, 'Bus', { eventBusName: props.resources.eventBusName });
    // An archive lets operators replay a window of events after a consumer bug (consumers are idempotent).
    this.eventBus.archive('Archive', {
      archiveName: `rastup-${config.stage}-events`,
      eventPattern: { account: [Stack.of(this).account] },
      retention: config.eventArchiveRetention,
    });

    const { resources } = props;

    this.outboxRelay = new RastupFunction(this, 'OutboxRelay', {
      config,
      name: 'outbox-relay',
      entry: outboxRelayEntry,
      timeoutSeconds: 55,
      vpc: props.vpc,
      securityGroup: props.lambdaSecurityGroup,
    }).bind(databaseBinding(resources.database, 'relay'), eventBusBinding(resources.eventBusName));
    // Each run drains what committed since the last one; a minute bounds event latency (Appendix V
    // index freshness ≤ 5 min) while the relay's row locks keep overlapping runs from double-sending.
    // Dev sweeps rarely so its Aurora (min 0 ACU) can pause (stage-config.ts outboxRelaySchedule).
    // Invocations that fail (or that EventBridge cannot deliver) land in one DLQ, whose depth is alarmed.
    this.scheduleFailures = new Queue(this, 'ScheduleFailures', {
      queueName: `rastup-${config.stage}-schedule-failures`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNag(this.scheduleFailures, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter destination (failed scheduled runs); its depth is alarmed in the observability stack.',
      },
    ]);
    acknowledgeGuard(this.scheduleFailures, [
      {
        rule: 'sqs_dlq_check',
        reason: 'CT.SQS.PR.2: this queue is itself a dead-letter destination; its depth is alarmed.',
      },
    ]);
    const scheduled = (
      fn: RastupFunction,
      ruleId: string,
      description: string,
      schedule: Schedule,
      retryAttempts: number,
    ) => {
      // Runs that still fail after Lambda's retries go to the on-failure destination; events EventBridge
      // cannot deliver at all (throttling, permissions) to the rule target's DLQ. The relay is not
      // retried (the next run picks up where it left off); jobs get two retries.
      fn.fn.configureAsyncInvoke({ onFailure: new SqsDestination(this.scheduleFailures), retryAttempts });
      new Rule(this, ruleId, {
        description,
        schedule,
        targets: [new LambdaFunction(fn.fn, { retryAttempts, deadLetterQueue: this.scheduleFailures })],
      });
    };
    scheduled(
      this.outboxRelay,
      'OutboxRelaySchedule',
      'Drain the transactional outbox onto EventBridge',
      Schedule.rate(config.outboxRelaySchedule),
      0,
    );

    const consumers: ConsumerQueues[] = [];
    for (const spec of props.eventConsumers ?? consumerDefinitions) {
      const domain = domainSpecs[spec.domain];
      if (!domain) throw new Error(`eventConsumers.${spec.name} names unknown domain "${spec.domain}"`);
      const timeoutSeconds = domain.timeoutSeconds ?? 30;

      const deadLetterQueue = new Queue(this, `${spec.name}-dlq`, {
        queueName: `rastup-${config.stage}-${spec.name}-dlq`,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledgeNag(deadLetterQueue, [
        {
          id: 'AwsSolutions-SQS3',
          reason: 'This queue is itself the dead-letter queue; its depth is alarmed in the observability stack.',
        },
      ]);
      acknowledgeGuard(deadLetterQueue, [
        {
          rule: 'sqs_dlq_check',
          reason: 'CT.SQS.PR.2: this queue is itself a dead-letter destination; its depth is alarmed.',
        },
      ]);
      const queue = new Queue(this, `${spec.name}-queue`, {
        queueName: `rastup-${config.stage}-${spec.name}`,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // AWS guidance: at least six times the function timeout, so retries never overlap a run.
        visibilityTimeout: Duration.seconds(timeoutSeconds * 6),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
      });
      new Rule(this, `${spec.name}-rule`, {
        eventBus: this.eventBus,
        description: `Route ${spec.eventTypes.join(', ')} to ${spec.name}`,
        eventPattern: { detailType: [...spec.eventTypes] },
        // Events EventBridge cannot put on the queue (after its retries) go to the consumer's DLQ.
        targets: [new SqsQueue(queue, { deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
      });

      const consumer = new RastupFunction(this, `${spec.name}-consumer`, {
        config,
        name: `${spec.domain}-${spec.name}`,
        entry: domain.entry,
        memoryMb: domain.memoryMb,
        timeoutSeconds,
        vpc: props.vpc,
        securityGroup: props.lambdaSecurityGroup,
        environment: { CONSUMER_NAME: spec.name },
      });
      bindDomainResources(consumer, domain, resources, config);
      consumer.fn.addEventSource(
        new SqsEventSource(queue, {
          batchSize: 10,
          reportBatchItemFailures: true,
          // A backlog (e.g. moderation at 2 GB) scales this consumer up to here, never into the API's share.
          maxConcurrency: config.lambda.consumerMaxConcurrency,
        }),
      );
      consumers.push({ name: spec.name, queue, deadLetterQueue, consumer });
    }
    this.consumers = consumers;

    this.jobs = (props.scheduledJobs ?? jobDefinitions).map((job) => {
      const fn = new RastupFunction(this, `${job.name}-job`, {
        config,
        name: job.name,
        entry: job.entry,
        timeoutSeconds: 300,
        vpc: props.vpc,
        securityGroup: props.lambdaSecurityGroup,
      });
      bindDomainResources(fn, { uses: job.uses }, resources, config);
      scheduled(fn, `${job.name}-schedule`, `Scheduled job ${job.name}`, Schedule.expression(job.schedule), 2);
      return fn;
    });

    new StringParameter(this, 'EventBusName', {
      parameterName: `/rastup/${config.stage}/events/bus-name`,
      stringValue: this.eventBus.eventBusName,
      description: 'EventBridge bus carrying outbox events',
    });
  }
}
