/**
 * Builds a Lambda's Postgres pool, logged in as its domain's role (lambdas/core/db/database-roles.ts,
 * created and granted by db/migrations), never as the master user:
 *  - AWS (`DB_PROXY_ENDPOINT`): RDS Proxy with IAM authentication. The user is `DB_USER`, which the
 *    CDK sets from infra/definitions next to the function's only `rds-db:connect` permission; every
 *    new connection gets a fresh IAM token (@aws-sdk/rds-signer, valid 15 minutes) as its password;
 *    TLS is verified (the proxy presents an ACM certificate, trusted by Node's default CAs). No
 *    secret is read, so rotating the master secret cannot break a warm container.
 *  - Locally (`DATABASE_URL`): the URL names the server and database; the pool logs in as the role
 *    on loopback without a password (the local cluster trusts loopback), so the role's grants are
 *    exactly what the integration tests exercise.
 */
import { ConfigError, databaseEnvSchema, parseConfig } from '../core/config.ts';
import { createDatabase, type Database, type DatabaseOptions } from '../core/db/database.ts';
import { databaseUser, type DatabaseRole } from '../core/db/database-roles.ts';
import { tracedQuery } from './tracing.ts';

type Env = Readonly<Record<string, string | undefined>>;

export type DatabaseConnection =
  | { readonly kind: 'url'; readonly user: string; readonly connectionString: string; readonly max: number }
  | {
      readonly kind: 'iam';
      readonly user: string;
      readonly host: string;
      readonly port: number;
      readonly database: string;
      readonly region: string;
      readonly max: number;
    };

/** Where and as whom `role`'s code connects, from the environment (pure: no I/O, no token yet). */
export function databaseConnection(role: DatabaseRole, env: Env = process.env): DatabaseConnection {
  const config = parseConfig(databaseEnvSchema, env);
  const user = databaseUser(role);
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    url.username = user;
    url.password = '';
    return { kind: 'url', user, connectionString: url.toString(), max: config.DB_POOL_MAX };
  }
  const problems: string[] = [];
  if (!config.DB_PROXY_ENDPOINT) problems.push('DATABASE_URL or DB_PROXY_ENDPOINT: required');
  if (!config.DB_USER) problems.push('DB_USER: required with DB_PROXY_ENDPOINT');
  else if (config.DB_USER !== user)
    // The function may log in as DB_USER only (its IAM policy names that user): code of another
    // domain's role in this bundle would fail at the proxy; say so at cold start instead.
    problems.push(`DB_USER: this function may connect as ${config.DB_USER}, but its ${role} code needs ${user}`);
  if (!config.AWS_REGION) problems.push('AWS_REGION: required with DB_PROXY_ENDPOINT (set by the Lambda runtime)');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    kind: 'iam',
    user,
    host: config.DB_PROXY_ENDPOINT!,
    port: config.DB_PORT,
    database: config.DB_NAME,
    region: config.AWS_REGION!,
    max: config.DB_POOL_MAX,
  };
}

/**
 * Timeouts of every Lambda's pool. An API request owes its caller a typed answer within 5 s (issue 17:
 * SERVICE_UNAVAILABLE / 503, never a hang), whatever the network to the database does: opening a
 * connection gives up after 2 s (getting one at all, queueing for a free one included, after 5 s: in
 * AWS a container serves one request at a time, so only the local stack, which runs every request of
 * a domain in one process, ever queues), a statement is cancelled by the server after 3 s, and an
 * answer that never arrives (a stalled network the server cannot see) fails the statement on the
 * client 0.5 s later and discards its connection. tests/integration/fault-tcp-proxy.int.test.ts
 * holds the stack to it.
 */
export const LAMBDA_DATABASE_TIMEOUTS = {
  connectionTimeoutMs: 2_000,
  acquireTimeoutMs: 5_000,
  statementTimeoutMs: 3_000,
  queryTimeoutMs: 3_500,
} as const;

/** Pool settings for a connection; in AWS, with the IAM token signer as the password. */
export async function databasePoolOptions(connection: DatabaseConnection): Promise<DatabaseOptions> {
  if (connection.kind === 'url')
    return {
      connectionString: connection.connectionString,
      max: connection.max,
      applicationName: connection.user,
      ...LAMBDA_DATABASE_TIMEOUTS,
    };
  // Loaded only in AWS: the local stack never signs tokens.
  const { Signer } = await import('@aws-sdk/rds-signer');
  const signer = new Signer({
    hostname: connection.host,
    port: connection.port,
    username: connection.user,
    region: connection.region,
  });
  return {
    connection: {
      host: connection.host,
      port: connection.port,
      database: connection.database,
      user: connection.user,
      // Called by pg for each new connection: a token is valid for 15 minutes, a connection for its life.
      password: () => signer.getAuthToken(),
      ssl: { rejectUnauthorized: true, servername: connection.host },
    },
    max: connection.max,
    applicationName: connection.user,
    ...LAMBDA_DATABASE_TIMEOUTS,
  };
}

const pools = new Map<string, Promise<Database>>();

/**
 * One pool per role per Lambda container, created on first use. A Lambda uses one role; the local
 * stack runs every domain in one process, so it holds one pool per role.
 */
export function databaseFromEnv(role: DatabaseRole, purpose?: string): Promise<Database> {
  // `purpose`: a second pool of the same role (booking's payments adapter), so work that waits on
  // it while holding a connection of the first never waits for its own pool.
  const key = purpose ? `${role}:${purpose}` : role;
  let pending = pools.get(key);
  if (!pending) {
    pending = (async () =>
      createDatabase({ ...(await databasePoolOptions(databaseConnection(role))), instrument: tracedQuery }))();
    pools.set(key, pending);
    pending.catch(() => pools.delete(key));
  }
  return pending;
}

/** Closes every pool opened here (the local stack's shutdown). */
export async function closeDatabasesFromEnv(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.allSettled(open.map(async (pending) => (await pending).close()));
}
