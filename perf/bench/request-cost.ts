/**
 * Per-request cost of a load run against the in-process local stack: DynamoDB calls and PostgreSQL
 * transactions per request, and CPU milliseconds per request of the stack's Node process (gateway
 * and Lambda handlers), DynamoDB Local's JVM and the PostgreSQL server (postmaster and backends).
 * Counts do not depend on machine load; the CPU split says which process a request's time is spent
 * in, which the latency figures of a loaded machine cannot.
 */
import { readFileSync } from 'node:fs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../infra/local/stack.ts';

const TICKS_PER_SECOND = 100;

/** utime + stime (+ reaped children's when `children`) of a process, in ms; 0 when it is gone. */
function processCpuMs(pid: number, children = false): number {
  try {
    // Fields after the parenthesised command name: state is index 0, utime 11, stime 12, cutime 13, cstime 14.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    const reaped = children ? Number(fields[13]) + Number(fields[14]) : 0;
    return ((own + reaped) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The postmaster with its reaped children plus every live backend and auxiliary process. */
function postgresCpuMs(postmaster: number): number {
  return processCpuMs(postmaster, true) + childPids(postmaster).reduce((sum, pid) => sum + processCpuMs(pid), 0);
}

export interface RequestCost {
  readonly dynamoCallsPerRequest: number;
  readonly postgresTransactionsPerRequest: number;
  readonly stackCpuMsPerRequest: number;
  readonly dynamoCpuMsPerRequest: number;
  readonly postgresCpuMsPerRequest: number;
}

export class RequestCostMeter {
  private dynamoCalls = 0;

  constructor(
    private readonly stack: LocalStack,
    /** The document client the Lambda handlers of the stack share (documentClientFromEnv). */
    client: DynamoDBDocumentClient,
  ) {
    client.middlewareStack.add(
      (next) => async (args) => {
        this.dynamoCalls += 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCostCounter' },
    );
  }

  private async postgresTransactions(): Promise<number> {
    const { rows } = await this.stack.db.query<{ n: string }>(
      'SELECT sum(xact_commit + xact_rollback)::text AS n FROM pg_stat_database',
    );
    return Number(rows[0]!.n);
  }

  /** Runs `fn` (a load run answering how many requests it completed) and measures around it. */
  async measure<T>(fn: () => Promise<T>, requests: (result: T) => number): Promise<{ result: T; cost: RequestCost }> {
    const { postgres, dynamodb } = this.stack.processIds;
    // pg_stat_database is updated by backends at transaction end, in batches: let earlier ones land.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = {
      calls: this.dynamoCalls,
      xacts: await this.postgresTransactions(),
      stack: process.cpuUsage(),
      jvm: processCpuMs(dynamodb),
      pg: postgresCpuMs(postgres),
    };
    const result = await fn();
    const stackCpu = process.cpuUsage(before.stack);
    const jvm = processCpuMs(dynamodb) - before.jvm;
    const pg = postgresCpuMs(postgres) - before.pg;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Less the two statistics reads of this meter.
    const xacts = (await this.postgresTransactions()) - before.xacts - 2;
    const n = Math.max(1, requests(result));
    return {
      result,
      cost: {
        dynamoCallsPerRequest: (this.dynamoCalls - before.calls) / n,
        postgresTransactionsPerRequest: Math.max(0, xacts) / n,
        stackCpuMsPerRequest: (stackCpu.user + stackCpu.system) / 1000 / n,
        dynamoCpuMsPerRequest: jvm / n,
        postgresCpuMsPerRequest: pg / n,
      },
    };
  }
}

export function describeCost(label: string, cost: RequestCost): string {
  return `${label.padEnd(34)} per request: DynamoDB calls ${cost.dynamoCallsPerRequest.toFixed(2)}   PostgreSQL xacts ${cost.postgresTransactionsPerRequest.toFixed(2)}   CPU ms: stack ${cost.stackCpuMsPerRequest.toFixed(2)}  DynamoDB Local ${cost.dynamoCpuMsPerRequest.toFixed(2)}  PostgreSQL ${cost.postgresCpuMsPerRequest.toFixed(2)}`;
}
