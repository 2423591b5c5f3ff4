/**
 * The public edges: one Lambda per domain, AppSync generated from graphql/ and the
 * field-to-domain map, API Gateway REST for cookie-setting auth routes, /.well-known and the
 * partner API, and one regional WAF web ACL in front of both.
 */
import { join } from 'node:path';
import { Aws, type CfnElement, Duration, Expiration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  Cors,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RestApi,
  type IResource,
} from 'aws-cdk-lib/aws-apigateway';
import {
  AuthorizationType,
  CfnApiCache,
  type CfnGraphQLApi,
  Code,
  Definition,
  FieldLogLevel,
  FunctionRuntime,
  GraphqlApi,
  IntrospectionConfig,
  Resolver,
  type LambdaDataSource,
} from 'aws-cdk-lib/aws-appsync';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Alias } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { edgeRateLimits, edgeRuleLimits } from '../../definitions/edge-rate-limits.ts';
import { acknowledgeNag } from '../constructs/cdk-nag.ts';
import { acknowledgeGuard } from '../constructs/cfn-guard.ts';
import type { Construct } from 'constructs';
import {
  appsyncCodeResolvers as codeResolverDefinitions,
  cachedReads as cachedReadDefinitions,
  domains as domainDefinitions,
  graphqlResolvers as resolverDefinitions,
  restRoutes as routeDefinitions,
  type CachedRead,
  type DomainSpec,
} from '../../definitions/domains.ts';
import { loadSchemaSdl } from '../../definitions/schema.ts';
import { appSyncLimits } from '../../definitions/appsync-limits.ts';
import { bindDomainResources, bindRealtime, type SharedResources } from '../constructs/domain-wiring.ts';
import type { RealtimeHandle } from '../constructs/function-bindings.ts';
import { LiveAlias } from '../constructs/live-alias.ts';
import { RastupFunction, repositoryRoot } from '../constructs/rastup-function.construct.ts';
import { apiKeyExpiryDate, type StageConfig } from '../stage-config.ts';

export const resolverCodePath = join(repositoryRoot, 'infra', 'definitions', 'appsync-lambda-resolver.js');
const definitionsDir = join(repositoryRoot, 'infra', 'definitions');

/** `aud` of access tokens: AppSync checks it as the OIDC client id, the auth Lambda issues it. */
export const oidcAudience = 'rastup-api';

/** Routes under this prefix form the partner API: they require a usage-plan API key. */
export const partnerPrefix = '/v1';

/** Browser origins allowed to call the REST API with credentials: the stage's web app. */
export function restWebOrigins(config: Pick<StageConfig, 'webBaseUrl'>): readonly string[] {
  return [new URL(config.webBaseUrl).origin];
}

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: IVpc;
  readonly lambdaSecurityGroup: ISecurityGroup;
  readonly resources: Omit<SharedResources, 'platformEnvironment'>;
  /** Public base URL of the CloudFront distribution serving SFW media variants. */
  readonly mediaPublicBaseUrl: string;
  /** This API's public origin (a custom domain); defaults to the stage's REST API URL. */
  readonly publicBaseUrl?: string;
  /**
   * The OIDC issuer (the auth service's public base URL, e.g. a custom domain). Without it the
   * issuer is the public base URL, whose /.well-known/openid-configuration the auth Lambda serves.
   */
  readonly authIssuer?: string;
  /** Per-domain environment values from deploy-time options (public values, never secrets). */
  readonly domainEnvironment?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Defaults to infra/definitions; tests pass their own maps. */
  readonly domains?: Readonly<Record<string, DomainSpec>>;
  readonly graphqlResolvers?: Readonly<Record<string, string>>;
  readonly appsyncCodeResolvers?: Readonly<Record<string, string>>;
  readonly cachedReads?: Readonly<Record<string, CachedRead>>;
  readonly restRoutes?: readonly { readonly prefix: string; readonly domain: string }[];
  readonly schemaSdl?: string;
}

