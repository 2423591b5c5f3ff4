/**
 * Typesense behind a faulty network (issue 17, "TCP proxy ... (and search)"; the search circuit
 * breaker of lambdas/search/circuit-breaker.ts). A stack of its own gets TYPESENSE_NODES pointed at
 * tests/support/tcp-fault-proxy.ts, in front of the Typesense stand-in (tests/support/typesense-fake.ts,
 * driven by the real `typesense` client). A marker document lives only in Typesense, so a public
 * searchListings through the real GraphQL path shows which engine answered: the marker means
 * Typesense, no marker (and no error) means the PostgreSQL fallback. Slow (a delay past
 * TYPESENSE_TIMEOUT_MS) or down (resets): the answers stay correct and within the budget, the breaker
 * opens and PostgreSQL answers; once the proxy passes bytes again and the breaker's open period ends,
 * Typesense answers again in the same process: no restart.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTypesenseFake, type RunningTypesenseFake } from '../support/typesense-fake.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { documentArbitrary } from '../../lambdas/search/testing/search-arbitraries.ts';
import { TypesenseSearchAdapter } from '../../lambdas/search/typesense-search.adapter.ts';
import { randomLoopbackIp } from '../support/auth-client.ts';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-typesense-fault-'));
/** The search budget this test holds every answer to (p99 of a search is far below). */
const ANSWER_WITHIN_MS = 5_000;
const TIMEOUT_MS = 300;
const BREAKER_OPEN_MS = 2_000;
const marker = `zq${randomUUID().replaceAll('-', '').slice(0, 10)}`;
let stack: LocalStack;
let proxy: TcpFaultProxy;
let typesense: RunningTypesenseFake;
let searchEnv: Record<string, string> = {};

beforeAll(async () => {
  typesense = await startTypesenseFake();
  const url = new URL(typesense.url);
  proxy = await startTcpFaultProxy({ host: url.hostname, port: Number(url.port) });
  // The search Lambda's configuration (lambdas/search/search.config.ts), as the CDK sets it in AWS.
  searchEnv = {
    TYPESENSE_NODES: `${proxy.host}:${proxy.port}`,
    TYPESENSE_PROTOCOL: 'http',
    TYPESENSE_API_KEY: typesense.adminKey,
    TYPESENSE_TIMEOUT_MS: String(TIMEOUT_MS),
    TYPESENSE_BREAKER_OPEN_MS: String(BREAKER_OPEN_MS),
    // Every probe reaches an engine (the hot-query cache would answer a repeat from memory).
    SEARCH_CACHE_MS: '0',
  };
  Object.assign(process.env, searchEnv);
  stack = await startLocalStack({ rootDir, stateDir, port: 0, ephemeral: true, logFile: join(stateDir, 'log') });
  // The marker: in Typesense only (written straight to the stand-in, not through the proxy).
  const writer = new TypesenseSearchAdapter({
    nodes: [typesense.url],
    adminKey: typesense.adminKey,
    searchKey: typesense.adminKey,
    timeoutMs: 2_000,
  });
  await writer.ensureCollection();
  const [document] = fc.sample(documentArbitrary('tsf'), { numRuns: 1, seed: 17 });
  await writer.upsert([{ ...document!, title: marker, tags: [], nsfwBand: 0, coverUrl: null, coverNsfwBand: null }]);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await typesense?.close();
  rmSync(stateDir, { recursive: true, force: true });
  for (const name of Object.keys(searchEnv)) delete process.env[name];
});

const SEARCH = `query Search($input: SearchListingsInput!) {
  searchListings(input: $input) { items { slug title } }
}`;

/** A GraphQL POST from its own loopback address (search limits are per source IP). */
function post(body: unknown): Promise<{ status: number; body: any }> {
  const target = new URL(stack.endpoints.graphqlUrl);
  if (target.hostname === 'localhost') target.hostname = '127.0.0.1';
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      target,
      {
        method: 'POST',
        localAddress: randomLoopbackIp(),
        headers: { 'content-type': 'application/json', 'x-api-key': stack.endpoints.apiKey },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('no answer in 20 s')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Which engine answered a public search for the marker, and how fast. */
async function search(): Promise<{ engine: 'typesense' | 'postgres'; ms: number }> {
  const started = Date.now();
  const answer = await post({ query: SEARCH, variables: { input: { text: marker } } });
  const ms = Date.now() - started;
  expect(answer.status).toBe(200);
  expect(answer.body.errors).toBeUndefined();
  const titles = (answer.body.data.searchListings.items as { title: string }[]).map((item) => item.title);
  return { engine: titles.includes(marker) ? 'typesense' : 'postgres', ms };
}

async function until(engine: 'typesense' | 'postgres', withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const answer = await search();
    expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
    if (answer.engine === engine) return;
    if (Date.now() > deadline) throw new Error(`${engine} did not answer within ${withinMs} ms`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe('Typesense behind a faulty network', () => {
  it('answers from Typesense while the network is healthy', { timeout: 30_000 }, async () => {
    expect((await search()).engine).toBe('typesense');
  });

  for (const [name, mode] of [
    ['slow (a delay past the adapter timeout)', { kind: 'delay', ms: 3_000 }],
    ['down (connections reset)', { kind: 'reset' }],
  ] as const)
    it(
      `${name}: PostgreSQL answers within the budget, the breaker opens, recovery closes it without a restart`,
      {
        timeout: 60_000,
      },
      async () => {
        await until('typesense', 10_000);
        proxy.setMode(mode);
        try {
          // The failing calls themselves fall back (each within the adapter's timeout), then the open
          // breaker sends searches straight to PostgreSQL: no more connections reach the proxy.
          for (let i = 0; i < 4; i++) {
            const answer = await search();
            expect(answer.engine).toBe('postgres');
            expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
          }
          const acceptedWhileOpen = proxy.accepted;
          const open = await search();
          expect(open.engine).toBe('postgres');
          expect(proxy.accepted).toBe(acceptedWhileOpen);
        } finally {
          proxy.setMode({ kind: 'pass' });
        }
        // The open period ends, the trial call succeeds, Typesense answers again.
        await until('typesense', BREAKER_OPEN_MS + 8_000);
      },
    );
});
