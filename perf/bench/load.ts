/**
 * Load generator, run as its own process so it does not share the event loop (or a core's worth
 * of CPU accounting) with the server under test. Drives autocannon, records every response time
 * and prints one JSON line: req/s, exact p50/p95/p99 (ms), non-2xx count, errors.
 *
 * usage: tsx perf/bench/load.ts '<json options>'  (url, connections, durationSeconds, method,
 *        headers, body, rate?)
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** A JSON file holding an array of bodies sent in turn (a mix of distinct queries); overrides `body`. */
  bodiesFile?: string;
  /** Fixed request rate for the whole run (req/s); omitted = saturation. */
  rate?: number;
  warmupSeconds?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  total: number;
  non2xx: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

async function run(options: LoadOptions, record: boolean): Promise<LoadResult> {
  const latencies: number[] = [];
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: record ? options.durationSeconds : (options.warmupSeconds ?? 2),
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body ? { body: options.body } : {}),
    ...(options.bodiesFile
      ? { requests: [{ setupRequest: nextBody(JSON.parse(readFileSync(options.bodiesFile, 'utf8')) as string[]) }] }
      : {}),
    ...(options.rate ? { overallRate: options.rate } : {}),
  });
  // The returned object is both a promise of the summary and an event emitter (types show only the former).
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      if (record) latencies.push(responseTime);
    },
  );
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(result.requests.total / (result.duration || options.durationSeconds)),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function nextBody(bodies: string[]) {
  let index = 0;
  return (request: autocannon.Request): autocannon.Request => ({ ...request, body: bodies[index++ % bodies.length]! });
}

const round = (value: number) => Math.round(value * 100) / 100;

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
await run(options, false);
console.log(JSON.stringify(await run(options, true)));