export class ApiStack extends Stack {
  readonly functions: ReadonlyMap<string, RastupFunction>;
  /** The `live` alias (with its CodeDeploy group) of each API function, by domain. */
  readonly liveAliases: ReadonlyMap<string, LiveAlias>;
  readonly graphqlApi: GraphqlApi;
  readonly restApi: RestApi;
  readonly authIssuer: string;
  readonly webAcl: CfnWebACL;
  /** The web ACL's name (fixed per stage; WAF metrics are keyed by it). */
  readonly webAclName: string;
  /** Values every domain Lambda reads; the async stack gives them to consumers and jobs too. */
  readonly platformEnvironment: Readonly<Record<string, string>>;
  /** The API Lambdas publish realtime events to (AWS_IAM mutations); later stacks bind their consumers to it. */
  readonly realtime: RealtimeHandle;
  /** AppSync's server-side cache (PER_RESOLVER_CACHING): only the resolvers in `cachedReads` use it. */
  readonly apiCache: CfnApiCache;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const domainSpecs: Readonly<Record<string, DomainSpec>> = props.domains ?? domainDefinitions;
    const resolvers = props.graphqlResolvers ?? resolverDefinitions;
    const codeResolvers = props.appsyncCodeResolvers ?? codeResolverDefinitions;
    const cached = props.cachedReads ?? cachedReadDefinitions;
    const routes = props.restRoutes ?? routeDefinitions;

