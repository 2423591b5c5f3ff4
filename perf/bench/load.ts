/**
 * Load generator, run as its own process so it does not share the event loop (or a core's worth
 * of CPU accounting) with the server under test. Records every response time and prints one JSON
 * line: req/s, exact p50/p95/p99 (ms), non-2xx count, errors.
 *
 * Two ways to send:
 *  - autocannon (saturation, or `rate` alone): closed loop per connection. Its `overallRate` is a
 *    per-connection budget per second (rate / connections) that every connection spends back to back
 *    at the start of its second, so "150 req/s over 32 connections" arrives as one burst of 150
 *    requests at concurrency 32 each second, then nothing: the latencies measure how long the burst
 *    takes to drain, not a steady 150 req/s.
 *  - `arrivals: 'poisson'` (with `rate`): open loop. Request i is due at a seeded Poisson arrival time
 *    (independent visitors), sent on the first free connection of at most `connections` keep-alive
 *    connections, and its latency counts from when it was due, so time spent waiting for a connection
 *    (the client's queue) is charged to the system, not hidden (no coordinated omission).
 *
 * usage: tsx perf/bench/load.ts '<json options>'  (url, connections, durationSeconds, method,
 *        headers, body, bodiesFile, rate?, arrivals?)
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import autocannon from 'autocannon';
import { poissonArrivals } from './arrivals.ts';

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
  /** With `rate`: 'poisson' sends open loop (see the header); absent = autocannon's per-second budgets. */
  arrivals?: 'poisson';
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

/** Open loop at `rate` req/s with Poisson arrivals (seeded), over at most `connections` keep-alive sockets. */
async function runOpenLoop(options: LoadOptions, record: boolean, seed: number): Promise<LoadResult> {
  const rate = options.rate!;
  const seconds = record ? options.durationSeconds : (options.warmupSeconds ?? 2);
  const bodies = options.bodiesFile
    ? (JSON.parse(readFileSync(options.bodiesFile, 'utf8')) as string[])
    : [options.body ?? ''];
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const url = new URL(options.url);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const pending = new Set<Promise<void>>();
  const send = (body: string, dueAt: number) => {
    const done = new Promise<void>((resolve) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: options.method ?? 'GET',
          agent,
          headers: { ...options.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - dueAt);
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const started = performance.now();
  for (const offset of poissonArrivals(rate, seconds, seed)) {
    const dueAt = started + offset;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    send(bodies[sent++ % bodies.length]!, dueAt);
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(sent / seconds),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    total: sent,
    non2xx,
    errors,
  };
}

function nextBody(bodies: string[]) {
  let index = 0;
  return (request: autocannon.Request): autocannon.Request => ({ ...request, body: bodies[index++ % bodies.length]! });
}

const round = (value: number) => Math.round(value * 100) / 100;

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
if (options.arrivals === 'poisson' && options.rate) {
  await runOpenLoop(options, false, 7);
  console.log(JSON.stringify(await runOpenLoop(options, true, 42)));
} else {
  await run(options, false);
  console.log(JSON.stringify(await run(options, true)));
}
