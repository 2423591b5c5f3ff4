/**
 * Network faults between the Lambdas and PostgreSQL (issue 17, "TCP proxy" fault test). A stack of
 * its own routes the Lambdas' DATABASE_URL through tests/support/tcp-fault-proxy.ts (locally the
 * search backend is PostgreSQL too, so search goes through the same proxy). While the proxy delays,
 * black-holes or resets connections, a public GraphQL read (searchListings) and a REST route
 * (POST /auth/login) must answer a typed SERVICE_UNAVAILABLE / 503 JSON within 5 s — never hang,
 * never INTERNAL — and once the proxy passes bytes again the same process answers normally: the
 * pools dropped their broken connections and opened new ones, without a restart.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { auditLogLines, formatFindings } from '../../lambdas/core/testing/log-audit.ts';
import { randomLoopbackIp } from '../support/auth-client.ts';
import { startTcpFaultProxy, type FaultMode, type TcpFaultProxy } from '../support/tcp-fault-proxy.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-tcp-fault-'));
/** The promise: a typed answer within 5 s, whatever the network does. */
const ANSWER_WITHIN_MS = 5_000;
let stack: LocalStack;
let proxy: TcpFaultProxy;

beforeAll(async () => {
  stack = await startLocalStack({
    rootDir,
    stateDir,
    port: 0,
    ephemeral: true,
    logFile: join(stateDir, 'log'),
    lambdaDatabaseUrl: async (postgresUrl) => {
      const url = new URL(postgresUrl);
      proxy = await startTcpFaultProxy({ host: url.hostname, port: Number(url.port) });
      url.hostname = proxy.host;
      url.port = String(proxy.port);
      return url.toString();
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: any;
  readonly ms: number;
}

/** One HTTP call from its own loopback address (per-IP sign-in limits stay out of the way). */
function call(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const target = new URL(url);
  if (target.hostname === 'localhost') target.hostname = '127.0.0.1';
  const payload = JSON.stringify(body);
  const started = Date.now();
  return new Promise<Answer>((resolvePromise, reject) => {
    const req = httpRequest(
      target,
      { method: 'POST', localAddress: randomLoopbackIp(), headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = text;
          }
          resolvePromise({ status: res.statusCode ?? 0, body: parsed, ms: Date.now() - started });
        });
      },
    );
    // The test's own guard: far past the promise, so a hang is reported as one, not as a vitest timeout.
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer from ${target.pathname} in 20 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const SEARCH = `query Search($input: SearchListingsInput!) {
  searchListings(input: $input) { items { slug } engine }
}`;

/** A public search nobody asked before (the hot-query cache would answer a repeated one). */
function search(): Promise<Answer> {
  return call(
    stack.endpoints.graphqlUrl,
    { query: SEARCH, variables: { input: { text: `probe ${randomUUID().slice(0, 8)}` } } },
    { 'x-api-key': stack.endpoints.apiKey },
  );
}

function login(): Promise<Answer> {
  return call(new URL('/auth/login', stack.endpoints.restUrl).toString(), {
    email: `fault-${randomUUID()}@example.test`,
    password: 'Wrong-password-1234!',
  });
}

function expectHealthy(searchAnswer: Answer, loginAnswer: Answer): void {
  expect(searchAnswer.status).toBe(200);
  expect(searchAnswer.body.errors).toBeUndefined();
  expect(Array.isArray(searchAnswer.body.data.searchListings.items)).toBe(true);
  // An unknown account: the ordinary refusal, which needs the database to decide.
  expect(loginAnswer.status).toBe(401);
}

function expectTypedUnavailable(searchAnswer: Answer, loginAnswer: Answer): void {
  expect(searchAnswer.ms).toBeLessThan(ANSWER_WITHIN_MS);
  expect(searchAnswer.status).toBe(200);
  expect(searchAnswer.body.data).toBeNull();
  expect(searchAnswer.body.errors).toHaveLength(1);
  expect(searchAnswer.body.errors[0]).toMatchObject({ errorType: 'SERVICE_UNAVAILABLE' });
  // No driver detail (SQL, addresses, stack) reaches the caller.
  expect(JSON.stringify(searchAnswer.body)).not.toMatch(/select|127\.0\.0\.1|ECONN|at .*\.ts/i);

  expect(loginAnswer.ms).toBeLessThan(ANSWER_WITHIN_MS);
  expect(loginAnswer.status).toBe(503);
  expect(loginAnswer.body).toMatchObject({ error: { code: 'DEPENDENCY.UNAVAILABLE' } });
  expect(JSON.stringify(loginAnswer.body)).not.toMatch(/select|127\.0\.0\.1|ECONN|at .*\.ts/i);
}

async function underFault(mode: FaultMode): Promise<void> {
  // Warm: the pools hold open connections through the proxy, which the fault then hits.
  expectHealthy(await search(), await login());
  const acceptedBefore = proxy.accepted;
  proxy.setMode(mode);
  try {
    // Several at once: pooled connections and new ones both meet the fault.
    const answers = await Promise.all([search(), login(), search(), login()]);
    expectTypedUnavailable(answers[0], answers[1]);
    expectTypedUnavailable(answers[2], answers[3]);
  } finally {
    proxy.setMode({ kind: 'pass' });
  }
  // Same process, no restart: the broken connections were discarded and replaced.
  expectHealthy(await search(), await login());
  expect(proxy.accepted).toBeGreaterThan(acceptedBefore);
}

describe('PostgreSQL behind a faulty network', () => {
  it('connections reset (RST): typed 503 at once, then recovery', { timeout: 60_000 }, async () => {
    await underFault({ kind: 'reset' });
  });

  it(
    'a black hole (nothing forwarded, sockets open): typed 503 within 5 s, then recovery',
    { timeout: 60_000 },
    async () => {
      await underFault({ kind: 'blackhole' });
    },
  );

  it('a delay longer than the budget: typed 503 within 5 s, then recovery', { timeout: 60_000 }, async () => {
    await underFault({ kind: 'delay', ms: 8_000 });
  });

  it('what the faults made the stack log is schema-valid and free of PII, secrets and driver detail', () => {
    const lines = readFileSync(join(stateDir, 'log'), 'utf8').split('\n');
    const secrets = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    const findings = auditLogLines(lines, { knownSecrets: Object.values(secrets) });
    expect(findings, formatFindings(findings)).toEqual([]);
    // The failures were logged as such (a 5xx is an error line), not swallowed.
    expect(lines.some((line) => line.includes('DEPENDENCY.UNAVAILABLE'))).toBe(true);
  });

  it('a short delay is only slower: the answers stay correct', { timeout: 60_000 }, async () => {
    proxy.setMode({ kind: 'delay', ms: 150 });
    try {
      expectHealthy(await search(), await login());
    } finally {
      proxy.setMode({ kind: 'pass' });
    }
  });
});
