/**
 * kill -9 of the whole local stack (`npm start`: node, PostgreSQL, the DynamoDB Local JVM, one process
 * group) at random moments while the outbox relay and partner webhook delivery run, then a restart on
 * the same state, `iterations` times. Built on tests/integration/hard-kill-durability.int.test.ts
 * (same launch/kill mechanics), aimed at events instead of media.
 *
 * The load: signed-in owners flip `setProfileInstantBook` on a published profile; each acknowledged
 * answer carries the profile version, and each committed change enqueues `profile.updated` with that
 * version (outbox, same transaction). The relay hands it to the partner-webhooks consumer, which
 * records the event, fans it out to a subscribed endpoint and delivers it, signed (Standard
 * Webhooks), to a receiver in this process (outside the killed group, so it sees every delivery).
 *
 * After every restart: each acknowledged version has its outbox event (nothing acknowledged was
 * lost). At the end, with the queues drained: every committed event reached the receiver (0 lost);
 * every event reached it under exactly one webhook-id, fanned out once and recorded once, so a
 * receiver deduplicating on webhook-id (as the standard asks) applies each exactly once (0
 * duplicated effects). Raw redeliveries of the same webhook-id (a kill between the POST and the
 * task's close: at-least-once) are counted and reported, not hidden.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { controlTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { DynamoDbTtlCache } from '../../lambdas/adapters/dynamodb-ttl-cache.ts';
import { SigningKeyStore } from '../../lambdas/auth/signing-keys.ts';
import { TokenService } from '../../lambdas/auth/token.service.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { partnerRegistry, type Verdict } from '../../lambdas/partner/index.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Endpoints {
  graphqlUrl: string;
  restUrl: string;
  databaseUrl: string;
  dynamodbEndpoint: string;
}

export interface FaultKillResult {
  seed: number;
  iterations: number;
  acknowledged: number;
  committedEvents: number;
  delivered: number;
  lost: string[];
  /** Events that reached the receiver under more than one webhook-id, or were fanned out/recorded twice. */
  duplicatedEffects: string[];
  /** Same webhook-id received again (at-least-once; deduplicated by the receiver). */
  redeliveries: number;
  /** Acknowledged versions whose event was missing after a restart. */
  ackedWithoutEvent: number[];
  seconds: number;
}

/** mulberry32: a small seeded PRNG, so a run can be replayed with the same kill timings. */
function prng(start: number) {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await sleep(250);
  }
}

