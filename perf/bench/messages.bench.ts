/**
 * `npm run bench:messages`: the messaging hot paths through the local AppSync gateway to the
 * messaging Lambda handler and DynamoDB Local, load generator in a separate process:
 *  - inbox read (`myInbox`, 30 threads) and thread read (`threadMessages`, 30 of 200 messages),
 *    p95 at 50 connections (seed budget 250 ms; aim ≤ 20 ms);
 *  - send (`sendMessage`, a TransactWriteItems fan-out) p95 at 50 connections, in two shapes: the
 *    realistic one (50 clients, each sending into their own 2-member thread with the provider) and
 *    the hot thread (both members of ONE thread on all 50 connections), each with DynamoDB calls,
 *    TransactWriteItems attempts and TransactionConflict cancellations per send; the per-sender
 *    limit is lifted for the run (MESSAGING_SEND_BURST) so the send path itself is measured;
 *  - subscription fan-out: 100 WebSocket subscribers (AppSync real-time protocol) on one thread,
 *    latency from the mutation's HTTP answer (and from its request) to each `data` frame.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { newId } from '../../lambdas/core/ids.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { documentClientFromEnv } from '../../lambdas/adapters/dynamodb.ts';
import { describeResult, load, profiled, rootDir } from './harness.ts';
import type { MixRequest, MixResult } from './mix-load.ts';
import { describeCost, RequestCostMeter } from './request-cost.ts';

const runFile = promisify(execFile);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const SUBSCRIBERS = 100;
const FANOUT_MESSAGES = 20;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.MESSAGING_SEND_BURST = '100000000';
process.env.MESSAGING_FIRST_CONTACT_BURST = '100000';

async function user(stack: LocalStack, role: 'client' | 'provider'): Promise<{ userId: string; token: string }> {
  const { restUrl, mailboxUrl } = stack.endpoints;
  const email = `bench-${newId('request').slice(-12).toLowerCase()}@example.com`;
  const password = `Bench-${newId('request')}!x`;
  const post = (path: string, body: unknown) =>
    fetch(new URL(path, restUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const signUp = await post('/auth/signup', {
    email,
    password,
    role,
    consents: { terms: '2026-01-01', privacy: '2026-01-01', marketing: false },
  });
  if (signUp.status !== 202) throw new Error(`signup ${signUp.status}: ${await signUp.text()}`);
  let code: string | undefined;
  for (let i = 0; i < 100 && !code; i++) {
    const { messages } = (await (await fetch(mailboxUrl)).json()) as {
      messages: { to: string; text: string; template: string }[];
    };
    code = /\b(\d{6})\b/.exec(
      messages.find((m) => m.to === email && m.template === 'auth.verify_email')?.text ?? '',
    )?.[1];
    if (!code) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if ((await post('/auth/verify-email', { email, code, password })).status !== 200) throw new Error('verify failed');
  const login = await post('/auth/login', { email, password });
  const body = (await login.json()) as { accessToken: string; userId: string };
  return { userId: body.userId, token: body.accessToken };
}

async function gql<T = Record<string, unknown>>(
  stack: LocalStack,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const answer = await fetch(stack.endpoints.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await answer.json()) as { data: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const stateDir = mkdtempSync(join(tmpdir(), 'rastup-bench-'));
const stack = await startLocalStack({
  rootDir,
  stateDir,
  port: 0,
  ephemeral: true,
  logFile: join(stateDir, 'stack.log'),
  authRateLimitExemptIps: ['127.0.0.1', '::1'],
});
try {
  const provider = await user(stack, 'provider');
  const profileId = newId('profile');
  await stack.db.query(
    `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, published_at)
     VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Bench Mark', now())`,
    [profileId, provider.userId, `bench-${profileId.slice(-10).toLowerCase()}`],
  );
  // 30 clients, each with an inquiry thread: the provider's inbox holds 30 threads.
  const clients: { userId: string; token: string }[] = [];
  for (let i = 0; i < 30; i++) clients.push(await user(stack, 'client'));
  const threads: string[] = [];
  for (const client of clients) {
    const started = await gql<{ startInquiry: { thread: { threadId: string } } }>(
      stack,
      client.token,
      'mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }',
      { input: { profileId, body: 'Hello, are you available next week?' } },
    );
    threads.push(started.startInquiry.thread.threadId);
  }
  const threadId = threads[0]!;
  const client = clients[0]!;
  const send =
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId threadId body createdAt } }';
  for (let i = 0; i < 200; i++)
    await gql(stack, i % 2 ? provider.token : client.token, send, { input: { threadId, body: `Message number ${i}` } });

  const { graphqlUrl } = stack.endpoints;
  console.log(
    `bench:messages — ${DURATION} s per run, load generator in a separate process, ${process.arch} x ${cpus().length} cores\n`,
  );
  // The Lambdas of this process share the one document client: the meter counts its calls.
  // Each measured request once first: the load generator counts HTTP statuses, and GraphQL errors answer 200.
  const inboxQuery =
    '{ myInbox(limit: 30) { items { threadId unreadCount lastMessageAt lastMessagePreview } nextCursor } }';
  const threadQuery =
    'query($t: ID!) { threadMessages(threadId: $t, limit: 30) { items { messageId authorUserId body createdAt } nextCursor } }';
  const sendVariables = { input: { threadId: threads[1], body: 'Load test message' } };
  await gql(stack, provider.token, inboxQuery, {});
  await gql(stack, client.token, threadQuery, { t: threadId });
  await gql(stack, clients[1]!.token, send, sendVariables);
  const meter = new RequestCostMeter(stack, documentClientFromEnv());
  const { result: inbox, cost: inboxCost } = await meter.measure(
    () =>
      profiled('messages-inbox', () =>
        load({
          url: graphqlUrl,
          connections: 50,
          durationSeconds: DURATION,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: provider.token },
          body: JSON.stringify({
            query: inboxQuery,
          }),
        }),
      ),
    (result) => result.total,
  );
  console.log(describeResult('inbox (30 threads), 50 conns', inbox));
  const { result: thread, cost: threadCost } = await meter.measure(
    () =>
      profiled('messages-thread', () =>
        load({
          url: graphqlUrl,
          connections: 50,
          durationSeconds: DURATION,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: client.token },
          body: JSON.stringify({
            query: threadQuery,
            variables: { t: threadId },
          }),
        }),
      ),
    (result) => result.total,
  );
  console.log(describeResult('thread read (30 msgs), 50 conns', thread));
  console.log(describeCost('inbox', inboxCost));
  console.log(describeCost('thread read', threadCost));

  // Sends. Twenty more clients, each with an inquiry thread: 50 two-member threads with the provider.
  for (let i = 0; i < 20; i++) {
    const extra = await user(stack, 'client');
    clients.push(extra);
    const started = await gql<{ startInquiry: { thread: { threadId: string } } }>(
      stack,
      extra.token,
      'mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }',
      { input: { profileId, body: 'Hello, are you available next week?' } },
    );
    threads.push(started.startInquiry.thread.threadId);
  }
  // TransactWriteItems attempts and their TransactionConflict cancellations, from the shared client.
  const transact = { attempts: 0, conflicts: 0, committed: 0, failed: new Map<string, number>() };
  documentClientFromEnv().middlewareStack.add(
    (next) => async (args) => {
      if (!(args.input as { TransactItems?: unknown }).TransactItems) return next(args);
      transact.attempts += 1;
      try {
        const answer = await next(args);
        transact.committed += 1;
        return answer;
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons.some((reason) => reason.Code === 'TransactionConflict')) transact.conflicts += 1;
        // What else failed (a condition, throttling...): the reason codes other than None, or the error's name.
        const why = reasons.flatMap((reason) => (reason.Code && reason.Code !== 'None' ? [reason.Code] : []));
        const key = why.length ? why.join('+') : ((error as Error).name ?? 'unknown');
        transact.failed.set(key, (transact.failed.get(key) ?? 0) + 1);
        throw error;
      }
    },
    { step: 'initialize', name: 'benchTransactCounter' },
  );
  const sendRequest = (token: string, thread: string, body: string): MixRequest => ({
    method: 'POST',
    path: new URL(graphqlUrl).pathname,
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify({ query: send, variables: { input: { threadId: thread, body } } }),
  });
  const sendRun = async (label: string, requests: MixRequest[]) => {
    const file = join(stateDir, `${label.replace(/\W+/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify({ url: graphqlUrl, connections: 50, durationSeconds: DURATION, warmupSeconds: 1, requests }),
    );
    const before = { attempts: transact.attempts, conflicts: transact.conflicts, committed: transact.committed };
    transact.failed.clear();
    const { result, cost } = await meter.measure(
      async () => {
        const { stdout } = await profiled(`messages-${label}`, () =>
          runFile(process.execPath, ['--import', 'tsx', join(rootDir, 'perf/bench/mix-load.ts'), file], {
            cwd: rootDir,
            maxBuffer: 16 * 1024 * 1024,
          }),
        );
        // The load generator stops at its deadline with up to 50 requests still in the stack (for the
        // warm-up and for the run): let them finish, so what they cost is counted with them.
        for (let last = -1; last !== transact.attempts;) {
          last = transact.attempts;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        return JSON.parse(stdout.trim().split('\n').at(-1)!) as MixResult;
      },
      // Every send commits exactly one TransactWriteItems (its retries and refusals commit none), and
      // no other transaction runs meanwhile: committed transactions count the sends the stack served,
      // those the load generator gave up waiting for at its deadlines included.
      () => transact.committed - before.committed,
    );
    const sent = Math.max(1, transact.committed - before.committed);
    console.log(
      `${label.padEnd(34)} ${String(result.requestsPerSecond).padStart(7)} req/s   p50 ${result.p50.toFixed(2).padStart(7)} ms   p95 ${result.p95.toFixed(2).padStart(7)} ms   p99 ${result.p99.toFixed(2).padStart(7)} ms   failures ${result.failures} ${JSON.stringify(result.statuses)}`,
    );
    console.log(
      `${''.padEnd(34)} per send (${sent} committed): DynamoDB calls ${cost.dynamoCallsPerRequest.toFixed(2)}   TransactWriteItems ${((transact.attempts - before.attempts) / sent).toFixed(2)}   TransactionConflict ${((transact.conflicts - before.conflicts) / sent).toFixed(2)}   failed attempts ${JSON.stringify(Object.fromEntries(transact.failed))}   CPU ms: stack ${cost.stackCpuMsPerRequest.toFixed(2)}  DynamoDB Local ${cost.dynamoCpuMsPerRequest.toFixed(2)}`,
    );
  };
  // Realistic: a user talks in many threads, a thread has two members; connection i's turn is client i's thread.
  await sendRun(
    'send, 50 conns, 50 threads',
    threads.map((thread, i) => sendRequest(clients[i]!.token, thread, 'Load test message')),
  );
  // Hot thread: both members of threads[1] on every connection (a sender who is no member would measure NOT_FOUND).
  await sendRun(
    'send, 50 conns, ONE thread (hot)',
    [clients[1]!.token, provider.token].map((token) => sendRequest(token, threads[1]!, 'Load test message')),
  );

  // Fan-out: 100 subscribers (half each member) over the AppSync real-time protocol.
  const realtimeUrl = `${graphqlUrl.replace(/^http/, 'ws')}/realtime`;
  const arrivals: number[][] = Array.from({ length: FANOUT_MESSAGES }, () => []);
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, (_, index) => {
      const token = index % 2 ? provider.token : client.token;
      const header = Buffer.from(JSON.stringify({ Authorization: token, host: new URL(graphqlUrl).host })).toString(
        'base64',
      );
      return new Promise<void>((resolve, reject) => {
        const socket = new WebSocket(`${realtimeUrl}?header=${header}&payload=e30=`, ['graphql-ws']);
        sockets.push(socket);
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
        socket.on('message', (raw) => {
          const message = JSON.parse((raw as Buffer).toString('utf8')) as {
            type: string;
            payload?: { data?: { onThreadMessage?: { body: string } } };
          };
          if (message.type === 'connection_ack')
            socket.send(
              JSON.stringify({
                id: `sub-${index}`,
                type: 'start',
                payload: {
                  data: JSON.stringify({
                    query: 'subscription($t: ID!) { onThreadMessage(threadId: $t) { messageId body } }',
                    variables: { t: threadId },
                  }),
                  extensions: { authorization: { Authorization: token, host: new URL(graphqlUrl).host } },
                },
              }),
            );
          else if (message.type === 'start_ack') resolve();
          else if (message.type === 'error') reject(new Error(JSON.stringify(message.payload)));
          else if (message.type === 'data') {
            const n = Number(/^fanout (\d+)$/.exec(message.payload?.data?.onThreadMessage?.body ?? '')?.[1]);
            arrivals[n]?.push(performance.now());
          }
        });
        socket.on('error', reject);
      });
    }),
  );
  const fromAnswer: number[] = [];
  const fromRequest: number[] = [];
  for (let n = 0; n < FANOUT_MESSAGES; n++) {
    const started = performance.now();
    await gql(stack, client.token, send, { input: { threadId, body: `fanout ${n}` } });
    const answered = performance.now();
    const deadline = Date.now() + 5_000;
    while (arrivals[n]!.length < SUBSCRIBERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (arrivals[n]!.length !== SUBSCRIBERS)
      throw new Error(`message ${n}: ${arrivals[n]!.length} of ${SUBSCRIBERS} frames`);
    for (const at of arrivals[n]!) {
      fromAnswer.push(at - answered);
      fromRequest.push(at - started);
    }
  }
  for (const socket of sockets) socket.close();
  const fmt = (values: number[]) =>
    `p50 ${percentile(values, 50).toFixed(2)} ms   p95 ${percentile(values, 95).toFixed(2)} ms   max ${Math.max(...values).toFixed(2)} ms`;
  console.log(
    `fan-out to ${SUBSCRIBERS} subscribers (${FANOUT_MESSAGES} msgs), frame after HTTP answer: ${fmt(fromAnswer)}`,
  );
  console.log(
    `fan-out to ${SUBSCRIBERS} subscribers (${FANOUT_MESSAGES} msgs), frame after request start: ${fmt(fromRequest)}`,
  );
} finally {
  await stack.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
