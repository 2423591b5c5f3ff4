/**
 * The public edges: one Lambda per domain, AppSync generated from graphql/ and the
 * field-to-domain map, API Gateway REST for cookie-setting auth routes, /.well-known and the
 * partner API, and one regional WAF web ACL in front of both.
 */
import { join } from 'node:path';
import { Aws, type CfnElement, Duration, Expiration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
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
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { acknowledgeNag } from '../constructs/cdk-nag.ts';
import type { Construct } from 'constructs';
import {
  domains as domainDefinitions,
  graphqlResolvers as resolverDefinitions,
  restRoutes as routeDefinitions,
  type DomainSpec,
} from '../../definitions/domains.ts';
import { loadSchemaSdl } from '../../definitions/schema.ts';
import { appSyncLimits } from '../../definitions/appsync-limits.ts';
import { bindDomainResources, type SharedResources } from '../constructs/domain-wiring.ts';
import { RastupFunction, repositoryRoot } from '../constructs/rastup-function.construct.ts';
import { apiKeyExpiryDate, type StageConfig } from '../stage-config.ts';

export const resolverCodePath = join(repositoryRoot, 'infra', 'definitions', 'appsync-lambda-resolver.js');

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
  readonly restRoutes?: readonly { readonly prefix: string; readonly domain: string }[];
  readonly schemaSdl?: string;
}

export class ApiStack extends Stack {
  readonly functions: ReadonlyMap<string, RastupFunction>;
  readonly graphqlApi: GraphqlApi;
  readonly restApi: RestApi;
  readonly authIssuer: string;
  readonly webAcl: CfnWebACL;
  /** Values every domain Lambda reads; the async stack gives them to consumers and jobs too. */
  readonly platformEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const domainSpecs: Readonly<Record<string, DomainSpec>> = props.domains ?? domainDefinitions;
    const resolvers = props.graphqlResolvers ?? resolverDefinitions;
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
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
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
      });
      bindDomainResources(fn, domain, resources, config);
      for (const [key, value] of Object.entries(props.domainEnvironment?.[domainName] ?? {}))
        fn.addEnvironment(key, value);
      functions.set(domainName, fn);
      return fn;
    };
    this.functions = functions;

    // ---- REST routes: `<prefix>` and `<prefix>/{proxy+}` to the domain ----------------------------
    const integrations = new Map<string, LambdaIntegration>();
    for (const route of routes) {
      const fn = functionFor(route.domain);
      // Functions serving REST refuse other browser origins (config: lambdas/core/config.ts).
      if (!integrations.has(route.domain)) fn.addEnvironment('ALLOWED_WEB_ORIGINS', webOrigins.join(','));
      let integration = integrations.get(route.domain);
      if (!integration) {
        integration = new LambdaIntegration(fn.fn, { allowTestInvoke: false });
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

    const code = Code.fromAsset(resolverCodePath);
    const dataSources = new Map<string, LambdaDataSource>();
    for (const [coordinate, domainName] of Object.entries(resolvers)) {
      const [typeName, fieldName] = coordinate.split('.');
      if (!typeName || !fieldName) throw new Error(`graphqlResolvers key "${coordinate}" is not Type.field`);
      let dataSource = dataSources.get(domainName);
      if (!dataSource) {
        dataSource = this.graphqlApi.addLambdaDataSource(`${domainName}Source`, functionFor(domainName).fn, {
          name: `${domainName}Lambda`,
        });
        dataSources.set(domainName, dataSource);
      }
      new Resolver(this, `Resolver-${typeName}-${fieldName}`, {
        api: this.graphqlApi,
        typeName,
        fieldName,
        dataSource,
        runtime: FunctionRuntime.JS_1_0_0,
        code,
      });
    }

    // ---- WAF on both APIs --------------------------------------------------------------------------
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `rastup-${config.stage}-api`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`rastup-${config.stage}-api`),
      rules: [
        {
          name: 'aws-common-rule-set',
          priority: 0,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
          visibilityConfig: visibility('aws-common-rule-set'),
        },
        {
          name: 'rate-limit-per-ip',
          priority: 1,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: config.api.wafRequestsPer5MinPerIp, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('rate-limit-per-ip'),
        },
      ],
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
      {
        id: 'AwsSolutions-IAM4',
        reason:
          "AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy API Gateway's account-level logging role needs.",
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
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
