/**
 * Load generator for `bench:auth`, in its own process: POST /auth/login at N connections,
 * rotating through many synthetic accounts (each request a different email), so the
 * per-identity buckets and lockout never trigger. Prints one JSON line like load.ts.
 *
 * usage: tsx perf/bench/auth-login-load.ts '<json: url, connections, durationSeconds, emails, password>'
 */
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  connections: number;
  durationSeconds: number;
  emails: string[];
  password: string;
  warmupSeconds?: number;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const round = (value: number) => Math.round(value * 100) / 100;

async function run(durationSeconds: number, record: boolean) {
  let next = 0;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: durationSeconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'rastup-bench' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ email: options.emails[next++ % options.emails.length], password: options.password }),
        }),
      },
    ],
  });
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      if (!record) return;
      latencies.push(responseTime);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    },
  );
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(result.requests.total / (result.duration || durationSeconds)),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses: Object.fromEntries(statuses),
  };
}

await run(options.warmupSeconds ?? 2, false);
console.log(JSON.stringify(await run(options.durationSeconds, true)));