    // ---- REST API (created first: its URL is the default OIDC issuer) ---------------------------
    // The web app calls the cookie routes (/auth/*) cross-origin with credentials: API Gateway
    // answers the preflight for its origin only, and the Lambdas check `Origin` against the same
    // list and add the CORS headers to their answers (core/route-router.ts).
    const webOrigins = restWebOrigins(config);
    const accessLogs = new LogGroup(this, 'RestAccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.statefulRemovalPolicy,
    });
    this.restApi = new RestApi(this, 'Rest', {
      restApiName: `rastup-${config.stage}`,
      description: 'RastUp REST: auth (cookies), /.well-known, partner API /v1',
      endpointTypes: [EndpointType.REGIONAL],
      // API Gateway's CloudWatch role is an account-wide setting: the account stack owns it
      // (stacks/account.stack.ts), so stages sharing an account never overwrite or delete it.
      cloudWatchRole: false,
      deployOptions: {
        stageName: config.stage,
        throttlingRateLimit: config.api.rateLimit,
        throttlingBurstLimit: config.api.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Never log bodies: they carry passwords, tokens and PII.
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: [...webOrigins],
        allowCredentials: true,
        allowMethods: Cors.ALL_METHODS,
        allowHeaders: ['Content-Type', 'Authorization', 'X-Api-Key', 'X-Correlation-Id', 'Idempotency-Key'],
        maxAge: Duration.minutes(10),
      },
    });
    // Execution logs (ERROR level) go to a group API Gateway would otherwise create without expiry.
    const executionLogs = new LogGroup(this, 'RestExecutionLogs', {
      logGroupName: Fn.join('', ['API-Gateway-Execution-Logs_', this.restApi.restApiId, '/', config.stage]),
      retention: config.logRetention,
      removalPolicy: config.statefulRemovalPolicy,
    });
    this.restApi.deploymentStage.node.addDependency(executionLogs);

    const publicBaseUrl =
      props.publicBaseUrl ??
      Fn.join('', [
        'https://',
        this.restApi.restApiId,
        '.execute-api.',
        Aws.REGION,
        '.',
        Aws.URL_SUFFIX,
        '/',
        config.stage,
      ]);
    this.authIssuer = props.authIssuer ?? publicBaseUrl;
    this.platformEnvironment = {
      AUTH_ISSUER: this.authIssuer,
      AUTH_AUDIENCE: oidcAudience,
      PUBLIC_BASE_URL: publicBaseUrl,
      PUBLIC_WEB_BASE_URL: config.webBaseUrl,
      MEDIA_PUBLIC_BASE_URL: props.mediaPublicBaseUrl,
    };
    const resources: SharedResources = { ...props.resources, platformEnvironment: this.platformEnvironment };

    // ---- One Lambda per domain the API maps to (worker-only domains live in the async stack) -------
    const functions = new Map<string, RastupFunction>();
    const aliases = new Map<string, LiveAlias>();
    const aliasFor = (domainName: string): Alias => {
      const existing = aliases.get(domainName);
      if (existing) return existing.alias;
      const fn = functionFor(domainName);
      const live = new LiveAlias(this, `Live-${domainName}`, {
        fn,
        alarmNamePrefix: `rastup-${config.stage}-release-${fn.functionName}`,
        provisioned: domainSpecs[domainName]?.latencyCritical ? config.lambda.provisioned : undefined,
      });
      aliases.set(domainName, live);
      return live.alias;
    };
    const functionFor = (domainName: string): RastupFunction => {
      const existing = functions.get(domainName);
      if (existing) return existing;
      const domain = domainSpecs[domainName];
      if (!domain) throw new Error(`The API maps to unknown domain "${domainName}" (infra/definitions/domains.ts)`);
      const fn = new RastupFunction(this, `Domain-${domainName}`, {
        config,
        name: domainName,
        entry: domain.entry,
        memoryMb: domain.memoryMb,
        timeoutSeconds: domain.timeoutSeconds,
        vpc: props.vpc,
        securityGroup: props.lambdaSecurityGroup,
        reservedConcurrency: config.lambda.apiReservedConcurrency,
      });
      bindDomainResources(fn, domain, resources, config);
      for (const [key, value] of Object.entries(props.domainEnvironment?.[domainName] ?? {}))
        fn.addEnvironment(key, value);
      functions.set(domainName, fn);
      return fn;
    };
    this.functions = functions;
    this.liveAliases = aliases;

    // ---- REST routes: `<prefix>` and `<prefix>/{proxy+}` to the domain ----------------------------
    const integrations = new Map<string, LambdaIntegration>();
    for (const route of routes) {
      const fn = functionFor(route.domain);
      // Functions serving REST refuse other browser origins (config: lambdas/core/config.ts).
      if (!integrations.has(route.domain)) fn.addEnvironment('ALLOWED_WEB_ORIGINS', webOrigins.join(','));
      let integration = integrations.get(route.domain);
      if (!integration) {
        // The live alias: CodeDeploy shifts it between versions during a release.
        integration = new LambdaIntegration(aliasFor(route.domain), { allowTestInvoke: false });
        integrations.set(route.domain, integration);
      }
      const apiKeyRequired = route.prefix === partnerPrefix || route.prefix.startsWith(`${partnerPrefix}/`);
      const resource: IResource = this.restApi.root.resourceForPath(route.prefix);
      resource.addMethod('ANY', integration, { apiKeyRequired });
      resource.addProxy({ anyMethod: false }).addMethod('ANY', integration, { apiKeyRequired });
    }
    // Partners get keys attached to this plan; the quota and throttle protect the platform from one partner.
    const partnerPlan = this.restApi.addUsagePlan('PartnerPlan', {
      name: `rastup-${config.stage}-partner-standard`,
      description: 'Default partner plan (partner API /v1)',
      throttle: {
        rateLimit: Math.max(1, Math.floor(config.api.rateLimit / 10)),
        burstLimit: Math.max(2, Math.floor(config.api.burstLimit / 10)),
      },
      quota: { limit: 1_000_000, period: Period.MONTH },
      apiStages: [{ api: this.restApi, stage: this.restApi.deploymentStage }],
    });
    void partnerPlan;

    // ---- AppSync -------------------------------------------------------------------------------------
    const sdl = props.schemaSdl ?? loadSchemaSdl();
    this.graphqlApi = new GraphqlApi(this, 'Graphql', {
      name: `rastup-${config.stage}`,
      // The merged SDL is handed over as a string: graphql/ stays the one source of truth.
      // AppSync binds the schema to the GraphqlApi under construction, so the cast holds.
      definition: Definition.fromSchema({ bind: (api) => ({ apiId: (api as GraphqlApi).apiId, definition: sdl }) }),
      authorizationConfig: {
        defaultAuthorization: {
          authorizationType: AuthorizationType.OIDC,
          openIdConnectConfig: { oidcProvider: this.authIssuer, clientId: oidcAudience },
        },
        additionalAuthorizationModes: [
          {
            authorizationType: AuthorizationType.API_KEY,
            // A fixed date per stage (stage-config.ts): the template does not change from one synth to
            // the next, and renewal is a deliberate edit (ops/runbooks/appsync-api-key.md).
            apiKeyConfig: {
              name: 'public-reads',
              description: 'Public reads (profiles, search) from the web app',
              expires: Expiration.atDate(apiKeyExpiryDate(config.appsyncApiKeyExpires)),
            },
          },
          // Lambdas publish realtime events (system messages, card updates) through @aws_iam mutations.
          { authorizationType: AuthorizationType.IAM },
        ],
      },
      xrayEnabled: true,
      // Production clients use the published schema; introspection only helps attackers there.
      introspectionConfig: config.stage === 'prod' ? IntrospectionConfig.DISABLED : IntrospectionConfig.ENABLED,
      // One definition with the local gateway, which enforces them the way AppSync does.
      queryDepthLimit: appSyncLimits.queryDepthLimit,
      resolverCountLimit: appSyncLimits.resolverCountLimit,
    });

    // Logging is configured on the L1 resource: the L2 `logConfig` always adds a log-retention
    // custom-resource Lambda. Here the group is ours (retention per stage) and the role may write to
    // it only. AppSync logs only once requests arrive, after this group exists.
    const graphqlLogs = new LogGroup(this, 'GraphqlLogs', {
      logGroupName: Fn.join('', ['/aws/appsync/apis/', this.graphqlApi.apiId]),
      retention: config.logRetention,
      removalPolicy: config.statefulRemovalPolicy,
    });
    const graphqlLogsRole = new Role(this, 'GraphqlLogsRole', {
      assumedBy: new ServicePrincipal('appsync.amazonaws.com'),
    });
    graphqlLogs.grantWrite(graphqlLogsRole);
    (this.graphqlApi.node.defaultChild as CfnGraphQLApi).logConfig = {
      cloudWatchLogsRoleArn: graphqlLogsRole.roleArn,
      fieldLogLevel: FieldLogLevel.ERROR,
      // Verbose content would log request headers (bearer tokens) and resolver payloads (PII).
      excludeVerboseContent: true,
    };

    // ---- API cache: per resolver, so only the public reads in `cachedReads` are ever cached --------
    // The TTL here is the default for resolvers without their own; each cached resolver sets its own.
    this.apiCache = new CfnApiCache(this, 'ApiCache', {
      apiId: this.graphqlApi.apiId,
      apiCachingBehavior: 'PER_RESOLVER_CACHING',
      type: config.appsyncCache,
      ttl: Math.max(...Object.values(cached).map((read) => read.ttlSeconds), 1),
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
    });
    const cachingConfigOf = (coordinate: string) => {
      const read = cached[coordinate];
      return read
        ? { ttl: Duration.seconds(read.ttlSeconds), cachingKeys: read.keys.map((name) => `$context.arguments.${name}`) }
        : undefined;
    };
    for (const coordinate of Object.keys(cached))
      if (!resolvers[coordinate]) throw new Error(`cachedReads names ${coordinate}, which no Lambda resolves`);

    const code = Code.fromAsset(resolverCodePath);
    const dataSources = new Map<string, LambdaDataSource>();
    for (const [coordinate, domainName] of Object.entries(resolvers)) {
      const [typeName, fieldName] = coordinate.split('.');
      if (!typeName || !fieldName) throw new Error(`graphqlResolvers key "${coordinate}" is not Type.field`);
      let dataSource = dataSources.get(domainName);
      if (!dataSource) {
        dataSource = this.graphqlApi.addLambdaDataSource(`${domainName}Source`, aliasFor(domainName), {
          name: `${domainName}Lambda`,
        });
        dataSources.set(domainName, dataSource);
      }
      const cachingConfig = cachingConfigOf(coordinate);
      const resolver = new Resolver(this, `Resolver-${typeName}-${fieldName}`, {
        api: this.graphqlApi,
        typeName,
        fieldName,
        dataSource,
        runtime: FunctionRuntime.JS_1_0_0,
        code,
        ...(cachingConfig ? { cachingConfig } : {}),
      });
      // A resolver's cachingConfig is refused while the API has no cache.
      if (cachingConfig) resolver.node.addDependency(this.apiCache);
    }
    // Fields resolved by APPSYNC_JS code alone (cache eviction): a NONE data source, no Lambda.
    if (Object.keys(codeResolvers).length > 0) {
      const none = this.graphqlApi.addNoneDataSource('CodeSource', { name: 'CodeOnly' });
      for (const [coordinate, file] of Object.entries(codeResolvers)) {
        const [typeName, fieldName] = coordinate.split('.');
        if (!typeName || !fieldName) throw new Error(`appsyncCodeResolvers key "${coordinate}" is not Type.field`);
        new Resolver(this, `Resolver-${typeName}-${fieldName}`, {
          api: this.graphqlApi,
          typeName,
          fieldName,
          dataSource: none,
          runtime: FunctionRuntime.JS_1_0_0,
          code: Code.fromAsset(join(definitionsDir, file)),
        });
      }
    }

    // Functions that publish realtime events get the API's URL and a grant on their mutations only
    // (after the resolvers: GraphQL-only domains' functions are created by them).
    this.realtime = { api: this.graphqlApi, graphqlUrl: this.graphqlApi.graphqlUrl };
    for (const [domainName, fn] of functions) {
      const domain = domainSpecs[domainName];
      if (domain) bindRealtime(fn, domain, this.realtime);
    }

    // ---- WAF on both APIs --------------------------------------------------------------------------
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAclName = `rastup-${config.stage}-api`;
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: this.webAclName,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`rastup-${config.stage}-api`),
      rules: webAclRules(config),
    });
    new CfnWebACLAssociation(this, 'RestWaf', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    new CfnWebACLAssociation(this, 'GraphqlWaf', { resourceArn: this.graphqlApi.arn, webAclArn: this.webAcl.attrArn });

    // ---- Values other tools read (web app build, partner docs, smoke tests) -------------------------
    for (const [name, value, description] of [
      ['graphql-url', this.graphqlApi.graphqlUrl, 'AppSync GraphQL endpoint'],
      ['rest-url', this.restApi.url, 'API Gateway REST base URL'],
      ['auth-issuer', this.authIssuer, 'OIDC issuer AppSync trusts (the auth service)'],
    ] as const) {
      new StringParameter(this, `Param-${name}`, {
        parameterName: `/rastup/${config.stage}/api/${name}`,
        stringValue: value,
        description,
      });
    }

    this.suppressNagFindings();
  }

  private suppressNagFindings(): void {
    acknowledgeNag(this.restApi, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Proxy routes: each domain handler validates its input with zod (the one definition of the input type); API Gateway models would duplicate it.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          '/auth (sign-up, login, refresh) and /.well-known are public by nature; /v1 requires a usage-plan API key plus the partner HMAC signature checked in the Lambda.',
      },
      { id: 'AwsSolutions-COG4', reason: "Identity is the project's own OIDC auth service, not Cognito." },
    ]);
    acknowledgeGuard(this.graphqlApi, [
      {
        rule: 'appsync_api_private_visibility_check',
        reason: 'CT.APPSYNC.PR.1: the web app and partners call the API from the internet; it must be GLOBAL.',
      },
      {
        rule: 'appsync_authorization_check',
        reason:
          'CT.APPSYNC.PR.3: the API key mode serves public reads (profiles, search) to signed-out visitors, on fields marked @aws_api_key only; everything else needs OIDC.',
      },
    ]);
    acknowledgeNag(this.graphqlApi, [
      {
        id: 'AwsSolutions-ASC3',
        reason:
          'Field-level ERROR logging is on; verbose content is excluded because it carries request headers (bearer tokens) and resolver payloads (PII).',
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'CDK grants AppSync lambda:InvokeFunction on the domain function and its versions/aliases (<fn>:*); nothing else.',
        appliesTo: [...this.functions.values()].map(
          (fn) => `Resource::<${this.getLogicalId(fn.fn.node.defaultChild as CfnElement)}.Arn>:*`,
        ),
      },
    ]);
  }
}

