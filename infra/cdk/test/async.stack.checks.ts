import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventConsumers } from '../../definitions/domains.ts';
import { outboxRelayEntry } from '../stacks/async.stack.ts';
import { resourcesOf, synthProbeStage, synthStage, type SynthesizedStage, synthTimeoutMs } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerAsyncStackChecks(): void {
  describe('async', () => {
    let prod: SynthesizedStage;
    let probe: SynthesizedStage;
    beforeAll(() => {
      prod = synthStage('prod');
      probe = synthProbeStage('prod');
    }, synthTimeoutMs);

    describe('async', () => {
      it('has the stage bus with an archive for replays', () => {
        prod.templates.async.hasResourceProperties('AWS::Events::EventBus', { Name: 'rastup-prod' });
        prod.templates.async.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 30 });
      });

      it('runs the outbox relay every minute, bound to the database and allowed to put events on the bus only', () => {
        const relay = prod.stage.async.outboxRelay;
        const relayId = prod.stage.async.getLogicalId(relay.fn.node.defaultChild as never);
        prod.templates.async.hasResourceProperties('AWS::Events::Rule', {
          ScheduleExpression: 'rate(1 minute)',
          Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [relayId, 'Arn'] } })],
        });
        const env = (resourcesOf(prod.templates.async)[relayId]!.Properties as any).Environment.Variables;
        expect(Object.keys(env)).toEqual(
          expect.arrayContaining(['EVENT_BUS_NAME', 'DB_PROXY_ENDPOINT', 'DB_USER', 'DB_NAME']),
        );
        // Bound by the bus's fixed name, so the grant is that one bus's ARN.
        expect(env.EVENT_BUS_NAME).toBe('rastup-prod');
        const relayPolicies = Object.entries(resourcesOf(prod.templates.async, 'AWS::IAM::Policy')).filter(([id]) =>
          id.startsWith('OutboxRelay'),
        );
        const putEvents = relayPolicies
          .flatMap(([, p]) => (p.Properties as any).PolicyDocument.Statement)
          .filter((st: any) => st.Action === 'events:PutEvents');
        expect(putEvents).toHaveLength(1);
        expect(JSON.stringify(putEvents[0].Resource)).toMatch(/:event-bus\/rastup-prod"/);
        expect(relay.fn.node.tryGetContext('unused')).toBeUndefined();
        expect(outboxRelayEntry).toBe('lambdas/platform/outbox-relay.handler.ts');
      });

      it('has a queue and a DLQ per configured consumer', () => {
        // Plus one shared dead-letter destination of the scheduled functions.
        prod.templates.async.resourceCountIs('AWS::SQS::Queue', eventConsumers.length * 2 + 1);
      });

      it('gives a consumer an encrypted, TLS-only queue with a DLQ, a rule for its event types and an SQS trigger', () => {
        const template = probe.templates.async;
        const queues = Object.entries(resourcesOf(template, 'AWS::SQS::Queue'));
        const [dlqId] = queues.find(([, q]) => q.Properties?.QueueName === 'rastup-prod-probe-indexer-dlq')!;
        const [queueId, queue] = queues.find(([, q]) => q.Properties?.QueueName === 'rastup-prod-probe-indexer')!;
        expect(queue.Properties).toMatchObject({
          SqsManagedSseEnabled: true,
          VisibilityTimeout: 120,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
        });
        template.hasResourceProperties('AWS::SQS::Queue', {
          QueueName: 'rastup-prod-probe-indexer-dlq',
          MessageRetentionPeriod: 14 * 24 * 3600,
          SqsManagedSseEnabled: true,
        });
        for (const id of [queueId, dlqId]) {
          template.hasResourceProperties('AWS::SQS::QueuePolicy', {
            Queues: [{ Ref: id }],
            PolicyDocument: {
              Statement: Match.arrayWith([
                Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
              ]),
            },
          });
        }
        template.hasResourceProperties('AWS::Events::Rule', {
          EventPattern: { 'detail-type': ['profile.updated', 'profile.deleted'] },
          Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } })],
        });
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
      });
    });
  });
}
