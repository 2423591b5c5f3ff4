/**
 * `npm run bench:arrivals`: what the load generator's way of sending does to the latencies it reports,
 * with the system under test taken out. The server here is a queue model of bench:search on 2 cores:
 * two servers, each request holding one for SERVICE_MS (6 ms, the CPU one search costs: stack ~1.7–2.7 +
 * PostgreSQL ~4 ms), no CPU burnt (timers), so the machine's load barely moves it. At 150 req/s it is
 * ~45 % busy: a steady stream should see ~6 ms and a short queue now and then.
 *
 * Both generators of perf/bench/load.ts send 150 req/s over 32 connections:
 *  - autocannon's `overallRate`: each connection spends its per-second budget (150 / 32 ≈ 4.7)
 *    back to back at the start of its second, so every second begins with 150 requests at once;
 *  - `arrivals: 'poisson'`: open loop, independent arrivals, latency counted from when each was due.
 * Printed: p50/p95/p99 and how many requests arrived in each 100 ms window.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeBursts, describeResult, load } from './harness.ts';

const SERVICE_MS = Number(process.env.BENCH_SERVICE_MS ?? 6);
const SERVERS = 2;
const RATE = 150;
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);

let busy = 0;
const waiting: ServerResponse[] = [];
let arrivals: number[] = [];
const serve = (response: ServerResponse) => {
  busy++;
  setTimeout(() => {
    busy--;
    response.end('{}');
    const next = waiting.shift();
    if (next) serve(next);
  }, SERVICE_MS);
};
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    arrivals.push(Date.now());
    if (busy < SERVERS) serve(response);
    else waiting.push(response);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
console.log(
  `bench:arrivals — ${SERVERS} servers × ${SERVICE_MS} ms per request (a queue model, no CPU), ${RATE} req/s, 32 connections, ${DURATION} s per run\n`,
);
try {
  for (const arrivalsMode of ['autocannon', 'poisson', 'autocannon', 'poisson'] as const) {
    arrivals = [];
    const result = await load({
      url,
      connections: 32,
      durationSeconds: DURATION,
      method: 'POST',
      body: '{}',
      rate: RATE,
      ...(arrivalsMode === 'poisson' ? { arrivals: 'poisson' } : {}),
    });
    console.log(describeResult(`${arrivalsMode}`, result));
    console.log(`  ${describeBursts(arrivals, RATE)}`);
  }
} finally {
  server.close();
}