/** Label the common rule set puts on a request whose body is over 8 KB (its SizeRestrictions_BODY rule). */
export const bodySizeLabel = 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body';
/** Largest GraphQL request body allowed (profile drafts, messages): 64 KB. */
export const graphqlBodyLimitBytes = 64 * 1024;
/**
 * `Content-Length` values above 65536, as a regular expression (WAF compares headers as text; AppSync's
 * body inspection stops at 8 KB, so the declared length is what can be checked).
 */
export const contentLengthOver64KbPattern =
  '^0*(6553[7-9]|655[4-9][0-9]|65[6-9][0-9]{2}|6[6-9][0-9]{3}|[7-9][0-9]{4}|[1-9][0-9]{5,})$';

/**
 * The web ACL's rules (NTB-SEC-001, seed 003 edge layer), in evaluation order, each with its metric:
 * Amazon IP reputation, the stage's geo rule, the per-IP rate rule, the AWS common rules with the
 * 8 KB body rule counted instead of blocking and re-applied outside `/graphql`, a 64 KB cap on
 * `/graphql`, known bad inputs and Bot Control (common level).
 */
export function webAclRules(config: StageConfig): CfnWebACL.RuleProperty[] {
  const visibility = (metricName: string) => ({
    cloudWatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName,
  });
  const managed = (name: string, priority: number, metric: string, extra: Record<string, unknown> = {}) => ({
    name: metric,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ...extra } },
    visibilityConfig: visibility(metric),
  });
  const graphqlPath = {
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      searchString: '/graphql',
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
  const rules: CfnWebACL.RuleProperty[] = [
    managed('AWSManagedRulesAmazonIpReputationList', 0, 'aws-ip-reputation'),
    {
      name: 'geo-outside-allowed',
      priority: 1,
      action: config.waf.geoAction === 'block' ? { block: {} } : { count: {} },
      statement: {
        notStatement: { statement: { geoMatchStatement: { countryCodes: [...config.waf.geoAllowedCountries] } } },
      },
      visibilityConfig: visibility('geo-outside-allowed'),
    },
    {
      name: 'rate-limit-per-ip',
      priority: 2,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: config.api.wafRequestsPer5MinPerIp, aggregateKeyType: 'IP' } },
      visibilityConfig: visibility('rate-limit-per-ip'),
    },
    ...edgeRateRules(),
    managed('AWSManagedRulesCommonRuleSet', 3, 'aws-common-rule-set', {
      // Counted (it still labels the request) and re-applied below, scoped.
      ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
    }),
    {
      name: 'body-over-8kb-outside-graphql',
      priority: 4,
      action: { block: {} },
      statement: {
        andStatement: {
          statements: [
            { labelMatchStatement: { scope: 'LABEL', key: bodySizeLabel } },
            { notStatement: { statement: graphqlPath } },
          ],
        },
      },
      visibilityConfig: visibility('body-over-8kb-outside-graphql'),
    },
    {
      name: 'graphql-body-over-64kb',
      priority: 5,
      action: { block: {} },
      statement: {
        andStatement: {
          statements: [
            graphqlPath,
            {
              regexMatchStatement: {
                fieldToMatch: { singleHeader: { Name: 'content-length' } },
                regexString: contentLengthOver64KbPattern,
                textTransformations: [{ priority: 0, type: 'NONE' }],
              },
            },
          ],
        },
      },
      visibilityConfig: visibility('graphql-body-over-64kb'),
    },
    managed('AWSManagedRulesKnownBadInputsRuleSet', 6, 'aws-known-bad-inputs'),
    managed('AWSManagedRulesBotControlRuleSet', 7, 'aws-bot-control', {
      managedRuleGroupConfigs: [{ awsManagedRulesBotControlRuleSet: { inspectionLevel: 'COMMON' } }],
    }),
  ];
  // Evaluation order is the order above.
  return rules.map((rule, priority) => ({ ...rule, priority }));
}

