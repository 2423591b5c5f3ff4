/**
 * The local stack and the CDK stacks must take tables, buckets, resolvers and routes from
 * infra/definitions. These tests compare the synthesized templates with the definitions and
 * with what the local stack builds from them (createTableInput), so a divergence fails here.
 */
import { Kind, parse, type ObjectTypeDefinitionNode, type ObjectTypeExtensionNode } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { appSyncLimits } from '../../definitions/appsync-limits.ts';
import { buckets } from '../../definitions/buckets.ts';
import {
  appsyncCodeResolvers,
  cachedReads,
  domains,
  eventConsumers,
  graphqlResolvers,
  restRoutes,
  scheduledJobs,
} from '../../definitions/domains.ts';
import { loadSchemaSdl } from '../../definitions/schema.ts';
import { tables } from '../../definitions/tables.ts';
import { createTableInput } from '../../local/dynamodb.ts';
import { resourcesOf, synthStage, type SynthesizedStage, synthTimeoutMs } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerDefinitionsDriftChecks(): void {
  describe('definitions-drift', () => {
    let dev: SynthesizedStage;
    beforeAll(() => {
      dev = synthStage('dev');
    }, synthTimeoutMs);

    const byName = <T extends { AttributeName?: string; IndexName?: string }>(items: readonly T[] = []) =>
      [...items].sort((a, b) =>
        String(a.IndexName ?? a.AttributeName).localeCompare(String(b.IndexName ?? b.AttributeName)),
      );

    describe('DynamoDB tables follow infra/definitions/tables.ts', () => {
      it('creates exactly one table per spec', () => {
        const names = Object.values(resourcesOf(dev.templates.data, 'AWS::DynamoDB::Table')).map(
          (table) => table.Properties?.TableName,
        );
        expect(names.sort()).toEqual(tables.map((spec) => `rastup-dev-${spec.id}`).sort());
      });

      for (const spec of tables) {
        it(`${spec.id}: keys, GSIs and TTL equal the spec and the local stack's CreateTable input`, () => {
          const table = Object.values(resourcesOf(dev.templates.data, 'AWS::DynamoDB::Table')).find(
            (t) => t.Properties?.TableName === `rastup-dev-${spec.id}`,
          );
          expect(table, `table rastup-dev-${spec.id}`).toBeDefined();
          const props = table!.Properties as Record<string, any>;
          const local = createTableInput('dev', spec);

          expect(props.KeySchema).toEqual(local.KeySchema);
          expect(byName(props.AttributeDefinitions)).toEqual(byName(local.AttributeDefinitions));
          expect(props.BillingMode).toBe(local.BillingMode);
          const cdkIndexes = byName<any>(props.GlobalSecondaryIndexes ?? []).map((index) => ({
            IndexName: index.IndexName,
            KeySchema: index.KeySchema,
            Projection: index.Projection,
          }));
          expect(cdkIndexes).toEqual(byName<any>(local.GlobalSecondaryIndexes ?? []));
          expect(cdkIndexes.map((index) => index.IndexName)).toEqual(
            spec.globalIndexes.map((index) => index.indexName).sort(),
          );
          if (spec.ttlAttribute) {
            expect(props.TimeToLiveSpecification).toEqual({ AttributeName: spec.ttlAttribute, Enabled: true });
          } else {
            expect(props.TimeToLiveSpecification).toBeUndefined();
          }
        });
      }
    });

    describe('S3 buckets follow infra/definitions/buckets.ts', () => {
      for (const spec of buckets) {
        it(`${spec.id}: lifecycle, CORS and CDN exposure equal the spec`, () => {
          const { bucket } = dev.stage.data.buckets.get(spec.id)!;
          const logicalId = dev.stage.data.getLogicalId(bucket.node.defaultChild as never);
          const props = resourcesOf(dev.templates.data)[logicalId]!.Properties as Record<string, any>;
          const rules = props.LifecycleConfiguration.Rules as any[];

          for (const expiration of spec.expirations) {
            expect(rules).toContainEqual(
              expect.objectContaining({
                Prefix: expiration.prefix,
                ExpirationInDays: expiration.days,
                Status: 'Enabled',
              }),
            );
          }
          expect(rules.filter((rule) => rule.ExpirationInDays !== undefined)).toHaveLength(spec.expirations.length);
          const transitions = rules.flatMap((rule) => rule.Transitions ?? []);
          expect(transitions).toEqual(
            spec.infrequentAccessAfterDays === undefined
              ? []
              : [{ StorageClass: 'STANDARD_IA', TransitionInDays: spec.infrequentAccessAfterDays }],
          );

          if (spec.browserUploads) {
            const [cors] = props.CorsConfiguration.CorsRules;
            expect(cors.AllowedMethods).toEqual(['POST', 'PUT']);
            expect(cors.AllowedHeaders).toEqual(['content-type', 'content-length', 'x-amz-*']);
            expect(cors.ExposedHeaders).toEqual(['ETag']);
            expect(cors.AllowedOrigins).toEqual(dev.stage.config.webOrigins);
          } else {
            expect(props.CorsConfiguration).toBeUndefined();
          }

          const origins = Object.values(resourcesOf(dev.templates.data, 'AWS::CloudFront::Distribution')).flatMap(
            (distribution) => (distribution.Properties as any).DistributionConfig.Origins as any[],
          );
          const servedByCdn = origins.some((origin) => JSON.stringify(origin.DomainName).includes(logicalId));
          expect(servedByCdn).toBe(spec.publicThroughCdn);
        });
      }
    });

    describe('AppSync follows graphql/ and graphqlResolvers', () => {
      const rootFields = (): string[] => {
        const document = parse(loadSchemaSdl());
        const roots = new Set(['Query', 'Mutation', 'Subscription']);
        return document.definitions
          .filter(
            (node): node is ObjectTypeDefinitionNode | ObjectTypeExtensionNode =>
              (node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION) &&
              roots.has(node.name.value),
          )
          .flatMap((node) => (node.fields ?? []).map((field) => `${node.name.value}.${field.name.value}`));
      };

      it('maps every root field of the merged schema to a domain or to resolver code, and nothing else', () => {
        expect(rootFields().sort()).toEqual(
          [...Object.keys(graphqlResolvers), ...Object.keys(appsyncCodeResolvers)].sort(),
        );
        for (const coordinate of Object.keys(appsyncCodeResolvers))
          expect(graphqlResolvers[coordinate]).toBeUndefined();
      });

      it("sets AppSync's query depth and resolver count limits from appsync-limits.ts (the local gateway's too)", () => {
        dev.templates.api.hasResourceProperties('AWS::AppSync::GraphQLApi', {
          QueryDepthLimit: appSyncLimits.queryDepthLimit,
          ResolverCountLimit: appSyncLimits.resolverCountLimit,
        });
      });

      it('deploys the merged schema text unchanged', () => {
        dev.templates.api.hasResourceProperties('AWS::AppSync::GraphQLSchema', { Definition: loadSchemaSdl() });
      });

      it('has one APPSYNC_JS resolver per graphqlResolvers entry, on its domain Lambda', () => {
        const all = Object.values(resourcesOf(dev.templates.api, 'AWS::AppSync::Resolver')).map(
          (resolver) => resolver.Properties as Record<string, any>,
        );
        const resolvers = all.filter((r) => !(`${r.TypeName}.${r.FieldName}` in appsyncCodeResolvers));
        expect(resolvers.map((r) => `${r.TypeName}.${r.FieldName}`).sort()).toEqual(
          Object.keys(graphqlResolvers).sort(),
        );
        for (const resolver of resolvers) {
          const domain = graphqlResolvers[`${resolver.TypeName}.${resolver.FieldName}`];
          expect(resolver.Kind).toBe('UNIT');
          expect(resolver.Runtime).toEqual({ Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' });
          expect(resolver.CodeS3Location).toBeDefined();
          expect(resolver.DataSourceName).toBe(`${domain}Lambda`);
        }
        const dataSources = Object.values(resourcesOf(dev.templates.api, 'AWS::AppSync::DataSource')).map(
          (ds) => ds.Properties as Record<string, any>,
        );
        for (const domain of new Set(Object.values(graphqlResolvers))) {
          const dataSource = dataSources.find((ds) => ds.Name === `${domain}Lambda`);
          expect(dataSource?.Type).toBe('AWS_LAMBDA');
          // Through the domain function's live alias (safe releases).
          const aliasLogicalId = dev.stage.api.getLogicalId(
            dev.stage.api.liveAliases.get(domain)!.alias.node.defaultChild as never,
          );
          expect(dataSource?.LambdaConfig.LambdaFunctionArn).toEqual({ Ref: aliasLogicalId });
        }
      });
    });

    describe('AppSync caches exactly cachedReads, and evicts with the code in appsyncCodeResolvers', () => {
      const resolvers = () =>
        Object.values(resourcesOf(dev.templates.api, 'AWS::AppSync::Resolver')).map(
          (resolver) => resolver.Properties as Record<string, any>,
        );

      it('has one API cache, PER_RESOLVER_CACHING, encrypted, sized by the stage', () => {
        dev.templates.api.resourceCountIs('AWS::AppSync::ApiCache', 1);
        dev.templates.api.hasResourceProperties('AWS::AppSync::ApiCache', {
          ApiCachingBehavior: 'PER_RESOLVER_CACHING',
          Type: dev.stage.config.appsyncCache,
          AtRestEncryptionEnabled: true,
          TransitEncryptionEnabled: true,
          ApiId: {
            'Fn::GetAtt': [dev.stage.api.getLogicalId(dev.stage.api.graphqlApi.node.defaultChild as never), 'ApiId'],
          },
        });
      });

      it('sets cachingConfig (TTL, argument keys in order) on the cached reads and on no other resolver', () => {
        const cacheId = dev.stage.api.getLogicalId(dev.stage.api.apiCache);
        const withCaching = resolvers().filter((r) => r.CachingConfig);
        expect(withCaching.map((r) => `${r.TypeName}.${r.FieldName}`).sort()).toEqual(Object.keys(cachedReads).sort());
        for (const resolver of withCaching) {
          const read = cachedReads[`${resolver.TypeName}.${resolver.FieldName}`]!;
          expect(resolver.CachingConfig).toEqual({
            Ttl: read.ttlSeconds,
            CachingKeys: read.keys.map((name) => `$context.arguments.${name}`),
          });
        }
        // Created after the cache (AppSync refuses cachingConfig on an API without one).
        for (const [, resource] of Object.entries(resourcesOf(dev.templates.api, 'AWS::AppSync::Resolver')))
          if ((resource.Properties as Record<string, any>).CachingConfig)
            expect((resource as Record<string, any>).DependsOn).toEqual(expect.arrayContaining([cacheId]));
      });

      it('caches only fields the API key reaches and every caller sees the same (keyed by arguments alone)', () => {
        const document = parse(loadSchemaSdl());
        for (const coordinate of Object.keys(cachedReads)) {
          const [typeName, fieldName] = coordinate.split('.');
          const field = document.definitions
            .filter((node): node is ObjectTypeDefinitionNode | ObjectTypeExtensionNode => 'fields' in node)
            .filter((node) => node.name.value === typeName)
            .flatMap((node) => node.fields ?? [])
            .find((f) => f.name.value === fieldName);
          expect(field, coordinate).toBeDefined();
          expect(
            field!.directives?.map((d) => d.name.value),
            coordinate,
          ).toContain('aws_api_key');
          for (const key of cachedReads[coordinate]!.keys)
            expect(
              field!.arguments?.map((a) => a.name.value),
              `${coordinate} key ${key}`,
            ).toContain(key);
        }
      });

      it('resolves each appsyncCodeResolvers field with its APPSYNC_JS file on a NONE data source', () => {
        const dataSources = Object.values(resourcesOf(dev.templates.api, 'AWS::AppSync::DataSource')).map(
          (ds) => ds.Properties as Record<string, any>,
        );
        expect(dataSources.find((ds) => ds.Name === 'CodeOnly')?.Type).toBe('NONE');
        for (const coordinate of Object.keys(appsyncCodeResolvers)) {
          const resolver = resolvers().find((r) => `${r.TypeName}.${r.FieldName}` === coordinate);
          expect(resolver, coordinate).toMatchObject({
            Kind: 'UNIT',
            Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
            DataSourceName: 'CodeOnly',
          });
          expect(resolver!.CachingConfig).toBeUndefined();
        }
      });
    });

    describe('API Gateway follows restRoutes', () => {
      it('has a resource and a {proxy+} child with ANY on the domain Lambda for every prefix', () => {
        const resources = resourcesOf(dev.templates.api, 'AWS::ApiGateway::Resource');
        const methods = Object.values(resourcesOf(dev.templates.api, 'AWS::ApiGateway::Method')).map(
          (m) => m.Properties as Record<string, any>,
        );
        for (const route of restRoutes) {
          const part = route.prefix.split('/').filter(Boolean).at(-1)!;
          const [resourceId] = Object.entries(resources).find(([, r]) => r.Properties?.PathPart === part)!;
          const [proxyId] = Object.entries(resources).find(
            ([, r]) =>
              r.Properties?.PathPart === '{proxy+}' && JSON.stringify(r.Properties?.ParentId).includes(resourceId),
          )!;
          const fnLogicalId = dev.stage.api.getLogicalId(
            dev.stage.api.liveAliases.get(route.domain)!.alias.node.defaultChild as never,
          );
          for (const id of [resourceId, proxyId]) {
            const method = methods.find((m) => m.ResourceId?.Ref === id && m.HttpMethod === 'ANY');
            expect(method, `${route.prefix} ANY`).toBeDefined();
            expect(method!.Integration.Type).toBe('AWS_PROXY');
            expect(JSON.stringify(method!.Integration.Uri)).toContain(fnLogicalId);
          }
        }
      });

      it('deploys a Lambda for every domain the API maps to, and a consumer for every eventConsumers entry', () => {
        const apiDomains = new Set([...Object.values(graphqlResolvers), ...restRoutes.map((route) => route.domain)]);
        expect([...dev.stage.api.functions.keys()].sort()).toEqual([...apiDomains].sort());
        expect(dev.stage.async.consumers.map((c) => c.name).sort()).toEqual(eventConsumers.map((c) => c.name).sort());
        expect(dev.stage.async.jobs.map((job) => job.functionName).sort()).toEqual(
          scheduledJobs.map((job) => job.name).sort(),
        );
        for (const consumer of eventConsumers) {
          expect(domains[consumer.domain], consumer.name).toBeDefined();
        }
      });
    });
  });
}
