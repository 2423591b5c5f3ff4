/**
 * Turns a domain's `uses` (infra/definitions/domains.ts) into bindings. The API handler and the
 * event consumers of a domain go through this one function, so they always see the same config.
 */
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { BucketSpec } from '../../definitions/buckets.ts';
import type { SecretSpec } from '../../definitions/secrets.ts';
import { resourceUse, type DomainSpec } from '../../definitions/domains.ts';
import type { TableSpec } from '../../definitions/tables.ts';
import type { StageConfig } from '../stage-config.ts';
import {
  bucketBinding,
  databaseBinding,
  environmentBinding,
  eventBusBinding,
  mailBinding,
  moderationBinding,
  realtimeBinding,
  searchBinding,
  secretBinding,
  tableBinding,
  type DatabaseHandle,
  type RealtimeHandle,
  type SearchHandle,
} from './function-bindings.ts';
import type { RastupFunction } from './rastup-function.construct.ts';

export interface SharedResources {
  readonly database: DatabaseHandle;
  readonly tables: ReadonlyMap<string, { spec: TableSpec; table: ITable }>;
  readonly buckets: ReadonlyMap<string, { spec: BucketSpec; bucket: IBucket }>;
  readonly search: SearchHandle;
  /** Configuration secrets by id (infra/definitions/secrets.ts), encrypted with the data stack's key. */
  readonly secrets: ReadonlyMap<string, { spec: SecretSpec; secret: ISecret }>;
  /** Physical name of the stage's EventBridge bus (created by the async stack). */
  readonly eventBusName: string;
  /** Values every domain Lambda reads (public URLs, OIDC issuer and audience). */
  readonly platformEnvironment: Readonly<Record<string, string>>;
  /**
   * The AppSync API, for Lambdas that publish realtime events (`uses.publishes`). The api stack binds
   * its own functions once it created the API (bindRealtime); stacks after it pass it here.
   */
  readonly realtime?: RealtimeHandle;
}

export function bindDomainResources(
  fn: RastupFunction,
  domain: Pick<DomainSpec, 'uses'>,
  resources: SharedResources,
  config: StageConfig,
): void {
  const { uses } = domain;
  fn.bind(environmentBinding(resources.platformEnvironment));
  if (uses.database) fn.bind(databaseBinding(resources.database, uses.database));
  for (const use of uses.tables ?? []) {
    const { id, access } = resourceUse(use);
    if (access === 'writeOnce') throw new Error(`${fn.functionName}: table "${id}" cannot be bound write-once`);
    const entry = resources.tables.get(id);
    if (!entry)
      throw new Error(`${fn.functionName}: uses table "${id}", which infra/definitions/tables.ts does not define`);
    fn.bind(tableBinding(entry.spec, entry.table, access));
  }
  for (const use of uses.buckets ?? []) {
    const { id, access } = resourceUse(use);
    const entry = resources.buckets.get(id);
    if (!entry)
      throw new Error(`${fn.functionName}: uses bucket "${id}", which infra/definitions/buckets.ts does not define`);
    fn.bind(bucketBinding(entry.spec, entry.bucket, access));
  }
  if (uses.eventBus) fn.bind(eventBusBinding(resources.eventBusName));
  if (uses.notifications) fn.bind(mailBinding(config.mailFromAddress));
  if (uses.search) fn.bind(searchBinding(resources.search));
  if (uses.moderation) fn.bind(moderationBinding());
  for (const id of uses.secrets ?? []) {
    const entry = resources.secrets.get(id);
    if (!entry)
      throw new Error(`${fn.functionName}: uses secret "${id}", which infra/definitions/secrets.ts does not define`);
    fn.bind(secretBinding(entry.spec, entry.secret));
  }
  if (resources.realtime) bindRealtime(fn, domain, resources.realtime);
}

/** APPSYNC_GRAPHQL_URL + appsync:GraphQL on the domain's `uses.publishes` mutations (none: nothing). */
export function bindRealtime(fn: RastupFunction, domain: Pick<DomainSpec, 'uses'>, realtime: RealtimeHandle): void {
  if (domain.uses.publishes?.length) fn.bind(realtimeBinding(realtime, domain.uses.publishes));
}