/**
 * The rate-limit matrix rows enforced at the edge (infra/definitions/edge-rate-limits.ts) as WAF
 * rate-based rules: keyed on the client address, limit and evaluation window from the row, scoped to
 * requests whose JSON `query` names the row's root field. WAF decodes the JSON (so escapes cannot hide
 * the name); AppSync lets it inspect only the first 8 KB, so a longer body counts as a match, and a
 * body that is not JSON is searched as text. Public-only rows leave out requests that carry an
 * Authorization header (signed-in callers have their per-user limit in the Lambda).
 */
export function edgeRateRules(): CfnWebACL.RuleProperty[] {
  return edgeRateLimits.map((edge) => {
    const { limit, windowSeconds } = edgeRuleLimits(edge);
    const namesField: CfnWebACL.StatementProperty = {
      byteMatchStatement: {
        fieldToMatch: {
          jsonBody: {
            matchPattern: { includedPaths: ['/query'] },
            matchScope: 'VALUE',
            invalidFallbackBehavior: 'EVALUATE_AS_STRING',
            oversizeHandling: 'MATCH',
          },
        },
        positionalConstraint: 'CONTAINS',
        searchString: edge.field,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    // A header WAF cannot find does not match: NOT(size > 0) holds for requests without one.
    const withoutAuthorization: CfnWebACL.StatementProperty = {
      notStatement: {
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { singleHeader: { Name: 'authorization' } },
            comparisonOperator: 'GT',
            size: 0,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
      },
    };
    return {
      name: edge.ruleName,
      priority: 0, // set by webAclRules from the rule's place in the list
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit,
          evaluationWindowSec: windowSeconds,
          aggregateKeyType: 'IP',
          scopeDownStatement: edge.publicOnly
            ? { andStatement: { statements: [namesField, withoutAuthorization] } }
            : namesField,
        },
      },
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: edge.ruleName },
    };
  });
}
