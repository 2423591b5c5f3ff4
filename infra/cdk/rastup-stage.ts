/**
 * Builds every stack of one stage into an app, wiring cross-stack values as typed props. CDK turns
 * each prop that crosses stacks into an export/import and a stack dependency; the explicit
 * `addDependency` calls below state the deploy order for readers and for stacks that share no value.
 */
import { Tags, type App, type Environment } from 'aws-cdk-lib';
import type { DomainSpec } from '../definitions/domains.ts';
import { physicalTableName } from '../definitions/tables.ts';
import { acknowledgeGuard, appWideGuardAcknowledgements } from './constructs/cfn-guard.ts';
import { giveEveryFunctionALogGroup } from './constructs/log-retention.ts';
import { loadBudgetsFile, type BudgetsFile } from './finops/budgets-file.ts';
import { stackId, stageConfig, type StageConfig, type StageName } from './stage-config.ts';
import { AccountStack, accountStackName } from './stacks/account.stack.ts';
import { ApiStack } from './stacks/api.stack.ts';
import { AsyncStack, eventBusName, type EventConsumerSpec, type ScheduledJobSpec } from './stacks/async.stack.ts';
import { DataStack } from './stacks/data.stack.ts';
import { NetworkStack } from './stacks/network.stack.ts';
import type { RastupFunction } from './constructs/rastup-function.construct.ts';
import { ObservabilityStack } from './stacks/observability.stack.ts';
import { SearchStack } from './stacks/search.stack.ts';

export interface RastupStageOptions {
  readonly region?: string;
  readonly availabilityZones?: readonly string[];
  /** Overrides the stage's fixed AppSync API key expiry (YYYY-MM-DD). */
  readonly appsyncApiKeyExpires?: string;
  /** Deploying account; undefined keeps the stacks environment-agnostic (offline synth). */
  readonly account?: string;
  readonly authIssuer?: string;
  /** Comma-separated OAuth client ids for Google / Apple sign-in (`-c googleClientIds=…`). */
  readonly googleClientIds?: string;
  readonly appleClientIds?: string;
  readonly publicBaseUrl?: string;
  readonly alarmEmail?: string;
  readonly typesenseVersion?: string;
  /** Exact ARN of an existing Docker Hub credentials secret (the account stack creates one otherwise). */
  readonly dockerHubCredentialsSecretArn?: string;
  readonly budgets?: BudgetsFile;
  /** For tests: maps other than infra/definitions (e.g. a consumer, a domain using every resource). */
  readonly eventConsumers?: readonly EventConsumerSpec[];
  readonly scheduledJobs?: readonly ScheduledJobSpec[];
  readonly domains?: Readonly<Record<string, DomainSpec>>;
}

export interface RastupStage {
  readonly config: StageConfig;
  /** Once per account and region (API Gateway logging role, ECR pull-through cache); shared by stages. */
  readonly account: AccountStack;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly search: SearchStack;
  readonly async: AsyncStack;
  readonly api: ApiStack;
  readonly observability: ObservabilityStack;
}

