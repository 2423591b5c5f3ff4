/**
 * Foundation pieces against the real stand-ins: the audit chain and its verification command,
 * DynamoDB token buckets and idempotency records, tables built from the shared specs, the
 * outbox relay with an idempotent consumer, and the developer mailbox.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { appendAudit, verifyAuditChain } from '../../lambdas/core/db/audit-log.ts';
import { enqueueEvent } from '../../lambdas/core/db/outbox.ts';
import { consumeOnce, relayOutboxBatch } from '../../lambdas/core/db/outbox-relay.ts';
import { withIdempotency } from '../../lambdas/core/idempotency.ts';
import { enforceRateLimits } from '../../lambdas/core/rate-limit.ts';
import { RateLimitedError, ConflictError } from '../../lambdas/core/errors.ts';
import { ManualClock } from '../../lambdas/core/clock.ts';
import { DynamoDbRateLimiter } from '../../lambdas/adapters/dynamodb-rate-limiter.ts';
import { DynamoDbIdempotencyStore } from '../../lambdas/adapters/dynamodb-idempotency-store.ts';
import { InProcessEventBus } from '../../lambdas/adapters/in-process-event-bus.ts';
import { tables, physicalTableName, controlTable } from '../../infra/definitions/tables.ts';
import { createTableInput } from '../../infra/local/dynamodb.ts';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import type { EventEnvelope } from '../../lambdas/core/events/event-contract.ts';
import { stackInfo } from '../support/clients.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

let db: Database;
let dynamo: DynamoDBClient;

beforeAll(() => {
  db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 4 });
  dynamo = new DynamoDBClient({
    endpoint: stackInfo().endpoints.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  await db.close();
  dynamo.destroy();
});

describe('hash-chained audit log', () => {
  it('verifies an intact chain, then detects a tampered row with the verification command', async () => {
    for (let i = 0; i < 3; i++) {
      await db.transaction((tx) =>
        appendAudit(tx, {
          actor: 'system:test',
          action: 'test.audit.appended',
          subject: `case:${i}`,
          details: { i, nested: { b: 1, a: [1, 2] } },
        }),
      );
    }
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    const env = { ...process.env, DATABASE_URL: stackInfo().endpoints.databaseUrl };
    const intact = await run('npx', ['tsx', 'ops/scripts/verify-audit-chain.ts'], { cwd: rootDir, env });
    expect(intact.stdout).toMatch(/audit chain intact/);

    // The table refuses UPDATE and DELETE outright…
    await expect(
      db.query("UPDATE audit_log SET details = '{\"i\": 99}' WHERE action = 'test.audit.appended'"),
    ).rejects.toThrow(/append-only/);
    // …so an attacker with owner rights disables the trigger first; the chain still gives them away.
    const victim = await db.query<{ seq: number }>(
      "SELECT seq FROM audit_log WHERE action = 'test.audit.appended' ORDER BY seq LIMIT 1",
    );
    const seq = victim.rows[0]!.seq;
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      await tx.query(`UPDATE audit_log SET details = '{"i": 99}' WHERE seq = $1`, [seq]);
      await tx.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAtSeq: seq });
    const broken = await run('npx', ['tsx', 'ops/scripts/verify-audit-chain.ts'], { cwd: rootDir, env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`BROKEN at seq ${seq}`));

    // Put it back so other tests that append keep a verifiable chain.
    const original = await db.query<{ details: unknown }>('SELECT details FROM audit_log WHERE seq = $1', [seq]);
    expect(original.rows[0]!.details).toEqual({ i: 99 });
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      await tx.query(`UPDATE audit_log SET details = $2 WHERE seq = $1`, [
        seq,
        JSON.stringify({ i: 0, nested: { b: 1, a: [1, 2] } }),
      ]);
      await tx.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it('keeps one chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        db.transaction((tx) =>
          appendAudit(tx, { actor: 'system:test', action: 'test.audit.concurrent', subject: null, details: { i } }),
        ),
      ),
    );
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });
});

describe('DynamoDB token buckets', () => {
  it('allows up to capacity, then refuses with a Retry-After, then refills with time', async () => {
    const clock = new ManualClock(Date.now());
    const limiter = new DynamoDbRateLimiter(
      DynamoDBDocumentClient.from(dynamo),
      physicalTableName('local', controlTable),
      clock,
    );
    const policy = { name: `test-${Date.now()}`, capacity: 3, refillPerSecond: 0.5 };
    for (let i = 0; i < 3; i++) await enforceRateLimits(limiter, [{ policy, key: 'ip:203.0.113.7' }]);
    const refused = await enforceRateLimits(limiter, [{ policy, key: 'ip:203.0.113.7' }]).catch((error) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused.retryAfterSeconds).toBe(2);
    // Another key has its own bucket.
    await enforceRateLimits(limiter, [{ policy, key: 'ip:198.51.100.1' }]);
    clock.advance(2_000);
    await enforceRateLimits(limiter, [{ policy, key: 'ip:203.0.113.7' }]);
  });

  it('never spends more tokens than the bucket holds under concurrency', async () => {
    const limiter = new DynamoDbRateLimiter(
      DynamoDBDocumentClient.from(dynamo),
      physicalTableName('local', controlTable),
    );
    const policy = { name: `race-${Date.now()}`, capacity: 5, refillPerSecond: 0.001 };
    const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.consume(policy, 'user:usr_race')));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
  });
  it('takes over a bucket written in the earlier token format (no tat) as a full one', async () => {
    const client = DynamoDBDocumentClient.from(dynamo);
    const table = physicalTableName('local', controlTable);
    const limiter = new DynamoDbRateLimiter(client, table);
    const policy = { name: `legacy-${Date.now()}`, capacity: 2, refillPerSecond: 0.001 };
    await client.send(
      new PutCommand({
        TableName: table,
        Item: { pk: `RL#${policy.name}#ip:203.0.113.9`, tokens: 0, refilledAt: Date.now(), version: 3, expiresAt: 0 },
      }),
    );
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await limiter.consume(policy, 'ip:203.0.113.9'));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false]);
    expect(decisions[2]!.retryAfterSeconds).toBeGreaterThan(900);
  });
});

describe('DynamoDB idempotency records', () => {
  it('runs a side effect once per key and replays its result', async () => {
    const store = new DynamoDbIdempotencyStore(
      DynamoDBDocumentClient.from(dynamo),
      physicalTableName('local', controlTable),
    );
    const key = `test-${Date.now()}`;
    let effects = 0;
    const effect = async () => ({ charged: ++effects });
    const first = await withIdempotency(store, { key, request: { amount: 10 } }, effect);
    const second = await withIdempotency(store, { key, request: { amount: 10 } }, effect);
    expect(first).toEqual({ charged: 1 });
    expect(second).toEqual({ charged: 1 });
    expect(effects).toBe(1);
    await expect(withIdempotency(store, { key, request: { amount: 11 } }, effect)).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('lets a retry run again after the first attempt failed', async () => {
    const store = new DynamoDbIdempotencyStore(
      DynamoDBDocumentClient.from(dynamo),
      physicalTableName('local', controlTable),
    );
    const key = `fail-${Date.now()}`;
    await expect(
      withIdempotency(store, { key, request: {} }, async () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(await withIdempotency(store, { key, request: {} }, async () => 'ok')).toBe('ok');
  });
});

describe('tables come from the shared specs', () => {
  it.each(tables.map((spec) => [spec.id, spec] as const))(
    '%s matches its spec (keys, GSIs, TTL)',
    async (_id, spec) => {
      const expected = createTableInput('local', spec);
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: expected.TableName }));
      expect(Table?.KeySchema).toEqual(expected.KeySchema);
      expect(
        (Table?.GlobalSecondaryIndexes ?? [])
          .map((index) => ({ IndexName: index.IndexName, KeySchema: index.KeySchema }))
          .sort((a, b) => a.IndexName!.localeCompare(b.IndexName!)),
      ).toEqual(
        (expected.GlobalSecondaryIndexes ?? []).map((index) => ({
          IndexName: index.IndexName,
          KeySchema: index.KeySchema,
        })),
      );
      const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: expected.TableName }));
      if (spec.ttlAttribute)
        expect(ttl.TimeToLiveDescription).toMatchObject({
          TimeToLiveStatus: 'ENABLED',
          AttributeName: spec.ttlAttribute,
        });
      else expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).not.toBe('ENABLED');
    },
  );
});

describe('outbox relay and idempotent consumers', () => {
  it('publishes committed events only, and a redelivered event is applied once', async () => {
    // A catalog event no consumer of the stack subscribes to, about a city no one else uses.
    const marker = `m-${Date.now()}`;
    const flag = (enabled: boolean) =>
      buildEvent('feature_flag.changed', { city: marker, key: 'relay-test', enabled, previous: null });
    await db.transaction((tx) => enqueueEvent(tx, flag(true)));
    await db
      .transaction(async (tx) => {
        await enqueueEvent(tx, flag(false));
        throw new Error('abort');
      })
      .catch(() => undefined);
    expect(
      (
        await db.query(
          `SELECT type, version, payload->>'enabled' AS enabled FROM outbox_events WHERE aggregate_id = $1`,
          [marker],
        )
      ).rows,
    ).toEqual([{ type: 'feature_flag.changed', version: 1, enabled: 'true' }]);

    // Drive a private relay against the same table, as a second relay instance would.
    const bus = new InProcessEventBus();
    const applied: string[] = [];
    const consumer = async (event: EventEnvelope) => {
      if (event.aggregateId !== marker) return;
      await consumeOnce(db, 'test-consumer', event, async () => {
        applied.push(event.id);
      });
    };
    bus.subscribe(['feature_flag.*'], consumer);
    const seen: EventEnvelope[] = [];
    bus.subscribe(['feature_flag.changed'], async (event) => {
      if (event.aggregateId === marker) seen.push(event);
    });
    // The stack's own relay may have taken it already: reset it to unpublished to exercise ours.
    await db.query('UPDATE outbox_events SET published_at = NULL WHERE aggregate_id = $1', [marker]);
    for (let i = 0; i < 20 && seen.length === 0; i++) await relayOutboxBatch(db, bus, 500);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'feature_flag.changed', version: 1, aggregateType: 'city' });
    await consumer(seen[0]!); // redelivery
    expect(applied.filter((id) => id === seen[0]!.id)).toHaveLength(1);
  });

  it('refuses, before anything is written, an event whose payload is not in the catalog', async () => {
    const marker = `m-${Date.now()}-bad`;
    await expect(
      db.transaction((tx) =>
        enqueueEvent(tx, {
          ...buildEvent('feature_flag.changed', { city: marker, key: 'relay-test', enabled: true, previous: null }),
          payload: { city: marker, key: 'relay-test', enabled: 'yes', previous: null },
        } as never),
      ),
    ).rejects.toThrow(/feature_flag.changed v1 payload does not match the event catalog: enabled/);
    expect((await db.query('SELECT 1 FROM outbox_events WHERE aggregate_id = $1', [marker])).rows).toEqual([]);
  });
});

describe('developer mailbox', () => {
  it('is served locally as JSON, newest first', async () => {
    const response = await fetch(`${stackInfo().endpoints.restUrl}/dev/mailbox`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { messages: unknown[] };
    expect(Array.isArray(body.messages)).toBe(true);
  });
});
