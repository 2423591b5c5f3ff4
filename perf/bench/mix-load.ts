/**
 * Load generator for `npm run perf:local`, run as its own process (like load.ts) so it does not share
 * an event loop with the stack under test. Sends a rotating list of requests (each with its own
 * method, path, headers and body: distinct pages, distinct users' tokens) through autocannon,
 * records every response time and prints one JSON line: req/s, exact p50/p95/p99 (ms), statuses,
 * and failures — transport errors, non-2xx answers and 200s carrying GraphQL `errors`.
 *
 * usage: tsx perf/bench/mix-load.ts <options.json>  (url, connections, durationSeconds,
 *        warmupSeconds?, rate?, startIndex?, requests: [{ method, path, headers, body? }])
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Rotation } from './rotation.ts';

export interface MixRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface MixOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds?: number;
  /** Fixed arrival rate for the whole run (req/s); omitted = saturation. */
  rate?: number;
  /** Where in `requests` to begin: the previous run's `nextIndex` (rotation.ts). */
  startIndex?: number;
  requests: MixRequest[];
}

export interface MixResult {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  total: number;
  failures: number;
  statuses: Record<string, number>;
  /** Requests of the unrecorded warm-up run. */
  warmupTotal?: number;
  /** Where the rotation stopped: the next run of this row starts there. */
  nextIndex?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const round = (value: number) => Math.round(value * 100) / 100;

async function run(
  options: MixOptions,
  rotation: Rotation<MixRequest>,
  durationSeconds: number,
  record: boolean,
): Promise<MixResult> {
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  let failures = 0;
  const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: durationSeconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [
      {
        setupRequest: (request) => {
          const chosen = rotation.next();
          return { ...request, ...chosen };
        },
        onResponse: (status, body) => {
          if (!record) return;
          const graphqlError = status === 200 && body.startsWith('{"') && body.includes('"errors":[');
          if (status < 200 || status >= 300 || graphqlError) failures++;
          count(graphqlError ? '200+errors' : String(status));
        },
      },
    ],
  });
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      if (record) latencies.push(responseTime);
    },
  );
  const result = await instance;
  if (record) {
    failures += result.errors + result.timeouts;
    if (result.errors + result.timeouts > 0) statuses.set('transport', result.errors + result.timeouts);
  }
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(result.requests.total / (result.duration || durationSeconds)),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    total: result.requests.total,
    failures,
    statuses: Object.fromEntries(statuses),
  };
}

const options = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as MixOptions;
// One rotation for the warm-up and the measured run: the measured run goes on past what the warm-up cached.
const rotation = new Rotation(options.requests, options.startIndex ?? 0);
const warmup = await run(options, rotation, options.warmupSeconds ?? 1, false);
const measured = await run(options, rotation, options.durationSeconds, true);
// The warm-up's request count too: a caller metering the whole process run divides by both.
console.log(JSON.stringify({ ...measured, warmupTotal: warmup.total, nextIndex: rotation.nextIndex }));
