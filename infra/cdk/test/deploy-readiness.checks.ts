/**
 * Issue 10 (deploy-ready infrastructure): the account singleton, stack order, Typesense rolling
 * deploys, concurrency, release safety (aliases, canaries, provisioned concurrency), alarms,
 * failure destinations, log retention, Aurora monitoring and dev cost, Control Tower guard rules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { domains } from '../../definitions/domains.ts';
import { acknowledgeGuard, guardPluginName } from '../constructs/cfn-guard.ts';
import { rulesNotApplicableTo, splitIntoLanes, validateGuardInLanes, type GuardReport } from './guard-lanes.ts';
import { liveAliasName } from '../constructs/live-alias.ts';
import { accountStackName, dockerHubCachePrefix } from '../stacks/account.stack.ts';
import { typesenseHealthCommand } from '../stacks/search.stack.ts';
import {
  concerns,
  deployOptions,
  guardReportOf,
  resourcesOf,
  synthOptionsStage,
  synthProbeStage,
  synthStage,
  type SynthesizedStage,
  synthTimeoutMs,
} from './synth-fixture.ts';

const dependsOn = (s: SynthesizedStage, concern: 'api' | 'async', other: string) =>
  s.stage[concern].dependencies.some((stack) => stack.stackName === other);

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerDeployReadinessChecks(): void {
  describe('deploy readiness (issue 10)', () => {
    let dev: SynthesizedStage;
    let prod: SynthesizedStage;
    beforeAll(() => {
      dev = synthStage('dev');
      prod = synthStage('prod');
    }, synthTimeoutMs);

    describe('account stack (once per account and region)', () => {
      it('owns AWS::ApiGateway::Account with a retained role; no stage stack has either', () => {
        const account = prod.templates.account;
        expect(prod.stage.account.stackName).toBe(accountStackName);
        const [settings] = Object.values(resourcesOf(account, 'AWS::ApiGateway::Account'));
        expect((settings as any).DeletionPolicy).toBe('Retain');
        const roles = Object.values(resourcesOf(account, 'AWS::IAM::Role'));
        expect(roles).toHaveLength(1);
        expect((roles[0] as any).DeletionPolicy).toBe('Retain');
        expect(JSON.stringify(roles[0]!.Properties)).toContain('AmazonAPIGatewayPushToCloudWatchLogs');
        for (const s of [dev, prod])
          for (const concern of concerns.filter((c) => c !== 'account'))
            s.templates[concern].resourceCountIs('AWS::ApiGateway::Account', 0);
        // The same template from every stage, so deploying any stage keeps it as it is.
        expect(dev.templates.account.toJSON()).toEqual(prod.templates.account.toJSON());
      });

      it('holds the Docker Hub pull-through cache with the exact credentials ARN', () => {
        const rule = Object.values(resourcesOf(prod.templates.account, 'AWS::ECR::PullThroughCacheRule'))[0]!
          .Properties as any;
        expect(rule.EcrRepositoryPrefix).toBe(dockerHubCachePrefix);
        // Created here: a Ref to the secret (its full ARN, random suffix included), never a name pattern.
        const secretId = Object.keys(resourcesOf(prod.templates.account, 'AWS::SecretsManager::Secret'))[0]!;
        expect(rule.CredentialArn).toEqual({ Ref: secretId });
        // Given by an operator: taken as is.
        const given = Object.values(
          resourcesOf(synthOptionsStage().templates.account, 'AWS::ECR::PullThroughCacheRule'),
        )[0]!.Properties as any;
        expect(given.CredentialArn).toBe(deployOptions.dockerHubCredentialsSecretArn);
        for (const s of [dev, prod]) s.templates.search.resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
      });
    });

    describe('stack order', () => {
      it('api and async wait for search only when a function reads Typesense', () => {
        // The search domain reads Typesense (its API Lambda and its indexer consumer): both stacks wait.
        const readsTypesense = Object.values(domains).some((spec) => 'search' in spec.uses && spec.uses.search);
        expect(readsTypesense).toBe(true);
        for (const s of [dev, prod]) {
          expect(dependsOn(s, 'api', s.stage.search.stackName)).toBe(true);
          expect(dependsOn(s, 'async', s.stage.search.stackName)).toBe(true);
          expect(dependsOn(s, 'api', accountStackName)).toBe(true);
        }
        // The probe domain reads search (as an event consumer): then async waits for search.
        const probe = synthProbeStage('prod');
        expect(dependsOn(probe, 'async', probe.stage.search.stackName)).toBe(true);
      });
    });

    describe('Typesense rolling deploys', () => {
      it('replaces one node at a time: each service waits for the previous one, tasks have a health check', () => {
        const services = Object.entries(resourcesOf(prod.templates.search, 'AWS::ECS::Service'));
        expect(services).toHaveLength(3);
        const ids = prod.stage.search.services.map((service) =>
          prod.stage.search.getLogicalId(service.node.defaultChild as CfnElement),
        );
        const dependsOnIds = (id: string) =>
          ([] as string[]).concat((resourcesOf(prod.templates.search)[id] as any).DependsOn ?? []);
        expect(dependsOnIds(ids[1]!)).toContain(ids[0]);
        expect(dependsOnIds(ids[2]!)).toContain(ids[1]);
        expect(dependsOnIds(ids[0]!)).not.toContain(ids[1]);
        prod.templates.search.allResourcesProperties('AWS::ECS::Service', {
          DeploymentConfiguration: Match.objectLike({
            DeploymentCircuitBreaker: { Enable: true, Rollback: true },
            MaximumPercent: 100,
          }),
        });
        prod.templates.search.allResourcesProperties('AWS::ECS::TaskDefinition', {
          ContainerDefinitions: [
            Match.objectLike({
              HealthCheck: Match.objectLike({ Command: ['CMD-SHELL', typesenseHealthCommand] }),
              User: '1000:1000',
              ReadonlyRootFilesystem: true,
            }),
          ],
        });
      });

      it('the health check speaks HTTP to /health and needs "ok":true', () => {
        expect(typesenseHealthCommand).toContain('/dev/tcp/127.0.0.1/8108');
        expect(typesenseHealthCommand).toContain('GET /health');
        // The printf/grep part is valid shell when run by bash (parse only; nothing is executed).
        expect(() => execFileSync('bash', ['-n', '-c', typesenseHealthCommand])).not.toThrow();
      });
    });

    describe('concurrency', () => {
      it('reserves concurrency for every API function outside dev, and caps every SQS event source', () => {
        const apiFunctions = Object.values(resourcesOf(prod.templates.api, 'AWS::Lambda::Function'));
        expect(apiFunctions.length).toBeGreaterThan(0);
        for (const fn of apiFunctions) expect((fn.Properties as any).ReservedConcurrentExecutions).toBe(100);
        for (const fn of Object.values(resourcesOf(dev.templates.api, 'AWS::Lambda::Function')))
          expect((fn.Properties as any).ReservedConcurrentExecutions).toBeUndefined();
        for (const s of [dev, prod]) {
          const mappings = Object.values(resourcesOf(s.templates.async, 'AWS::Lambda::EventSourceMapping'));
          expect(mappings.length).toBe(s.stage.async.consumers.length);
          for (const mapping of mappings)
            expect((mapping.Properties as any).ScalingConfig).toEqual({
              MaximumConcurrency: s.stage.config.lambda.consumerMaxConcurrency,
            });
          // Partial batch failures stay on (the consumers report them).
          for (const mapping of mappings)
            expect((mapping.Properties as any).FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
        }
      });
    });

    describe('safe releases', () => {
      it('every API function has a live alias shifted by a CodeDeploy canary (10 % for 5 min) with rollback on alarms', () => {
        const api = prod.templates.api;
        const fnCount = prod.stage.api.functions.size;
        api.resourceCountIs('AWS::Lambda::Alias', fnCount);
        api.allResourcesProperties('AWS::Lambda::Alias', { Name: liveAliasName });
        api.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', fnCount);
        api.allResourcesProperties('AWS::CodeDeploy::DeploymentGroup', {
          DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
          AutoRollbackConfiguration: {
            Enabled: true,
            Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
          },
          AlarmConfiguration: Match.objectLike({ Enabled: true, Alarms: [Match.anyValue(), Match.anyValue()] }),
        });
        for (const live of prod.stage.api.liveAliases.values()) {
          expect(live.errorAlarm.node.scope).toBe(live);
          expect(live.latencyAlarm.node.scope).toBe(live);
        }
        api.allResourcesProperties('AWS::Lambda::Alias', {
          // CodeDeploy owns the traffic shift of the alias during updates.
          FunctionVersion: Match.anyValue(),
        });
        expect(JSON.stringify(resourcesOf(api, 'AWS::Lambda::Alias'))).not.toContain('$LATEST');
      });

      it('AppSync data sources and API Gateway integrations invoke the alias, never the bare function', () => {
        const aliasIds = Object.keys(resourcesOf(prod.templates.api, 'AWS::Lambda::Alias'));
        const lambdaSources = Object.values(resourcesOf(prod.templates.api, 'AWS::AppSync::DataSource')).filter(
          // The NONE data source runs resolver code only (cache eviction): no function to invoke.
          (source) => (source.Properties as any).Type === 'AWS_LAMBDA',
        );
        expect(lambdaSources.length).toBeGreaterThan(1);
        for (const source of lambdaSources) {
          const arn = JSON.stringify((source.Properties as any).LambdaConfig.LambdaFunctionArn);
          expect(
            aliasIds.some((id) => arn.includes(id)),
            arn,
          ).toBe(true);
        }
        const methods = Object.values(resourcesOf(prod.templates.api, 'AWS::ApiGateway::Method')).filter(
          (method) => (method.Properties as any).Integration?.Type === 'AWS_PROXY',
        );
        expect(methods.length).toBeGreaterThan(0);
        for (const method of methods) {
          const uri = JSON.stringify((method.Properties as any).Integration.Uri);
          expect(
            aliasIds.some((id) => uri.includes(id)),
            uri,
          ).toBe(true);
        }
      });

      it('provisioned concurrency with target tracking on latency-critical aliases, off in dev', () => {
        const critical = Object.entries(domains)
          .filter(([, spec]) => 'latencyCritical' in spec && spec.latencyCritical)
          .map(([name]) => name);
        expect(critical.sort()).toEqual(['auth', 'messaging', 'profiles', 'search']);
        const provisioned = Object.values(resourcesOf(prod.templates.api, 'AWS::Lambda::Alias')).filter(
          (alias) => (alias.Properties as any).ProvisionedConcurrencyConfig,
        );
        expect(provisioned).toHaveLength(critical.length);
        prod.templates.api.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', critical.length);
        prod.templates.api.allResourcesProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: Match.objectLike({
            TargetValue: 0.7,
            PredefinedMetricSpecification: { PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization' },
          }),
        });
        dev.templates.api.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
        expect(JSON.stringify(resourcesOf(dev.templates.api, 'AWS::Lambda::Alias'))).not.toContain(
          'ProvisionedConcurrencyConfig',
        );
      });
    });

    describe('alarms', () => {
      it('covers Aurora, RDS Proxy, Typesense tasks, DynamoDB throttles, queue age, Lambda throttles, WAF blocks', () => {
        const names = Object.values(resourcesOf(prod.templates.observability, 'AWS::CloudWatch::Alarm')).map(
          (alarm) => (alarm.Properties as any).AlarmName as string,
        );
        const expected = [
          'rastup-prod-aurora-capacity',
          'rastup-prod-aurora-connections',
          'rastup-prod-rds-proxy-borrow-latency',
          'rastup-prod-rds-proxy-client-connections',
          'rastup-prod-waf-blocked-spike',
          'rastup-prod-dlq-schedule-failures',
          ...[0, 1, 2].map((i) => `rastup-prod-ecs-tasks-below-desired-typesense-${i}`),
          ...[...prod.stage.data.tables.values()].map(({ spec }) =>
            expect.stringMatching(new RegExp(`^rastup-prod-dynamodb-throttles-.*${spec.id}`)),
          ),
          ...prod.stage.async.consumers.map((c) => `rastup-prod-queue-age-${c.name}`),
          ...[...prod.stage.api.functions.values()].map((fn) => `rastup-prod-lambda-throttles-${fn.functionName}`),
        ];
        expect(names).toEqual(expect.arrayContaining(expected));
        // Every paging alarm notifies on-call; SLO window alarms are silent parts of the burn-rate composite
        // alarms, which page (slo.checks.ts).
        for (const [logicalId, alarm] of Object.entries(
          resourcesOf(prod.templates.observability, 'AWS::CloudWatch::Alarm'),
        )) {
          const props = alarm.Properties as { AlarmName: string; AlarmActions?: unknown[] };
          if (props.AlarmName.startsWith('rastup-prod-slo-')) continue;
          expect(props.AlarmActions, logicalId).toHaveLength(1);
        }
      });
    });

    describe('failure destinations and log retention', () => {
      it('scheduled functions have an on-failure destination and their rule targets a DLQ', () => {
        const failuresId = prod.stage.async.getLogicalId(
          prod.stage.async.scheduleFailures.node.defaultChild as CfnElement,
        );
        const invokeConfigs = Object.values(resourcesOf(prod.templates.async, 'AWS::Lambda::EventInvokeConfig'));
        expect(invokeConfigs).toHaveLength(1 + prod.stage.async.jobs.length);
        for (const config of invokeConfigs)
          expect(JSON.stringify((config.Properties as any).DestinationConfig.OnFailure)).toContain(failuresId);
        const scheduleRules = Object.values(resourcesOf(prod.templates.async, 'AWS::Events::Rule')).filter(
          (rule) => (rule.Properties as any).ScheduleExpression,
        );
        expect(scheduleRules).toHaveLength(1 + prod.stage.async.jobs.length);
        for (const rule of scheduleRules)
          expect(JSON.stringify((rule.Properties as any).Targets[0].DeadLetterConfig)).toContain(failuresId);
      });

      it('EventBridge → SQS targets have a DLQ', () => {
        const queueRules = Object.values(resourcesOf(prod.templates.async, 'AWS::Events::Rule')).filter(
          (rule) => (rule.Properties as any).EventPattern,
        );
        expect(queueRules).toHaveLength(prod.stage.async.consumers.length);
        for (const rule of queueRules) expect((rule.Properties as any).Targets[0].DeadLetterConfig).toBeDefined();
      });

      it('every log group of every stack has a retention, and no function writes to a group without one', () => {
        for (const s of [dev, prod]) {
          for (const concern of concerns) {
            for (const [id, group] of Object.entries(resourcesOf(s.templates[concern], 'AWS::Logs::LogGroup')))
              expect((group.Properties as any).RetentionInDays, `${concern} ${id}`).toBeGreaterThan(0);
            // Custom-resource providers (and any other function) log to an explicit group.
            for (const [id, fn] of Object.entries(resourcesOf(s.templates[concern], 'AWS::Lambda::Function')))
              expect((fn.Properties as any).LoggingConfig?.LogGroup, `${concern} ${id}`).toBeDefined();
          }
        }
      });
    });

    describe('Aurora', () => {
      it('prod: Performance Insights and Enhanced Monitoring; dev: scales to zero and the relay sweeps rarely', () => {
        prod.templates.data.hasResourceProperties('AWS::RDS::DBCluster', { PerformanceInsightsEnabled: true });
        // Enhanced Monitoring is per instance (writer and reader).
        prod.templates.data.allResourcesProperties('AWS::RDS::DBInstance', {
          MonitoringInterval: 60,
          MonitoringRoleArn: Match.anyValue(),
        });
        const devCluster = Object.values(resourcesOf(dev.templates.data, 'AWS::RDS::DBCluster'))[0]!.Properties as any;
        expect(devCluster.ServerlessV2ScalingConfiguration).toMatchObject({
          MinCapacity: 0,
          SecondsUntilAutoPause: 300,
        });
        expect(devCluster.PerformanceInsightsEnabled).toBeUndefined();
        // The relay's own rule (scheduled jobs such as booking-expiry run every minute in every stage).
        const relay = (s: SynthesizedStage) =>
          Object.entries(resourcesOf(s.templates.async, 'AWS::Events::Rule'))
            .filter(([logicalId]) => logicalId.startsWith('OutboxRelaySchedule'))
            .map(([, rule]) => (rule.Properties as any).ScheduleExpression as string | undefined)
            .filter((expression) => expression?.startsWith('rate('));
        expect(relay(prod)).toContain('rate(1 minute)');
        expect(relay(dev)).toContain('rate(30 minutes)');
        expect(relay(dev)).not.toContain('rate(1 minute)');
      });
    });

    describe('Control Tower guard rules (cfn-guard)', () => {
      it('prod: no unacknowledged finding', async () => {
        // The same validator over the same templates, run in worker threads (see guard-lanes.ts).
        const report = await guardReportOf('prod');
        const acknowledged = acknowledgedGuardRules(prod.app);
        const open = report.violations.flatMap((violation) =>
          violation.violatingResources
            .filter((resource) => !isAcknowledged(prod, acknowledged, violation.ruleName, resource))
            .map(
              (resource) =>
                `${violation.ruleName} ${resource.templatePath.split('/').pop()} ${resource.resourceLogicalId}`,
            ),
        );
        expect(open).toEqual([]);
      }, 600_000); // cfn-guard over seven prod templates: a minute or two when idle, more on a loaded machine

      it('the lanes cover every prod template exactly once', () => {
        const templatePaths = prod.assembly.stacks.map((stack) => stack.templateFullPath);
        for (const lanes of [1, 2, 3, templatePaths.length + 1]) {
          const split = splitIntoLanes(templatePaths, lanes);
          expect(split.length).toBe(Math.min(lanes, templatePaths.length));
          expect(split.flat().sort()).toEqual([...templatePaths].sort());
        }
      });

      it('leaving out the rules that cannot apply to a template changes no finding', async () => {
        // A small template with findings of several rules (queue without DLQ, bucket defaults), run
        // with every rule and with the applicable ones only: the same violations, resource by resource.
        const stack = new Stack(new App(), 'GuardSubset');
        new Queue(stack, 'Queue');
        new Bucket(stack, 'Bucket');
        const dir = mkdtempSync(join(tmpdir(), 'rastup-guard-subset-'));
        try {
          const templatePath = join(dir, 'GuardSubset.template.json');
          writeFileSync(templatePath, JSON.stringify(Template.fromStack(stack).toJSON()));
          const findings = (report: GuardReport) =>
            report.violations
              .flatMap((v) =>
                v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId} ${r.locations.join(',')}`),
              )
              .sort();
          const [applicable, all] = await Promise.all([
            validateGuardInLanes([templatePath], 1),
            validateGuardInLanes([templatePath], 1, true),
          ]);
          expect(findings(applicable).length).toBeGreaterThan(1);
          expect(findings(applicable)).toEqual(findings(all));
          expect(rulesNotApplicableTo(templatePath).length).toBeGreaterThan(100);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, 120_000);

      it('refuses an acknowledgement without a written reason', () => {
        const stack = new Stack(new App(), 'GuardReason');
        expect(() => acknowledgeGuard(stack, [{ rule: 'sqs_dlq_check', reason: 'ok' }])).toThrow(/written reason/);
        const queue = new Queue(stack, 'Q');
        acknowledgeGuard(queue, [{ rule: 'sqs_dlq_check', reason: 'Control case: acknowledged with a reason.' }]);
        expect(JSON.stringify(queue.node.metadata)).toContain(`${guardPluginName}::sqs_dlq_check`);
      });
    });
  });
}

/** Construct paths at which each guard rule is acknowledged (CDK's own acknowledgement metadata). */
function acknowledgedGuardRules(app: App): Map<string, string[]> {
  const rules = new Map<string, string[]>();
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
      for (const id of Object.keys(entry.data as Record<string, string>)) {
        if (!id.startsWith(`${guardPluginName}::`)) continue;
        const rule = id.slice(guardPluginName.length + 2);
        rules.set(rule, [...(rules.get(rule) ?? []), construct.node.path]);
      }
    }
  }
  return rules;
}

function isAcknowledged(
  s: SynthesizedStage,
  acknowledged: Map<string, string[]>,
  rule: string,
  resource: { templatePath: string; resourceLogicalId?: string },
): boolean {
  const paths = acknowledged.get(rule) ?? [];
  if (paths.includes('')) return true;
  const stackName = resource.templatePath.split('/').pop()!.replace('.template.json', '');
  const stack = concerns.map((concern) => s.stage[concern]).find((candidate) => candidate.stackName === stackName);
  const element = stack?.node
    .findAll()
    .find((c) => c instanceof CfnElement && stack.getLogicalId(c) === resource.resourceLogicalId);
  if (!element) return false;
  const constructPath = element.node.path;
  return paths.some((ack) => constructPath === ack || constructPath.startsWith(`${ack}/`));
}
