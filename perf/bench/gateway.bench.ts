/**
 * `npm run bench:gateway`: `{ cities { code name } }` through the local AppSync gateway (API key
 * auth, parse/validate cache, per-field auth, dispatch to the platform Lambda handler, Postgres
 * behind a 5 s container cache), against a bare Node HTTP handler returning the same bytes, at 32
 * connections; plus the gateway at a fixed 200 req/s. The load generator runs in its own process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { describeResult, load, profiled, rootDir, withBenchStack } from './harness.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const QUERY = JSON.stringify({ query: '{ cities { code name } }' });

async function startBareServer(body: string): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(`${rootDir}/perf/bench/bare-server.ts`, [body], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) => child.once('message', (message) => resolve(Number(message))));
  return { url: `http://127.0.0.1:${port}/graphql`, child };
}

await withBenchStack(async (stack) => {
  const { graphqlUrl, apiKey } = stack.endpoints;
  const headers = { 'content-type': 'application/json', 'x-api-key': apiKey };
  const sample = await fetch(graphqlUrl, { method: 'POST', headers, body: QUERY });
  const sampleBody = await sample.text();
  if (sample.status !== 200 || sampleBody.includes('"errors"'))
    throw new Error(`gateway answered ${sample.status}: ${sampleBody}`);

  const bare = await startBareServer(sampleBody);
  try {
    console.log(
      `bench:gateway — ${DURATION} s per run, 32 connections, load generator in a separate process, ${process.arch} x ${(await import('node:os')).cpus().length} cores\n`,
    );
    const gatewaySaturated = await profiled('gateway-cities', () =>
      load({ url: graphqlUrl, connections: 32, durationSeconds: DURATION, method: 'POST', headers, body: QUERY }),
    );
    console.log(describeResult('gateway, saturation', gatewaySaturated));
    const bareSaturated = await load({
      url: bare.url,
      connections: 32,
      durationSeconds: DURATION,
      method: 'POST',
      headers,
      body: QUERY,
    });
    console.log(describeResult('bare node:http, saturation', bareSaturated));
    const gatewayPaced = await load({
      url: graphqlUrl,
      connections: 32,
      durationSeconds: DURATION,
      method: 'POST',
      headers,
      body: QUERY,
      rate: 200,
    });
    console.log(describeResult('gateway, fixed 200 req/s', gatewayPaced));
    const ratio = bareSaturated.requestsPerSecond / Math.max(1, gatewaySaturated.requestsPerSecond);
    console.log(`\noverhead ratio (bare req/s ÷ gateway req/s): ${ratio.toFixed(2)}x`);
    console.log(
      `targets: p99 ≤ 25 ms at 200 req/s → ${gatewayPaced.p99 <= 25 ? 'met' : 'MISSED'} (${gatewayPaced.p99} ms); ≥ 1,500 req/s at saturation → ${gatewaySaturated.requestsPerSecond >= 1500 ? 'met' : 'MISSED'} (${gatewaySaturated.requestsPerSecond})`,
    );
  } finally {
    bare.child.kill();
  }
});
