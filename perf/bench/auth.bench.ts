/**
 * `npm run bench:auth`: password login (POST /auth/login → argon2id verify, session + refresh
 * token + device rows, audit entries, RS256 access token) at 16 connections against a throwaway
 * local stack, with the argon2id hash/verify cost measured in the same run.
 *
 * Rate limits: the login bench would otherwise measure the limiter. Two measures, both visible:
 *  - the stack starts with AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS=127.0.0.1 — a local-only setting the
 *    auth config refuses in every AWS stage — so the per-IP buckets are skipped for the load
 *    generator (per-IP limiting is covered by the integration tests);
 *  - requests rotate through many synthetic accounts, so per-identity buckets and lockout (which
 *    stay on) never trigger. The accounts are inserted directly (already verified) to keep setup short.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hash, verify } from '@node-rs/argon2';
import { startLocalStack } from '../../infra/local/stack.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { ARGON2_PARAMS } from '../../lambdas/auth/password-hasher.ts';
import { rootDir } from './harness.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 16;
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 400);
const PASSWORD = 'bench lantern orbit velvet harbor';
const runFile = promisify(execFile);

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { mean: mean.toFixed(2), p95: sorted[Math.ceil(0.95 * sorted.length) - 1]!.toFixed(2) };
}

async function argon2Cost(iterations = 30) {
  const hashes: number[] = [];
  const verifies: number[] = [];
  let stored = '';
  for (let i = 0; i < iterations; i++) {
    let started = performance.now();
    stored = await hash(PASSWORD, ARGON2_PARAMS);
    hashes.push(performance.now() - started);
    started = performance.now();
    await verify(stored, PASSWORD);
    verifies.push(performance.now() - started);
  }
  return { hash: stats(hashes), verify: stats(verifies), stored };
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-bench-auth-'));
const stack = await startLocalStack({
  rootDir,
  stateDir,
  port: 0,
  ephemeral: true,
  logFile: join(stateDir, 'stack.log'),
  authRateLimitExemptIps: ['127.0.0.1'],
});
try {
  const before = await argon2Cost();
  // Synthetic, already-verified accounts sharing one argon2id hash (each login still verifies it).
  const emails = Array.from({ length: ACCOUNTS }, (_, i) => `bench-${i}-${Date.now()}@example.test`);
  const ids = emails.map(() => newId('user'));
  await stack.db.query(
    `INSERT INTO users (id, email, password_hash, password_changed_at, email_verified_at, roles)
     SELECT unnest($1::text[]), unnest($2::text[]), $3, now(), now(), ARRAY['client']`,
    [ids, emails, before.stored],
  );
  const loginUrl = `${stack.endpoints.restUrl}/auth/login`;
  const probe = await fetch(loginUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: emails[0], password: PASSWORD }),
  });
  if (probe.status !== 200) throw new Error(`login probe answered ${probe.status}: ${await probe.text()}`);

  console.log(
    `bench:auth — POST /auth/login, ${CONNECTIONS} connections, ${DURATION} s, ${ACCOUNTS} accounts, load generator in a separate process, ${process.arch} x ${cpus().length} cores\n`,
  );
  const { stdout } = await runFile(
    process.execPath,
    [
      '--import',
      'tsx',
      join(rootDir, 'perf/bench/auth-login-load.ts'),
      JSON.stringify({
        url: loginUrl,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        emails,
        password: PASSWORD,
      }),
    ],
    { cwd: rootDir, maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    requestsPerSecond: number;
    p50: number;
    p95: number;
    p99: number;
    total: number;
    non2xx: number;
    errors: number;
    statuses: Record<string, number>;
  };
  const after = await argon2Cost(10);
  console.log(
    `login                ${result.requestsPerSecond} req/s   p50 ${result.p50} ms   p95 ${result.p95} ms   p99 ${result.p99} ms   total ${result.total}   statuses ${JSON.stringify(result.statuses)}   errors ${result.errors}`,
  );
  console.log(
    `argon2id (m=${ARGON2_PARAMS.memoryCost} KiB, t=${ARGON2_PARAMS.timeCost}, p=${ARGON2_PARAMS.parallelism}), idle:  hash mean ${before.hash.mean} ms (p95 ${before.hash.p95})   verify mean ${before.verify.mean} ms (p95 ${before.verify.p95})`,
  );
  console.log(
    `argon2id after the load:                       hash mean ${after.hash.mean} ms (p95 ${after.hash.p95})   verify mean ${after.verify.mean} ms (p95 ${after.verify.p95})`,
  );
  console.log(
    `\nper-IP buckets skipped for 127.0.0.1 (local-only AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS); per-identity limits and lockout active.`,
  );
  if (result.non2xx > 0) console.log(`note: ${result.non2xx} non-2xx answers`);
} finally {
  await stack.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