export async function runOutboxWebhookKills(options: {
  iterations: number;
  seed?: number;
  log?: (line: string) => void;
}): Promise<FaultKillResult> {
  const seed = options.seed ?? Date.now() % 1_000_000;
  const random = prng(seed);
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const stateDir = mkdtempSync(join(tmpdir(), 'rastup-faultkill-'));
  let running: ChildProcess | undefined;

  const launch = async (): Promise<Endpoints> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      cwd: rootDir,
      env: { ...process.env, PORT: '0', RASTUP_STATE_DIR: stateDir, RASTUP_DEMO_SEED: 'off' },
      // Its own process group: the kill takes node, PostgreSQL and the JVM down at the same instant.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    const begun = Date.now();
    while (!output.includes('Ctrl-C stops everything')) {
      if (Date.now() - begun > 300_000 || child.exitCode !== null)
        throw new Error(`the stack did not come up:\n${output}`);
      await sleep(100);
    }
    return JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as Endpoints;
  };
  const hardKill = async () => {
    const child = running!;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  };
  const query = async <T extends pg.QueryResultRow>(endpoints: Endpoints, text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: endpoints.databaseUrl });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };

  // The receiver: verifies every signature, records webhook-ids per event.
  let secret = '';
  const received = new Map<string, number>(); // webhook-id -> times received
  const messagesOfEvent = new Map<string, Set<string>>(); // eventId -> webhook-ids
  const badSignatures: string[] = [];
  const receiver: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const payload = new Webhook(secret).verify(body, request.headers as Record<string, string>) as {
          data: { eventId: string };
        };
        const id = request.headers['webhook-id'] as string;
        received.set(id, (received.get(id) ?? 0) + 1);
        const set = messagesOfEvent.get(payload.data.eventId) ?? new Set<string>();
        set.add(id);
        messagesOfEvent.set(payload.data.eventId, set);
        response.writeHead(204).end();
      } catch (error) {
        badSignatures.push(String(error));
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));

  try {
    let endpoints = await launch();
    const { keyEncryptionKey } = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
      keyEncryptionKey: string;
    };
    // A published profile with a cover, owned by a signed-in provider.
    const owner = newId('user');
    const profileId = newId('profile');
    await query(
      endpoints,
      `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, headline, bio, tags, city_code, price_min_cents, price_max_cents, languages, packages, published_at)
       VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Fault Kill', 'Portraits', 'Synthetic.', '{portrait}', 'us-nyc', 20000, 80000, '{English}', $4, now())`,
      [
        profileId,
        owner,
        `fault-${profileId.slice(-10).toLowerCase()}`,
        JSON.stringify([{ name: 'Headshots', durationMinutes: 60, priceCents: 20000, extras: [] }]),
      ],
    );
    // A partner client and its endpoint for profile.updated, pointing at the receiver.
    const dynamo = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: endpoints.dynamodbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const registryDb = createDatabase({ connectionString: endpoints.databaseUrl, max: 1 });
    const client = await partnerRegistry(
      registryDb,
      new DynamoDbTtlCache<Verdict>(dynamo, physicalTableName('local', controlTable), 'PV'),
    ).createClient({ name: 'Fault kill', contactEmail: 'dpa@fault.example', scopes: ['webhooks:manage'] });
    await registryDb.close();
    dynamo.destroy();
    const tokenAnswer = await fetch(`${endpoints.restUrl}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: partnerToken } = (await tokenAnswer.json()) as { access_token: string };
    const created = await fetch(`${endpoints.restUrl}/v1/webhooks/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partnerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        eventTypes: ['profile.updated'],
      }),
    });
    if (created.status !== 201 && created.status !== 200)
      throw new Error(`endpoint registration ${created.status}: ${await created.text()}`);
    ({ secret } = (await created.json()) as { secret: string });

    const mint = async (at: Endpoints) => {
      const db = createDatabase({ connectionString: at.databaseUrl, max: 1 });
      try {
        const tokens = new TokenService(
          new SigningKeyStore(db, systemClock, keyEncryptionKey, 30, 4500),
          systemClock,
          at.restUrl,
          'rastup-api',
          900,
        );
        const now = Math.floor(Date.now() / 1000);
        return (await tokens.issueAccessToken({ userId: owner, roles: ['provider'], amr: ['pwd'], authTime: now }))
          .token;
      } finally {
        await db.close();
      }
    };

    const acked = new Set<number>();
    const ackedWithoutEvent: number[] = [];
    for (let iteration = 1; iteration <= options.iterations; iteration++) {
      let stop = false;
      let answers = 0;
      const at = endpoints;
      const token = await mint(at);
      const flipper = async () => {
        while (!stop) {
          try {
            const answer = await fetch(at.graphqlUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: token },
              body: JSON.stringify({
                query: 'mutation($id: ID!) { setProfileInstantBook(id: $id, enabled: false) { version } }',
                variables: { id: profileId },
              }),
            });
            const body = (await answer.json()) as { data?: { setProfileInstantBook?: { version: number } } };
            const version = body.data?.setProfileInstantBook?.version;
            if (version !== undefined) {
              acked.add(version);
              answers++;
            }
          } catch {
            await sleep(20); // killed mid-request: not acknowledged
          }
        }
      };
      const load = Promise.all([flipper(), flipper(), flipper(), flipper()]);
      const before = Date.now();
      while (answers < 5 && Date.now() - before < 60_000) await sleep(20);
      await sleep(random() * 2_000);
      await hardKill();
      stop = true;
      await load;
      endpoints = await launch();
      const versions = new Set(
        (
          await query<{ v: number }>(
            endpoints,
            `SELECT (payload->>'version')::int AS v FROM outbox_events WHERE type = 'profile.updated' AND payload->>'profileId' = $1`,
            [profileId],
          )
        ).map((row) => row.v),
      );
      for (const version of acked) if (!versions.has(version)) ackedWithoutEvent.push(version);
      log(
        `iteration ${iteration}/${options.iterations}: killed after ${answers} acknowledged changes; restarted; ${acked.size} acknowledged so far, ${versions.size} events committed`,
      );
    }

    // Drain: the relay publishes what is left; deliveries whose backoff was cut short run "as if later".
    await until('queues drained', async () => {
      await fetch(
        `${endpoints.restUrl}/dev/jobs/partner-webhooks?now=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`,
      );
      const [pending] = await query<{ outbox: number; tasks: number }>(
        endpoints,
        `SELECT (SELECT count(*) FROM outbox_events WHERE published_at IS NULL)::int AS outbox,
                (SELECT count(*) FROM partner.delivery_task WHERE state = 'pending')::int AS tasks`,
      );
      return pending!.outbox === 0 && pending!.tasks === 0;
    });

    const committed = await query<{ id: string; version: number }>(
      endpoints,
      `SELECT id, (payload->>'version')::int AS version FROM outbox_events WHERE type = 'profile.updated' AND payload->>'profileId' = $1`,
      [profileId],
    );
    const lost = committed.filter((event) => !messagesOfEvent.has(event.id)).map((event) => event.id);
    const duplicatedEffects = [...messagesOfEvent.entries()]
      .filter(([, ids]) => ids.size > 1)
      .map(([eventId, ids]) => `${eventId} under ${ids.size} webhook-ids`);
    const fannedTwice = await query<{ event_id: string; n: number }>(
      endpoints,
      `SELECT event_id, count(*)::int AS n FROM partner.delivery_task WHERE NOT replay GROUP BY 1 HAVING count(*) > 1`,
    );
    duplicatedEffects.push(...fannedTwice.map((row) => `${row.event_id} fanned out ${row.n} times`));
    const versionsTwice = await query<{ version: number; n: number }>(
      endpoints,
      `SELECT payload->>'version' AS version, count(*)::int AS n FROM outbox_events
        WHERE type = 'profile.updated' AND payload->>'profileId' = $1 GROUP BY 1 HAVING count(*) > 1`,
      [profileId],
    );
    duplicatedEffects.push(...versionsTwice.map((row) => `version ${row.version} enqueued ${row.n} times`));
    if (badSignatures.length > 0) duplicatedEffects.push(`${badSignatures.length} deliveries failed verification`);
    return {
      seed,
      iterations: options.iterations,
      acknowledged: acked.size,
      committedEvents: committed.length,
      delivered: messagesOfEvent.size,
      lost,
      duplicatedEffects,
      redeliveries: [...received.values()].reduce((sum, n) => sum + n - 1, 0),
      ackedWithoutEvent,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    if (running && running.exitCode === null) {
      const exited = new Promise((r) => running!.once('exit', r));
      running.kill('SIGINT');
      await Promise.race([exited, sleep(30_000)]);
      if (running.exitCode === null) process.kill(-running.pid!, 'SIGKILL');
    }
    receiver.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
