/**
 * Postgres access for every domain: a lazily created pool, transactions with retry on
 * serialization failures, and typed row validation. Repositories receive a `Queryable` so the
 * same method runs inside or outside a transaction.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type * as z from 'zod';
import { DependencyError, InternalError } from '../errors.ts';

// Postgres bigint/numeric come back as strings by default; int8 ids are not used, counts are.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<pg.QueryResult<R>>;
}

/**
 * Per-statement options (optional: a Queryable that ignores them runs the statement unnamed, as before).
 * `name`: a server-side prepared statement, parsed once per connection and then only bound and
 * executed (pg's named queries). The same name must always carry the same text: derive it from the
 * text (`statementName`).
 */
export interface QueryOptions {
  readonly name?: string;
}

const statementNames = new Map<string, string>();

/**
 * A prepared-statement name for `text`: `<prefix>_<hash of the text>`, remembered per text (bounded:
 * statement shapes are few; past the bound the name is recomputed, never wrong).
 */
export function statementName(prefix: string, text: string): string {
  let name = statementNames.get(text);
  if (name) return name;
  name = `${prefix}_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
  if (statementNames.size < 1_000) statementNames.set(text, name);
  return name;
}

export type Transaction = Queryable & { readonly inTransaction: true };

export interface Database extends Queryable {
  transaction<T>(
    fn: (tx: Transaction) => Promise<T>,
    options?: { isolation?: 'read committed' | 'repeatable read' | 'serializable'; retries?: number },
  ): Promise<T>;
  close(): Promise<void>;
  readonly pool: pg.Pool;
}

export interface DatabaseOptions {
  /** A postgres:// URL (local stack, tools); or `connection` for discrete settings. */
  readonly connectionString?: string;
  /**
   * Discrete settings (AWS: the proxy host, the domain's user, an IAM token per new connection as
   * the password, verified TLS). Not merged with `connectionString`: pg lets a URL win over them.
   */
  readonly connection?: Pick<pg.PoolConfig, 'host' | 'port' | 'database' | 'user' | 'password' | 'ssl'>;
  readonly max?: number;
  /** Server side: PostgreSQL cancels a statement running longer (default 10 s). */
  readonly statementTimeoutMs?: number;
  /**
   * Client side: a statement whose answer has not arrived by then fails and its connection is
   * destroyed (default: none, for tools whose bulk statements lift the statement timeout with SET
   * LOCAL). The statement timeout cannot catch a network that stalls (a black-holed route, a proxy
   * mid-failover): the server never sees the query, or its answer never arrives, and without this a
   * Lambda's request would hang until the Lambda times out; keep it a little above the statement timeout.
   */
  readonly queryTimeoutMs?: number;
  /** Opening one connection (default 5 s). */
  readonly connectionTimeoutMs?: number;
  /**
   * Getting a connection from the pool at all: waiting for a free one when all are busy, and opening
   * it (default 5 s, and never less than the connection timeout). A request that waited this long is
   * refused (503) rather than queued on: load shedding, never an unbounded queue.
   */
  readonly acquireTimeoutMs?: number;
  readonly applicationName?: string;
  readonly instrument?: QueryInstrument;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '08001', // sqlclient_unable_to_establish_sqlconnection
]);
/** pg and pg-pool report these without a code. */
const CONNECTION_FAILURE_MESSAGES = new Set([
  'Query read timeout', // query_timeout: no answer in time
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Connection terminated due to connection timeout',
  'timeout expired', // the client's own connection timeout
  'Client has encountered a connection error and is not queryable',
]);
/** pg-pool gave up waiting for a connection (connectionTimeoutMillis): busy or unreachable, retryable. */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';
const QUERY_CANCELED = '57014';

/** The connection itself failed (not the statement): it must not be reused, nor waited on again. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  return (code !== undefined && CONNECTION_FAILURES.has(code)) || CONNECTION_FAILURE_MESSAGES.has(error.message);
}

/**
 * Wraps each statement (tracing: an X-Ray subsegment per query in AWS). Injected by the adapter
 * that builds the pool, so core stays free of the tracer and the AWS SDK.
 */
export type QueryInstrument = <T>(text: string, run: () => Promise<T>) => Promise<T>;

const uninstrumented: QueryInstrument = (_text, run) => run();

export function createDatabase(options: DatabaseOptions): Database {
  if (!options.connectionString === !options.connection)
    throw new Error('createDatabase: pass exactly one of connectionString and connection');
  const instrument = options.instrument ?? uninstrumented;
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const connectMs = options.connectionTimeoutMs ?? 5_000;
  // pg-pool has one timeout for waiting and connecting; the client's own bounds the connecting alone.
  class Client extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectMs });
    }
  }
  const pool = new pg.Pool({
    ...(options.connectionString ? { connectionString: options.connectionString } : options.connection),
    Client: Client as unknown as new () => pg.ClientBase,
    max: options.max ?? 5,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: Math.max(options.acquireTimeoutMs ?? 5_000, connectMs),
    statement_timeout: statementTimeoutMs,
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    // Lets the OS notice a peer that vanished without a FIN/RST (a failed-over host) on idle connections.
    keepAlive: true,
    application_name: options.applicationName ?? 'rastup',
  });
  // An idle client erroring (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // A client released after a connection failure is ended by the pool, which waits for the server to
  // answer the goodbye; on a stalled network it never does, and the pool's end() (shutdown) would
  // wait forever. Its socket is of no further use: close it now. (`connection.stream` is pg's socket.)
  pool.on('release', (error: Error | undefined, client: pg.PoolClient) => {
    if (error && isConnectionFailure(error))
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  });

  const query: Queryable['query'] = async (text, values, queryOptions) => {
    try {
      return await instrument(text, () =>
        queryOptions?.name
          ? pool.query({ name: queryOptions.name, text, values: values as unknown[] })
          : pool.query(text, values as unknown[]),
      );
    } catch (error) {
      throw translateDriverError(error);
    }
  };

  return {
    pool,
    query,
    async transaction(fn, txOptions = {}) {
      const attempts = (txOptions.retries ?? 2) + 1;
      for (let attempt = 1; ; attempt++) {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (error) {
          throw translateDriverError(error);
        }
        // A checked-out client has no error listener (the pool removes its own): a server that ends
        // the connection between two queries of this transaction (shutdown, failover) would emit an
        // unhandled 'error' and crash the process. Record it instead; the next query fails and the
        // broken client is discarded on release.
        let broken: Error | undefined;
        const onError = (error: Error) => (broken ??= error);
        client.on('error', onError);
        try {
          await client.query(`BEGIN ISOLATION LEVEL ${(txOptions.isolation ?? 'read committed').toUpperCase()}`);
          const tx: Transaction = {
            inTransaction: true,
            query: (text, values, queryOptions) =>
              instrument(text, () =>
                queryOptions?.name
                  ? client.query({ name: queryOptions.name, text, values: values as unknown[] })
                  : client.query(text, values as unknown[]),
              ),
          };
          const result = await fn(tx);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          // A broken connection cannot roll back (and on a stalled one ROLLBACK would wait out another
          // query timeout): discarding it is the rollback, as the server aborts the transaction.
          if (isConnectionFailure(error)) broken ??= error as Error;
          else await client.query('ROLLBACK').catch(() => undefined);
          const code = (error as { code?: string }).code;
          if (code && RETRYABLE.has(code) && attempt < attempts) continue;
          throw translateDriverError(error);
        } finally {
          client.removeListener('error', onError);
          client.release(broken);
        }
      }
    },
    close: () => pool.end(),
  };
}

/** Driver errors carry SQL and values: they never cross the edge as they are. */
function translateDriverError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if ('errorType' in error) return error; // already an AppError
  if (isConnectionFailure(error)) return new DependencyError('Database unavailable', undefined, { cause: error });
  // pg.Pool gave up waiting for a connection (connectionTimeoutMillis): busy or unreachable, not a bug.
  if (error.message === POOL_WAIT_TIMEOUT)
    return new DependencyError('Database busy, try again', undefined, { cause: error });
  // statement_timeout cancelled it: the database is too slow right now, which a retry may not be.
  if ((error as { code?: string }).code === QUERY_CANCELED)
    return new DependencyError('Database too slow, try again', undefined, { cause: error });
  return error;
}

/** Validates rows as they leave the database, so a schema drift fails loudly, not silently. */
export function parseRows<S extends z.ZodType>(schema: S, rows: readonly unknown[]): z.infer<S>[] {
  return rows.map((row) => {
    const result = schema.safeParse(row);
    if (!result.success) throw new InternalError('Unexpected row shape', undefined, { cause: result.error });
    return result.data;
  });
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
