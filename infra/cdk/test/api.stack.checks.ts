import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventConsumers } from '../../definitions/domains.ts';
import { authKeysSecret, authProvidersSecret } from '../../definitions/secrets.ts';
import { controlTable } from '../../definitions/tables.ts';
import { edgeRateLimits } from '../../definitions/edge-rate-limits.ts';
import { rateLimitMatrix } from '../../../lambdas/core/rate-limit-matrix.ts';
import { bodySizeLabel, graphqlBodyLimitBytes, oidcAudience } from '../stacks/api.stack.ts';
import {
  resourcesOf,
  synthOptionsStage,
  synthProbeStage,
  synthStage,
  type SynthesizedStage,
  synthTimeoutMs,
} from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerApiStackChecks(): void {
  describe('api', () => {
    let prod: SynthesizedStage;
    beforeAll(() => {
      prod = synthStage('prod');
    }, synthTimeoutMs);

    const functionEnv = (s: SynthesizedStage, domain: string) => {
      const fn = s.stage.api.functions.get(domain)!;
      const id = s.stage.api.getLogicalId(fn.fn.node.defaultChild as never);
      return (resourcesOf(s.templates.api)[id]!.Properties as any).Environment.Variables as Record<string, unknown>;
    };

    describe('api stack: AppSync', () => {
      it('defaults to OPENID_CONNECT (the auth service) with API_KEY for public reads and AWS_IAM for Lambdas', () => {
        prod.templates.api.hasResourceProperties('AWS::AppSync::GraphQLApi', {
          AuthenticationType: 'OPENID_CONNECT',
          OpenIDConnectConfig: Match.objectLike({ Issuer: Match.anyValue(), ClientId: oidcAudience }),
          AdditionalAuthenticationProviders: [{ AuthenticationType: 'API_KEY' }, { AuthenticationType: 'AWS_IAM' }],
          XrayEnabled: true,
          IntrospectionConfig: 'DISABLED',
          LogConfig: Match.objectLike({ FieldLogLevel: 'ERROR', ExcludeVerboseContent: true }),
        });
        prod.templates.api.resourceCountIs('AWS::AppSync::ApiKey', 1);
      });

      it('lets only publishing Lambdas call their @aws_iam mutations (messaging: publishThreadEvent; profiles: evictPublicListing, evictBookingTerms; booking: evictBookingTerms), nothing else', () => {
        const policies = Object.values(resourcesOf(prod.templates.api, 'AWS::IAM::Policy')).concat(
          Object.values(resourcesOf(prod.templates.async, 'AWS::IAM::Policy')),
        );
        const appsyncGrants = policies.flatMap((policy) =>
          ((policy.Properties as any).PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
            .filter((statement) => JSON.stringify(statement.Action).includes('appsync:GraphQL'))
            .map((statement) => ({
              roles: JSON.stringify((policy.Properties as any).Roles),
              resource: statement.Resource,
            })),
        );
        // The publishing API functions and each of their consumers, which share their domain's `uses`;
        // no other function, and each on its own mutations only. (Messaging first: its consumer
        // messaging-bookings names bookings too.)
        const publishing: Record<string, readonly string[]> = {
          messaging: ['publishThreadEvent'],
          profiles: ['evictPublicListing', 'evictBookingTerms'],
          booking: ['evictBookingTerms'],
        };
        const consumersOf = (domain: string) => eventConsumers.filter((consumer) => consumer.domain === domain);
        expect(consumersOf('messaging').map((consumer) => consumer.name)).toEqual([
          'messaging-bookings',
          'messaging-user-deleted',
        ]);
        expect(consumersOf('profiles').map((consumer) => consumer.name)).toEqual([
          'profiles-media-changes',
          'profiles-public-cache',
          'profiles-user-deleted',
        ]);
        expect(consumersOf('booking').map((consumer) => consumer.name)).toEqual(['booking-payment-disputes']);
        expect(appsyncGrants).toHaveLength(
          3 + consumersOf('messaging').length + consumersOf('profiles').length + consumersOf('booking').length,
        );
        const allFields = [...new Set(Object.values(publishing).flat())];
        for (const grant of appsyncGrants) {
          const domain = Object.keys(publishing).find((name) => new RegExp(name, 'i').test(grant.roles));
          expect(domain, grant.roles).toBeDefined();
          const resource = JSON.stringify(grant.resource);
          for (const field of allFields)
            if (publishing[domain!]!.includes(field)) expect(resource).toContain(`/types/Mutation/fields/${field}`);
            else expect(resource).not.toContain(`/fields/${field}`);
        }
        expect(typeof functionEnv(prod, 'messaging').APPSYNC_GRAPHQL_URL).toBe('object'); // the API's GraphQLUrl
        expect(typeof functionEnv(prod, 'profiles').APPSYNC_GRAPHQL_URL).toBe('object');
        expect(typeof functionEnv(prod, 'booking').APPSYNC_GRAPHQL_URL).toBe('object');
        expect(functionEnv(prod, 'search').APPSYNC_GRAPHQL_URL).toBeUndefined();
      });

      it('trusts the issuer the auth Lambda signs with', () => {
        const api = Object.values(resourcesOf(prod.templates.api, 'AWS::AppSync::GraphQLApi'))[0]!.Properties as any;
        const env = functionEnv(prod, 'auth');
        expect(env.AUTH_ISSUER).toEqual(api.OpenIDConnectConfig.Issuer);
        expect(env.AUTH_AUDIENCE).toBe(oidcAudience);
        expect(JSON.stringify(api.OpenIDConnectConfig.Issuer)).toContain('.execute-api.');
      });

      it('takes an explicit issuer (custom auth domain) from options', () => {
        const custom = synthOptionsStage();
        custom.templates.api.hasResourceProperties('AWS::AppSync::GraphQLApi', {
          OpenIDConnectConfig: Match.objectLike({ Issuer: 'https://auth.rastup.example' }),
        });
        expect(functionEnv(custom, 'auth').AUTH_ISSUER).toBe('https://auth.rastup.example');
        expect(functionEnv(custom, 'authDiscovery').AUTH_ISSUER).toBe('https://auth.rastup.example');
        // Social sign-in client ids also come from options, and reach the auth Lambda only.
        expect(functionEnv(synthStage('dev'), 'auth').GOOGLE_CLIENT_IDS).toBeUndefined();
        const social = custom;
        expect(functionEnv(social, 'auth')).toMatchObject({
          GOOGLE_CLIENT_IDS: 'web.apps.googleusercontent.example',
          APPLE_CLIENT_IDS: 'com.rastup.web',
        });
        expect(functionEnv(social, 'profiles').GOOGLE_CLIENT_IDS).toBeUndefined();
      });
    });

    describe('api stack: domain Lambdas', () => {
      it('are ARM64 Node 22 with tracing, explicit log groups and source maps', () => {
        const functions = Object.values(resourcesOf(prod.templates.api, 'AWS::Lambda::Function')).map(
          (f) => f.Properties as any,
        );
        expect(functions.length).toBe(prod.stage.api.functions.size);
        for (const fn of functions) {
          expect(fn.Runtime).toBe('nodejs22.x');
          expect(fn.Architectures).toEqual(['arm64']);
          expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
          expect(fn.LoggingConfig.LogGroup).toBeDefined();
          expect(fn.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
          expect(fn.VpcConfig.SubnetIds.length).toBe(3);
        }
        prod.templates.api.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
      });

      it('bind sets each resource variable the domain uses (auth: database, control table, mail; no bus)', () => {
        const env = functionEnv(prod, 'auth');
        expect(env[controlTable.envVar]).toBe('rastup-prod-control');
        for (const key of [
          'DB_PROXY_ENDPOINT',
          'DB_USER',
          'DB_NAME',
          'NOTIFICATIONS_FROM_EMAIL',
          'NOTIFICATIONS_MODE',
          'STAGE',
        ])
          expect(env, key).toHaveProperty(key);
        // Auth announces through the outbox; only the relay may publish to the bus.
        expect(env).not.toHaveProperty('EVENT_BUS_NAME');
        const platform = functionEnv(prod, 'platform');
        expect(platform).not.toHaveProperty(controlTable.envVar);
        expect(platform).not.toHaveProperty('EVENT_BUS_NAME');
      });

      it('auth reads its secrets through *_SECRET_ARN, with GetSecretValue on those two secrets and kms:Decrypt via Secrets Manager only', () => {
        const env = functionEnv(prod, 'auth');
        const data = prod.stage.data;
        const logicalId = (id: string) => data.getLogicalId(data.secrets.get(id)!.secret.node.defaultChild as never);
        for (const variable of ['AUTH_KEY_ENCRYPTION_SEED'])
          expect(JSON.stringify(env[`${variable}_SECRET_ARN`]), variable).toContain(logicalId('auth/keys'));
        for (const variable of [
          'CAPTCHA_SECRET_KEY',
          'CAPTCHA_SITE_KEY',
          'TWILIO_ACCOUNT_SID',
          'TWILIO_AUTH_TOKEN',
          'TWILIO_FROM_NUMBER',
        ]) {
          expect(JSON.stringify(env[`${variable}_SECRET_ARN`]), variable).toContain(logicalId('auth/providers'));
        }
        // Never the values themselves.
        for (const variable of [
          'AUTH_KEY_ENCRYPTION_KEY',
          'AUTH_KEY_ENCRYPTION_SEED',
          'CAPTCHA_SECRET_KEY',
          'TWILIO_AUTH_TOKEN',
        ])
          expect(env).not.toHaveProperty(variable);

        const auth = prod.stage.api.functions.get('auth')!;
        const roleId = prod.stage.api.getLogicalId(auth.fn.role!.node.defaultChild as never);
        const statements = Object.values(resourcesOf(prod.templates.api, 'AWS::IAM::Policy'))
          .filter((policy) => JSON.stringify(policy.Properties!.Roles).includes(roleId))
          .flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: any[] }).Statement);
        const getSecret = statements.filter((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue'));
        const resources = getSecret.flatMap((st) => [st.Resource].flat()).map((r) => JSON.stringify(r));
        expect(resources).toHaveLength(2); // the two auth secrets (the database takes IAM, not a secret)
        expect(
          resources.filter((r) => r.includes(logicalId('auth/keys')) || r.includes(logicalId('auth/providers'))),
        ).toHaveLength(2);
        const decrypt = statements.filter((st) => [st.Action].flat().includes('kms:Decrypt'));
        expect(decrypt).toHaveLength(2);
        for (const st of decrypt) {
          expect(st.Action).toBe('kms:Decrypt');
          expect(st.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.us-east-1.amazonaws.com');
          expect(st.Condition.StringEquals['kms:EncryptionContext:SecretARN']).toBeDefined();
          expect(JSON.stringify(st.Resource)).toContain('DataKey');
        }
      });

      it('no other domain Lambda can read the auth secrets (the issuer’s signers read the key seed only)', () => {
        const authSecretVariables = [authKeysSecret, authProvidersSecret].flatMap((spec) =>
          spec.variables.map((variable) => `${variable}_SECRET_ARN`),
        );
        // Discovery publishes the JWKS and the partner API mints client-credentials tokens at the same
        // issuer: both may need to create the first signing key, so both read the key seed, nothing else.
        const keySeedReaders = new Set(['authDiscovery', 'partner', 'partnerWebhooks']);
        for (const domain of prod.stage.api.functions.keys()) {
          if (domain === 'auth') continue;
          const env = functionEnv(prod, domain);
          expect(
            Object.keys(env).filter((key) => authSecretVariables.includes(key)),
            domain,
          ).toEqual(keySeedReaders.has(domain) ? ['AUTH_KEY_ENCRYPTION_SEED_SECRET_ARN'] : []);
        }
        // IAM says the same: outside auth, only the key-seed readers may decrypt the auth/keys secret,
        // and nobody may decrypt auth/providers (other secrets, like payments' Stripe keys, are their owners').
        const roleOf = (policy: { Properties?: Record<string, unknown> }) => JSON.stringify(policy.Properties!.Roles);
        const policies = Object.values(resourcesOf(prod.templates.api, 'AWS::IAM::Policy')).filter(
          (policy) => !roleOf(policy).includes('DomainauthHandler'),
        );
        for (const policy of policies) {
          const text = JSON.stringify(policy.Properties);
          expect(text, roleOf(policy)).not.toMatch(/Secretauthproviders/);
          if (/Secretauthkeys/.test(text))
            expect(roleOf(policy)).toMatch(/Domain(authDiscovery|partner|partnerWebhooks)Handler/);
        }
        expect(policies.some((policy) => /Secretauthkeys/.test(JSON.stringify(policy.Properties)))).toBe(true);
      });

      it('the AppSync API key expiry is a fixed date from the stage config (the same on every synth)', () => {
        const key = Object.values(resourcesOf(prod.templates.api, 'AWS::AppSync::ApiKey'))[0]!.Properties as {
          Expires: number;
        };
        expect(key.Expires).toBe(Date.parse(`${prod.stage.config.appsyncApiKeyExpires}T00:00:00Z`) / 1000);
        const custom = synthOptionsStage();
        expect(
          (
            Object.values(resourcesOf(custom.templates.api, 'AWS::AppSync::ApiKey'))[0]!.Properties as {
              Expires: number;
            }
          ).Expires,
        ).toBe(Date.parse('2027-01-31T00:00:00Z') / 1000);
      });

      it('a domain using search gets the Typesense nodes and key secret', () => {
        // The probe domain has no API field, so it runs as an event consumer (async stack).
        const probe = synthProbeStage('prod');
        const consumer = probe.stage.async.consumers.find((c) => c.name === 'probe-indexer')!.consumer;
        const id = probe.stage.async.getLogicalId(consumer.fn.node.defaultChild as never);
        const env = (resourcesOf(probe.templates.async)[id]!.Properties as any).Environment.Variables;
        expect(env.TYPESENSE_NODES).toBe(
          [0, 1, 2].map((i) => `typesense-${i}.search.rastup-prod.internal:8108`).join(','),
        );
        expect(env.TYPESENSE_API_KEY_SECRET_ARN).toBeDefined();
      });

      it('every domain Lambda gets the platform URLs its config reads at cold start', () => {
        for (const domain of prod.stage.api.functions.keys()) {
          const env = functionEnv(prod, domain);
          expect(env.PUBLIC_WEB_BASE_URL, domain).toBe('https://rastup.com');
          const media = JSON.stringify(env.MEDIA_PUBLIC_BASE_URL);
          expect(media, domain).toContain('"https://"');
          expect(media, domain).toMatch(/Cdnmediapublic\w*DomainName/);
          expect(env.PUBLIC_BASE_URL, domain).toEqual(env.AUTH_ISSUER);
        }
      });

      it('installs native packages for linux-arm64 beside the bundle only where the code imports them', () => {
        const worker = prod.stage.async.consumers.find((c) => c.name === 'media-moderation')!.consumer;
        expect(worker.nativeModules).toEqual(['sharp']);
        expect(prod.stage.api.functions.get('auth')!.nativeModules).toEqual([
          '@node-rs/argon2',
          '@zxcvbn-ts/language-common',
          '@zxcvbn-ts/language-en',
        ]);
        expect(prod.stage.api.functions.get('platform')!.nativeModules).toEqual([]);
        const workerEnv = (
          resourcesOf(prod.templates.async)[prod.stage.async.getLogicalId(worker.fn.node.defaultChild as never)]!
            .Properties as any
        ).Environment.Variables;
        expect(workerEnv.MODERATION_ADAPTER).toBe('rekognition');
      });
    });

    describe('api stack: REST and WAF', () => {
      it('lets only the web app call REST from a browser: ALLOWED_WEB_ORIGINS on REST functions, preflight with credentials', () => {
        for (const domain of ['auth', 'profiles'])
          expect(functionEnv(prod, domain).ALLOWED_WEB_ORIGINS, domain).toBe('https://rastup.com');
        // A function serving no REST route gets no allow-list.
        expect(functionEnv(prod, 'platform')).not.toHaveProperty('ALLOWED_WEB_ORIGINS');
        const dev = synthStage('dev');
        expect(functionEnv(dev, 'auth').ALLOWED_WEB_ORIGINS).toBe('https://dev.rastup.com');

        const preflights = Object.values(resourcesOf(prod.templates.api, 'AWS::ApiGateway::Method'))
          .map((method) => method.Properties as any)
          .filter((method) => method.HttpMethod === 'OPTIONS');
        // The root, and each REST prefix with its {proxy+}.
        expect(preflights.length).toBeGreaterThanOrEqual(1 + 2 * 3);
        for (const method of preflights) {
          expect(method.AuthorizationType).toBe('NONE');
          expect(method.Integration.Type).toBe('MOCK');
          const headers = method.Integration.IntegrationResponses[0].ResponseParameters;
          expect(headers['method.response.header.Access-Control-Allow-Origin']).toBe("'https://rastup.com'");
          expect(headers['method.response.header.Access-Control-Allow-Credentials']).toBe("'true'");
          expect(headers['method.response.header.Access-Control-Allow-Headers']).toContain('Content-Type');
        }
      });

      it('throttles the stage and traces and logs access without bodies', () => {
        prod.templates.api.hasResourceProperties('AWS::ApiGateway::Stage', {
          StageName: 'prod',
          TracingEnabled: true,
          AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
          MethodSettings: [
            Match.objectLike({
              ThrottlingRateLimit: 1000,
              ThrottlingBurstLimit: 2000,
              DataTraceEnabled: false,
              LoggingLevel: 'ERROR',
            }),
          ],
        });
      });

      it('has a partner usage plan with throttle and quota on the stage', () => {
        prod.templates.api.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
          Throttle: { RateLimit: 100, BurstLimit: 200 },
          Quota: { Limit: 1_000_000, Period: 'MONTH' },
          ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
        });
      });

      it('puts one web ACL in front of both APIs: managed groups, geo, rate and scoped body-size rules, each with its metric', () => {
        const acl = Object.values(resourcesOf(prod.templates.api, 'AWS::WAFv2::WebACL'))[0]!.Properties as any;
        expect(acl.Scope).toBe('REGIONAL');
        const rules = acl.Rules as any[];
        const byName = new Map(rules.map((rule) => [rule.Name, rule]));
        const managedGroups = rules
          .map((rule) => rule.Statement.ManagedRuleGroupStatement?.Name)
          .filter(Boolean)
          .sort();
        expect(managedGroups).toEqual([
          'AWSManagedRulesAmazonIpReputationList',
          'AWSManagedRulesBotControlRuleSet',
          'AWSManagedRulesCommonRuleSet',
          'AWSManagedRulesKnownBadInputsRuleSet',
        ]);
        for (const rule of rules) {
          expect(rule.VisibilityConfig, rule.Name).toEqual({
            CloudWatchMetricsEnabled: true,
            SampledRequestsEnabled: true,
            MetricName: rule.Name,
          });
        }
        expect(new Set(rules.map((rule) => rule.Priority)).size).toBe(rules.length);
        expect(byName.get('rate-limit-per-ip').Statement.RateBasedStatement).toEqual({
          Limit: 3000,
          AggregateKeyType: 'IP',
        });
        // The common rule set's 8 KB body rule only counts (and labels) ...
        expect(byName.get('aws-common-rule-set').Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([
          { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
        ]);
        // ... and blocks outside /graphql through its label; /graphql is allowed up to 64 KB.
        const outside = byName.get('body-over-8kb-outside-graphql');
        expect(outside.Action).toEqual({ Block: {} });
        expect(outside.Priority).toBeGreaterThan(byName.get('aws-common-rule-set').Priority);
        expect(JSON.stringify(outside.Statement)).toContain(bodySizeLabel);
        expect(JSON.stringify(outside.Statement.AndStatement.Statements[1])).toContain('/graphql');
        expect(outside.Statement.AndStatement.Statements[1].NotStatement).toBeDefined();
        const cap = byName.get('graphql-body-over-64kb');
        expect(cap.Action).toEqual({ Block: {} });
        const lengthRule = cap.Statement.AndStatement.Statements[1].RegexMatchStatement;
        expect(lengthRule.FieldToMatch).toEqual({ SingleHeader: { Name: 'content-length' } });
        const pattern = new RegExp(lengthRule.RegexString);
        for (const allowed of ['0', '8193', '65535', '65536', '9999'])
          expect(pattern.test(allowed), allowed).toBe(false);
        for (const refused of ['65537', '65600', '66000', '70000', '99999', '100000', '1048576'])
          expect(pattern.test(refused), refused).toBe(true);
        expect(graphqlBodyLimitBytes).toBe(65536);
        expect(byName.get('aws-bot-control').Statement.ManagedRuleGroupStatement.ManagedRuleGroupConfigs).toEqual([
          { AWSManagedRulesBotControlRuleSet: { InspectionLevel: 'COMMON' } },
        ]);
      });

      it('geo rule: US only, blocking in prod and counting in dev', () => {
        const geo = (s: SynthesizedStage) =>
          (
            (Object.values(resourcesOf(s.templates.api, 'AWS::WAFv2::WebACL'))[0]!.Properties as any).Rules as any[]
          ).find((rule) => rule.Name === 'geo-outside-allowed');
        expect(geo(prod).Action).toEqual({ Block: {} });
        expect(geo(prod).Statement.NotStatement.Statement.GeoMatchStatement.CountryCodes).toEqual(['US']);
        expect(geo(synthStage('dev')).Action).toEqual({ Count: {} });
      });

      it('leaves the account-wide API Gateway settings to the account stack; execution logs expire', () => {
        prod.templates.api.resourceCountIs('AWS::ApiGateway::Account', 0);
        expect(
          Object.values(resourcesOf(prod.templates.api, 'AWS::IAM::Role')).filter((role) =>
            JSON.stringify(role.Properties).includes('AmazonAPIGatewayPushToCloudWatchLogs'),
          ),
        ).toEqual([]);
        const executionLogs = Object.values(resourcesOf(prod.templates.api, 'AWS::Logs::LogGroup')).find((group) =>
          JSON.stringify((group.Properties as any).LogGroupName ?? '').includes('API-Gateway-Execution-Logs_'),
        );
        expect(executionLogs?.Properties).toMatchObject({ RetentionInDays: 90 });
      });

      it('enforces the edge rows of the rate-limit matrix as WAF rate-based rules on the GraphQL API', () => {
        const rules = (Object.values(resourcesOf(prod.templates.api, 'AWS::WAFv2::WebACL'))[0]!.Properties as any)
          .Rules as any[];
        const byName = new Map(rules.map((rule) => [rule.Name, rule]));
        expect(edgeRateLimits.map((edge) => edge.row).sort()).toEqual(['search.ip', 'suggestions.ip']);
        for (const edge of edgeRateLimits) {
          const row = rateLimitMatrix[edge.row];
          const rule = byName.get(edge.ruleName);
          expect(rule?.Action, edge.ruleName).toEqual({ Block: {} });
          const rate = rule.Statement.RateBasedStatement;
          // The numbers are the matrix row's: WAF limit = capacity, evaluation window = the row's window.
          expect(rate).toMatchObject({
            Limit: row.capacity,
            EvaluationWindowSec: row.windowSeconds,
            AggregateKeyType: 'IP',
          });
          const scope = edge.publicOnly ? rate.ScopeDownStatement.AndStatement.Statements : [rate.ScopeDownStatement];
          expect(scope[0].ByteMatchStatement).toEqual({
            FieldToMatch: {
              JsonBody: {
                MatchPattern: { IncludedPaths: ['/query'] },
                MatchScope: 'VALUE',
                InvalidFallbackBehavior: 'EVALUATE_AS_STRING',
                // AppSync lets WAF read 8 KB of the body: a longer one counts.
                OversizeHandling: 'MATCH',
              },
            },
            PositionalConstraint: 'CONTAINS',
            SearchString: edge.field,
            TextTransformations: [{ Priority: 0, Type: 'NONE' }],
          });
          if (edge.publicOnly)
            expect(scope[1].NotStatement.Statement.SizeConstraintStatement).toMatchObject({
              FieldToMatch: { SingleHeader: { Name: 'authorization' } },
              ComparisonOperator: 'GT',
              Size: 0,
            });
          // Before the managed groups, after reputation and geo.
          expect(rule.Priority).toBeGreaterThan(byName.get('rate-limit-per-ip').Priority);
          expect(rule.Priority).toBeLessThan(byName.get('aws-common-rule-set').Priority);
        }
        // The ACL holding them is the one associated with the AppSync API.
        const acl = Object.keys(resourcesOf(prod.templates.api, 'AWS::WAFv2::WebACL'))[0]!;
        const graphqlAssociation = Object.values(resourcesOf(prod.templates.api, 'AWS::WAFv2::WebACLAssociation'))
          .map((a) => a.Properties as any)
          .find((p) => !JSON.stringify(p.ResourceArn).includes('/stages/'));
        expect(JSON.stringify(graphqlAssociation?.ResourceArn)).toContain('Graphql');
        expect(JSON.stringify(graphqlAssociation)).toContain(JSON.stringify({ 'Fn::GetAtt': [acl, 'Arn'] }));
      });

      it('associates the web ACL with both APIs', () => {
        const associations = Object.values(resourcesOf(prod.templates.api, 'AWS::WAFv2::WebACLAssociation')).map((a) =>
          JSON.stringify((a.Properties as any).ResourceArn),
        );
        expect(associations).toHaveLength(2);
        expect(associations.some((arn) => arn.includes('GraphqlApi') || arn.includes('Graphql'))).toBe(true);
        expect(associations.some((arn) => arn.includes('/stages/'))).toBe(true);
      });
    });
  });
}
