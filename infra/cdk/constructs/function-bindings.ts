/**
 * Bindings: each sets the environment variable(s) a Lambda's config schema reads
 * (lambdas/core/config.ts) and grants exactly the access that variable implies. Names of the
 * variables come from infra/definitions, so the code reading them and the CDK setting them agree.
 */
import { Arn, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { acknowledgeNag } from './cdk-nag.ts';
import type { BucketSpec } from '../../definitions/buckets.ts';
import type { TableSpec } from '../../definitions/tables.ts';
import type { FunctionBinding, RastupFunction } from './rastup-function.construct.ts';

export type DataAccess = 'read' | 'readWrite';

export function tableBinding(spec: TableSpec, table: ITable, access: DataAccess = 'readWrite'): FunctionBinding {
  return {
    bindTo(fn) {
      fn.addEnvironment(spec.envVar, table.tableName);
      if (access === 'read') table.grantReadData(fn.fn);
      else table.grantReadWriteData(fn.fn);
      if (spec.globalIndexes.length > 0) {
        suppressWildcard(fn, `Resource::<${logicalIdOf(table)}.Arn>/index/*`, `Queries on ${spec.id}'s own GSIs (${spec.globalIndexes.map((i) => i.indexName).join(', ')}); the index ARNs are only addressable as <table>/index/*.`);
      }
    },
  };
}

export function bucketBinding(spec: BucketSpec, bucket: IBucket, access: DataAccess = 'readWrite'): FunctionBinding {
  return {
    bindTo(fn) {
      fn.addEnvironment(spec.envVar, bucket.bucketName);
      if (access === 'read') bucket.grantRead(fn.fn);
      else bucket.grantReadWrite(fn.fn);
      const id = logicalIdOf(bucket);
      acknowledgeNag(
        fn.fn,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason: `Object-level access to the ${spec.id} bucket (keys are generated per upload, so the grant is <bucket>/*); the action wildcards are CDK's grant set (GetObject*, List*, DeleteObject*, Abort*) limited to this one bucket.`,
            appliesTo: [
              `Resource::<${id}.Arn>/*`,
              'Action::s3:GetObject*',
              'Action::s3:GetBucket*',
              'Action::s3:List*',
              'Action::s3:DeleteObject*',
              'Action::s3:Abort*',
            ],
          },
        ],
      );
    },
  };
}

export interface DatabaseHandle {
  readonly proxyEndpoint: string;
  readonly secret: ISecret;
  readonly databaseName: string;
}

/** RDS Proxy endpoint + the Secrets Manager secret the proxy authenticates with (read-only access). */
export function databaseBinding(db: DatabaseHandle): FunctionBinding {
  return {
    bindTo(fn) {
      fn.addEnvironment('DB_PROXY_ENDPOINT', db.proxyEndpoint);
      fn.addEnvironment('DB_SECRET_ARN', db.secret.secretArn);
      fn.addEnvironment('DB_NAME', db.databaseName);
      db.secret.grantRead(fn.fn);
    },
  };
}

export function eventBusBinding(bus: IEventBus): FunctionBinding {
  return {
    bindTo(fn) {
      fn.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
      bus.grantPutEventsTo(fn.fn);
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
      fn.addEnvironment('TYPESENSE_NODES', search.nodes);
      fn.addEnvironment('TYPESENSE_API_KEY_SECRET_ARN', search.apiKeySecret.secretArn);
      search.apiKeySecret.grantRead(fn.fn);
    },
  };
}

/** Transactional mail through SES, allowed only from the stage's verified sender domain. */
export function mailBinding(fromAddress: string): FunctionBinding {
  return {
    bindTo(fn) {
      const domain = fromAddress.slice(fromAddress.indexOf('@') + 1);
      fn.addEnvironment('MAIL_FROM', fromAddress);
      fn.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [Arn.format({ service: 'ses', resource: 'identity', resourceName: domain }, Stack.of(fn))],
        }),
      );
    },
  };
}

export function environmentBinding(values: Record<string, string>): FunctionBinding {
  return {
    bindTo(fn) {
      for (const [key, value] of Object.entries(values)) fn.addEnvironment(key, value);
    },
  };
}

function suppressWildcard(fn: RastupFunction, appliesTo: string, reason: string): void {
  acknowledgeNag(fn.fn, [{ id: 'AwsSolutions-IAM5', reason, appliesTo: [appliesTo] }]);
}

/** cdk-nag names cross-stack resources by the logical id the reference resolves to. */
function logicalIdOf(resource: ITable | IBucket): string {
  const stack = Stack.of(resource);
  const child = resource.node.defaultChild;
  return child ? stack.getLogicalId(child as never) : resource.node.id;
}
