/** Shared by the benchmarks: start a throwaway local stack and run the load generator in a child process. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack.ts';
import type { LoadResult } from './load.ts';

export const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

export async function withBenchStack<T>(
  fn: (stack: LocalStack) => Promise<T>,
  options: Pick<LocalStackOptions, 'edgeClientIp'> = {},
): Promise<T> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stateDir = mkdtempSync(join(tmpdir(), 'rastup-bench-'));
  const stack = await startLocalStack({
    rootDir,
    stateDir,
    port: 0,
    ephemeral: true,
    logFile: join(stateDir, 'stack.log'),
    ...options,
  });
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * With PERF_CPU_PROFILE=<dir>: a V8 CPU profile of this process (the local stack: gateway and
 * Lambda handlers) for the duration of `fn` only, written to <dir>/<label>.cpuprofile; read it with
 * `npm run perf:profile-top -- <file>`. The load generator runs in its own process and is not in it.
 */
export async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.PERF_CPU_PROFILE;
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${label.replace(/\W+/g, '-')}.cpuprofile`), JSON.stringify(profile));
  }
}

export async function load(options: Record<string, unknown>): Promise<LoadResult> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(rootDir, 'perf/bench/load.ts'), JSON.stringify(options)],
    { cwd: rootDir, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
}

export function describeResult(label: string, result: LoadResult): string {
  return `${label.padEnd(34)} ${String(result.requestsPerSecond).padStart(7)} req/s   p50 ${result.p50.toFixed(2).padStart(6)} ms   p95 ${result.p95.toFixed(2).padStart(6)} ms   p99 ${result.p99.toFixed(2).padStart(6)} ms   non-2xx ${result.non2xx}  errors ${result.errors}`;
}

/**
 * How bunched arrivals were (their times in ms, any epoch): requests per 100 ms window, median and
 * busiest, against the steady rate's share (rate / 10), and the share of windows with none.
 */
export function describeBursts(arrivals: readonly number[], rate: number): string {
  if (arrivals.length === 0) return 'arrivals per 100 ms: none recorded';
  const first = Math.min(...arrivals);
  const windows = Array.from({ length: Math.floor((Math.max(...arrivals) - first) / 100) + 1 }, () => 0);
  for (const at of arrivals) windows[Math.floor((at - first) / 100)]!++;
  const sorted = [...windows].sort((a, b) => a - b);
  const empty = windows.filter((n) => n === 0).length;
  return `arrivals per 100 ms window: median ${sorted[Math.floor(sorted.length / 2)]}, p95 ${sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]}, busiest ${sorted.at(-1)} (steady ${rate / 10}); ${Math.round((100 * empty) / windows.length)} % of windows empty`;
}