export function buildRastupStage(app: App, stage: StageName, options: RastupStageOptions = {}): RastupStage {
  const config = stageConfig(stage, {
    region: options.region,
    availabilityZones: options.availabilityZones,
    appsyncApiKeyExpires: options.appsyncApiKeyExpires,
  });
  const env: Environment = { account: options.account, region: config.region };
  const common = { env, config };
  const id = (concern: string) => stackId(stage, concern);

  const account = new AccountStack(app, accountStackName, {
    env,
    description: 'RastUp account-wide settings: API Gateway logging role, ECR pull-through cache of Docker Hub',
    dockerHubCredentialsSecretArn: options.dockerHubCredentialsSecretArn,
  });

  const network = new NetworkStack(app, id('network'), {
    ...common,
    description: `RastUp ${stage}: VPC, subnets, endpoints`,
  });
  const shared = { vpc: network.vpc, lambdaSecurityGroup: network.lambdaSecurityGroup };

  const data = new DataStack(app, id('data'), {
    ...common,
    ...shared,
    description: `RastUp ${stage}: Aurora, DynamoDB, S3, media CDN`,
  });
  data.addStackDependency(network);

  const search = new SearchStack(app, id('search'), {
    ...common,
    ...shared,
    description: `RastUp ${stage}: Typesense on Fargate + EFS`,
    typesenseVersion: options.typesenseVersion,
  });
  search.addStackDependency(network);
  // Tasks pull through the account's cache rule.
  search.addStackDependency(account);

  const resources = {
    database: data.database,
    tables: data.tables,
    buckets: data.buckets,
    secrets: data.secrets,
    search: search.search,
    eventBusName: eventBusName(stage),
  };

  const api = new ApiStack(app, id('api'), {
    ...common,
    ...shared,
    resources,
    mediaPublicBaseUrl: data.mediaPublicBaseUrl,
    authIssuer: options.authIssuer,
    // OAuth client ids the auth Lambda accepts in Google / Apple ID tokens; without them social sign-in refuses every token.
    domainEnvironment: {
      auth: {
        ...(options.googleClientIds ? { GOOGLE_CLIENT_IDS: options.googleClientIds } : {}),
        ...(options.appleClientIds ? { APPLE_CLIENT_IDS: options.appleClientIds } : {}),
      },
    },
    publicBaseUrl: options.publicBaseUrl,
    domains: options.domains,
    description: `RastUp ${stage}: AppSync, API Gateway REST, WAF, domain Lambdas`,
  });
  api.addStackDependency(data);
  // Execution logging needs the account's API Gateway CloudWatch role in place first.
  api.addStackDependency(account);
  // Only a Lambda that reads Typesense makes the api stack wait for the search stack: a Typesense
  // service that never stabilises must not hold back every other deploy.
  if (readsSearch(api.functions.values())) api.addStackDependency(search);

  // After the api stack: consumers and jobs read the API's public URLs. Publishers in the api stack
  // bind the bus by name, so they need nothing from this stack at deploy time.
  const events = new AsyncStack(app, id('async'), {
    ...common,
    ...shared,
    resources: { ...resources, platformEnvironment: api.platformEnvironment, realtime: api.realtime },
    eventConsumers: options.eventConsumers,
    scheduledJobs: options.scheduledJobs,
    domains: options.domains,
    description: `RastUp ${stage}: EventBridge bus, outbox relay, consumer queues, scheduled jobs`,
  });
  events.addStackDependency(data);
  if (readsSearch([events.outboxRelay, ...events.consumers.map((c) => c.consumer), ...events.jobs]))
    events.addStackDependency(search);
  events.addStackDependency(api);

  const observability = new ObservabilityStack(app, id('observability'), {
    ...common,
    graphqlApi: api.graphqlApi,
    restApi: api.restApi,
    functions: [
      ...api.functions.values(),
      events.outboxRelay,
      ...events.consumers.map((c) => c.consumer),
      ...events.jobs,
    ],
    deadLetterQueues: [
      ...events.consumers.map((c) => ({ name: c.name, queue: c.deadLetterQueue })),
      { name: 'schedule-failures', queue: events.scheduleFailures },
    ],
    consumerQueues: events.consumers.map((c) => ({ name: c.name, queue: c.queue })),
    database: {
      clusterIdentifier: data.clusterIdentifier,
      maxCapacityAcu: config.aurora.maxCapacityAcu,
      proxyName: data.proxyName,
    },
    searchServices: search.serviceNames.map((serviceName) => ({ clusterName: search.clusterName, serviceName })),
    tableNames: [...data.tables.values()].map(({ spec }) => physicalTableName(stage, spec)),
    webAclName: api.webAclName,
    budgets: options.budgets ?? loadBudgetsFile(),
    alarmEmail: options.alarmEmail,
    description: `RastUp ${stage}: alarms, dashboard, budgets`,
  });
  observability.addStackDependency(api);
  observability.addStackDependency(events);

  Tags.of(account).add('project', 'rastup');
  acknowledgeGuard(app, appWideGuardAcknowledgements);
  for (const stack of [network, data, search, api, events, observability]) {
    giveEveryFunctionALogGroup(stack, config.logRetention, config.statefulRemovalPolicy);
    // `stage` is also a cost-allocation tag: the budgets filter on it.
    Tags.of(stack).add('project', 'rastup');
    Tags.of(stack).add('stage', stage);
  }
  // Lambda spend for the lambda-monthly budget (seed 001 AC.1 filters on service:lambda).
  for (const fn of [
    ...api.functions.values(),
    events.outboxRelay,
    ...events.consumers.map((c) => c.consumer),
    ...events.jobs,
  ]) {
    Tags.of(fn).add('service', 'lambda');
  }

  return { config, account, network, data, search, api, async: events, observability };
}

/** Whether any of these functions was bound to Typesense (searchBinding sets TYPESENSE_NODES). */
function readsSearch(functions: Iterable<RastupFunction>): boolean {
  return [...functions].some((fn) => fn.readsSearch);
}
