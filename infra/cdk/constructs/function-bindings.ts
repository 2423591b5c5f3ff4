/**
 * Bindings: each sets the environment variable(s) a Lambda's config schema reads
 * (lambdas/core/config.ts) and grants exactly the access that variable implies. Names of the
 * variables come from infra/definitions, so the code reading them and the CDK setting them agree.
 */
import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import type { IGraphqlApi } from 'aws-cdk-lib/aws-appsync';
import { Table, type CfnTable, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Bucket, type CfnBucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { acknowledgeNag, flattenCfnReference } from './cdk-nag.ts';
import type { IConstruct } from 'constructs';
import { databaseUser, type DatabaseRole } from '../../../lambdas/core/db/database-roles.ts';
import type { BucketSpec } from '../../definitions/buckets.ts';
import type { SecretSpec } from '../../definitions/secrets.ts';
import type { TableSpec } from '../../definitions/tables.ts';
import type { FunctionBinding, RastupFunction } from './rastup-function.construct.ts';

/** 'writeOnce' (buckets only): put, get and list, never delete — for write-once (Object Lock) buckets. */
export type DataAccess = 'read' | 'readWrite' | 'writeOnce';

/*
 * Tables and buckets are bound by their physical names (fixed per stage in infra/definitions),
 * imported into the function's own stack. The grants then carry no cross-stack reference, so the
 * data stack never gets an export that a consumer pins (the "deadly embrace"), and the wildcard
 * ARNs are known when the acknowledgement is written. Deploy order is declared in rastup-stage.ts.
 */
export function tableBinding(spec: TableSpec, table: ITable, access: DataAccess = 'readWrite'): FunctionBinding {
  return {
    bindTo(fn) {
      const tableName = physicalName((table.node.defaultChild as CfnTable | undefined)?.tableName, table);
      const local = Table.fromTableAttributes(fn, `Table-${spec.id}`, {
        tableName,
        globalIndexes: spec.globalIndexes.map((index) => index.indexName),
      });
      fn.addEnvironment(spec.envVar, tableName);
      if (access === 'read') local.grantReadData(fn.fn);
      else local.grantReadWriteData(fn.fn);
      if (spec.globalIndexes.length > 0) {
        acknowledgeNag(fn.fn, [
          {
            id: 'AwsSolutions-IAM5',
            reason: `Queries on ${spec.id}'s own GSIs (${spec.globalIndexes.map((i) => i.indexName).join(', ')}); index ARNs are only addressable as <table>/index/*.`,
            appliesTo: [nagResource(fn, `${local.tableArn}/index/*`)],
          },
        ]);
      }
    },
  };
}

export function bucketBinding(spec: BucketSpec, bucket: IBucket, access: DataAccess = 'readWrite'): FunctionBinding {
  return {
    bindTo(fn) {
      const bucketName = physicalName((bucket.node.defaultChild as CfnBucket | undefined)?.bucketName, bucket);
      const local = Bucket.fromBucketName(fn, `Bucket-${spec.id}`, bucketName);
      fn.addEnvironment(spec.envVar, bucketName);
      if (access === 'writeOnce') {
        if (!spec.objectLock) throw new Error(`${fn.functionName}: bucket "${spec.id}" is not write-once`);
        fn.fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion'],
            resources: [local.arnForObjects('*')],
          }),
        );
        fn.fn.addToRolePolicy(
          new PolicyStatement({ actions: ['s3:ListBucket', 's3:ListBucketVersions'], resources: [local.bucketArn] }),
        );
        acknowledgeNag(fn.fn, [
          {
            id: 'AwsSolutions-IAM5',
            reason: `Put/get of anchors in the write-once ${spec.id} bucket: one key per anchored head, so the grant is <bucket>/*; no delete.`,
            appliesTo: [nagResource(fn, local.arnForObjects('*'))],
          },
        ]);
        return;
      }
      if (access === 'read') local.grantRead(fn.fn);
      else local.grantReadWrite(fn.fn);
      acknowledgeNag(fn.fn, [
        {
          id: 'AwsSolutions-IAM5',
          reason: `Object-level access to the ${spec.id} bucket: keys are generated per upload, so the grant is <bucket>/*; the action wildcards are CDK's grant set (GetObject*, List*, DeleteObject*, Abort*) on this one bucket.`,
          appliesTo: [
            nagResource(fn, local.arnForObjects('*')),
            'Action::s3:GetObject*',
            'Action::s3:GetBucket*',
            'Action::s3:List*',
            ...(access === 'read' ? [] : ['Action::s3:DeleteObject*', 'Action::s3:Abort*']),
          ],
        },
      ]);
    },
  };
}

export interface DatabaseHandle {
  readonly proxyEndpoint: string;
  /** `arn:…:db-proxy:prx-…`: its resource id scopes `rds-db:connect` to this proxy. */
  readonly proxyArn: string;
  readonly databaseName: string;
}

/**
 * RDS Proxy with IAM authentication, as one database role (lambdas/core/db/database-roles.ts):
 * `DB_USER` plus `rds-db:connect` on exactly `dbuser:<proxy id>/<that user>`. No secret is bound —
 * the proxy reaches Aurora with IAM too — so a function can neither read the master secret nor
 * log in as another domain's role.
 */
export function databaseBinding(db: DatabaseHandle, role: DatabaseRole): FunctionBinding {
  return {
    bindTo(fn) {
      const user = databaseUser(role);
      fn.addEnvironment('DB_PROXY_ENDPOINT', db.proxyEndpoint);
      fn.addEnvironment('DB_USER', user);
      fn.addEnvironment('DB_NAME', db.databaseName);
      fn.fn.addToRolePolicy(
        new PolicyStatement({ actions: ['rds-db:connect'], resources: [proxyDbUserArn(fn, db.proxyArn, user)] }),
      );
    },
  };
}

/** `arn:<partition>:rds-db:<region>:<account>:dbuser:prx-<id>/<user>`, the IAM resource of a proxy login. */
export function proxyDbUserArn(scope: IConstruct, proxyArn: string, user: string): string {
  const stack = Stack.of(scope);
  const proxyId = stack.splitArn(proxyArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
  return stack.formatArn({
    service: 'rds-db',
    resource: 'dbuser',
    resourceName: `${proxyId}/${user}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The bus is bound by its physical name (fixed per stage), like tables and buckets. */
export function eventBusBinding(busName: string): FunctionBinding {
  return {
    bindTo(fn) {
      fn.addEnvironment('EVENT_BUS_NAME', busName);
      EventBus.fromEventBusName(fn, 'EventBus', busName).grantPutEventsTo(fn.fn);
    },
  };
}

/** Image moderation: Rekognition DetectModerationLabels on image bytes. */
export function moderationBinding(): FunctionBinding {
  return {
    bindTo(fn) {
      fn.addEnvironment('MODERATION_ADAPTER', 'rekognition');
      fn.fn.addToRolePolicy(new PolicyStatement({ actions: ['rekognition:DetectModerationLabels'], resources: ['*'] }));
      acknowledgeNag(fn.fn, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'rekognition:DetectModerationLabels on image bytes has no resource to scope to (resource-level permissions exist only for custom adapters).',
          appliesTo: ['Resource::*'],
        },
      ]);
    },
  };
}

export interface SearchHandle {
  /** `host:port` of each Typesense node, comma-separated (Cloud Map names inside the VPC). */
  readonly nodes: string;
  readonly apiKeySecret: ISecret;
}

export function searchBinding(search: SearchHandle): FunctionBinding {
  return {
    bindTo(fn) {
      fn.readsSearch = true;
      fn.addEnvironment('TYPESENSE_NODES', search.nodes);
      fn.addEnvironment('TYPESENSE_API_KEY_SECRET_ARN', search.apiKeySecret.secretArn);
      search.apiKeySecret.grantRead(fn.fn);
    },
  };
}

/**
 * A configuration secret (infra/definitions/secrets.ts): `<VARIABLE>_SECRET_ARN` for each variable
 * it carries, which lambdas/adapters/secret-env.ts resolves at cold start. The grant is
 * GetSecretValue on this one secret, and kms:Decrypt on its customer key only when Secrets Manager
 * asks on the function's behalf for this secret (ViaService + the SecretARN encryption context).
 * Both go into the function's role policy: the key policy already trusts the account's IAM, so
 * the data stack's key never has to name a role of another stack.
 */
export function secretBinding(spec: SecretSpec, secret: ISecret): FunctionBinding {
  return {
    bindTo(fn) {
      for (const variable of spec.variables) fn.addEnvironment(`${variable}_SECRET_ARN`, secret.secretArn);
      fn.fn.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
      );
      if (secret.encryptionKey) {
        fn.fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [secret.encryptionKey.keyArn],
            conditions: {
              StringEquals: {
                'kms:ViaService': `secretsmanager.${Stack.of(fn).region}.amazonaws.com`,
                'kms:EncryptionContext:SecretARN': secret.secretArn,
              },
            },
          }),
        );
      }
    },
  };
}

/** Transactional mail through SES, allowed only from the stage's verified sender domain. */
export function mailBinding(fromAddress: string): FunctionBinding {
  return {
    bindTo(fn) {
      const domain = fromAddress.slice(fromAddress.indexOf('@') + 1);
      fn.addEnvironment('NOTIFICATIONS_FROM_EMAIL', fromAddress);
      // AWS stages send through SES; the notifier refuses to start without an adapter for the mode.
      fn.addEnvironment('NOTIFICATIONS_MODE', 'ses');
      fn.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [Arn.format({ service: 'ses', resource: 'identity', resourceName: domain }, Stack.of(fn))],
        }),
      );
    },
  };
}

/**
 * Publishing realtime events (AppSync AWS_IAM mutations): the API's URL in APPSYNC_GRAPHQL_URL and
 * appsync:GraphQL on exactly the named Mutation fields, nothing else of the API.
 */
export function realtimeBinding(realtime: RealtimeHandle, mutationFields: readonly string[]): FunctionBinding {
  return {
    bindTo(fn) {
      fn.addEnvironment('APPSYNC_GRAPHQL_URL', realtime.graphqlUrl);
      realtime.api.grantMutation(fn.fn, ...mutationFields);
    },
  };
}

/** The AppSync API Lambdas publish to (created by the api stack). */
export interface RealtimeHandle {
  readonly api: IGraphqlApi;
  readonly graphqlUrl: string;
}

export function environmentBinding(values: Record<string, string>): FunctionBinding {
  return {
    bindTo(fn) {
      for (const [key, value] of Object.entries(values)) fn.addEnvironment(key, value);
    },
  };
}

/** The finding id cdk-nag gives a wildcard resource, computed with cdk-nag's own flattening. */
function nagResource(scope: RastupFunction, arn: string): string {
  return `Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}`;
}

function physicalName(name: string | undefined, resource: IConstruct): string {
  if (!name) throw new Error(`${resource.node.path} needs an explicit physical name to be bound across stacks`);
  return name;
}
