/**
 * WORM anchors of the audit chain (issue #16) on the local stack: the scheduled job
 * (/dev/jobs/audit-anchor, the hourly EventBridge rule in AWS) writes the chain's head to the
 * anchors bucket (s3rver here; S3 Object Lock COMPLIANCE in AWS), the store refuses to overwrite an
 * anchor, `npm run audit:verify` checks the chain against the anchors, and a row changed before an
 * anchor is detected even when every later hash was recomputed (which the chain alone cannot see),
 * as is a tail truncated behind an anchor. The tampering happens inside a transaction that is rolled
 * back, so no other test sharing the stack ever sees a broken chain.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditAnchorsBucket, physicalBucketName } from '../../infra/definitions/buckets.ts';
import { S3AnchorStore } from '../../lambdas/adapters/s3-anchor-store.ts';
import {
  anchorAuditHead,
  anchorKey,
  AnchorIntegrityError,
  verifyAuditChainWithAnchors,
} from '../../lambdas/core/db/audit-anchors.ts';
import { freePort } from '../../infra/local/processes.ts';
import { startS3 } from '../../infra/local/s3.ts';
import { appendAudit, chainHash, verifyAuditChain } from '../../lambdas/core/db/audit-log.ts';
import { createDatabase, type Database, type Transaction } from '../../lambdas/core/db/database.ts';
import { stackInfo } from '../support/clients.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const bucket = physicalBucketName('local', auditAnchorsBucket);

let db: Database;
let s3: S3Client;
let store: S3AnchorStore;

const s3ClientAt = (endpoint: string) =>
  new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

async function s3Error(promise: Promise<unknown>): Promise<{ status?: number; name: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return { status: error.$metadata.httpStatusCode, name: error.name };
    throw error;
  }
  throw new Error('expected S3 to refuse the request');
}

/** Runs audit:verify as operators do, against `endpoint`'s anchors bucket. */
async function auditVerify(endpoint: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'ops/scripts/verify-audit-chain.ts'], {
      cwd: rootDir,
      env: {
        ...process.env,
        DATABASE_URL: stackInfo().endpoints.databaseUrl,
        AUDIT_ANCHORS_BUCKET: bucket,
        S3_ENDPOINT: endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(() => {
  db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 2 });
  s3 = s3ClientAt(stackInfo().endpoints.s3Endpoint);
  store = new S3AnchorStore(s3, bucket);
});
afterAll(async () => {
  await db.close();
  s3.destroy();
});

async function runAnchorJob(): Promise<{ kind: string; anchor?: { seq: number; hash: string }; key?: string }> {
  const answer = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/audit-anchor`);
  expect(answer.status).toBe(200);
  return (await answer.json()) as { kind: string; anchor?: { seq: number; hash: string }; key?: string };
}

/** Runs `tamper` in a transaction holding the chain's lock with the append-only trigger off; always rolls back. */
async function inRolledBackTamper(tamper: (tx: Transaction) => Promise<void>): Promise<void> {
  const rollback = new Error('rollback');
  await db
    .transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7201001)');
      await tx.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      await tamper(tx);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
}

describe('audit chain anchors', () => {
  it('anchors the head write-once, verifies against it, and detects a recomputed chain and a truncated one', async () => {
    const appended: number[] = [];
    for (let i = 0; i < 3; i++)
      appended.push(
        (
          await db.transaction((tx) =>
            appendAudit(tx, {
              actor: 'system:test',
              action: 'test.anchor.appended',
              subject: `anchor:${i}`,
              details: { i },
            }),
          )
        ).seq,
      );

    // The job anchors the head (at or after our rows: other files may append meanwhile).
    const outcome = await runAnchorJob();
    expect(outcome.kind).toBe('anchored');
    const anchored = outcome.anchor!;
    expect(anchored.seq).toBeGreaterThanOrEqual(appended[2]!);
    expect(outcome.key).toBe(anchorKey(anchored.seq, anchored.hash));
    const [row] = (await db.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [anchored.seq])).rows;
    expect(row!.hash).toBe(anchored.hash);

    // Write-once: the same key is never replaced, whatever the body.
    const stored = async () =>
      (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: outcome.key! }))).Body!.transformToString();
    const original = await stored();
    expect(await store.putNew(outcome.key!, JSON.stringify({ ...anchored, hash: 'f'.repeat(64) }))).toBe(false);
    expect(await stored()).toBe(original);

    // Verified against every anchor, in process and through `npm run audit:verify`.
    const anchors = await store.list();
    expect(anchors.map((anchor) => anchor.seq)).toContain(anchored.seq);
    expect(await verifyAuditChainWithAnchors(db, anchors)).toMatchObject({ ok: true });
    const verified = await run('npx', ['tsx', 'ops/scripts/verify-audit-chain.ts'], {
      cwd: rootDir,
      env: {
        ...process.env,
        DATABASE_URL: stackInfo().endpoints.databaseUrl,
        AUDIT_ANCHORS_BUCKET: bucket,
        S3_ENDPOINT: stackInfo().endpoints.s3Endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      },
    });
    expect(verified.stdout).toMatch(/audit chain intact: \d+ rows, head [0-9a-f]{64}, \d+ anchors agree/);

    // A row before the anchor changed and every later hash recomputed: the chain alone is "intact",
    // the anchor is not fooled.
    const victim = appended[0]!;
    await inRolledBackTamper(async (tx) => {
      await tx.query(`UPDATE audit_log SET details = '{"i": 99}' WHERE seq = $1`, [victim]);
      const { rows } = await tx.query<{
        seq: number;
        occurred_at: Date;
        actor: string;
        action: string;
        subject: string | null;
        details: unknown;
        prev_hash: string;
      }>(
        'SELECT seq, occurred_at, actor, action, subject, details, prev_hash FROM audit_log WHERE seq >= $1 ORDER BY seq',
        [victim],
      );
      let previous = rows[0]!.prev_hash;
      for (const entry of rows) {
        const hash = chainHash(previous, {
          seq: entry.seq,
          occurredAt: entry.occurred_at.toISOString(),
          actor: entry.actor,
          action: entry.action,
          subject: entry.subject,
          details: entry.details,
        });
        await tx.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [entry.seq, previous, hash]);
        previous = hash;
      }
      expect(await verifyAuditChain(tx)).toMatchObject({ ok: true });
      const checked = await verifyAuditChainWithAnchors(tx, anchors);
      expect(checked).toMatchObject({ ok: false });
      const firstAnchorAfter = Math.min(...anchors.filter((a) => a.seq >= victim).map((a) => a.seq));
      expect(checked).toMatchObject({ brokenAtSeq: firstAnchorAfter });
      expect(!checked.ok && checked.reason).toMatch(/differs from its anchor/);
    });

    // The tail cut off behind the anchor (the chain that is left is intact).
    await inRolledBackTamper(async (tx) => {
      await tx.query('DELETE FROM audit_log WHERE seq >= $1', [anchored.seq]);
      expect(await verifyAuditChain(tx)).toMatchObject({ ok: true });
      const checked = await verifyAuditChainWithAnchors(tx, anchors);
      expect(checked).toMatchObject({ ok: false, brokenAtSeq: anchored.seq });
      expect(!checked.ok && checked.reason).toMatch(/truncated/);
    });

    // Rolled back: intact for everyone else.
    expect(await verifyAuditChainWithAnchors(db, await store.list())).toMatchObject({ ok: true });
  }, 120_000);

  it('refuses deletes and unconditional overwrites on the anchors bucket, as its policy and Object Lock do', async () => {
    const outcome = await runAnchorJob();
    expect(['anchored', 'unchanged']).toContain(outcome.kind);
    expect(outcome).toMatchObject({ anchorsChecked: expect.any(Number) });
    const key = outcome.key!;
    const before = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    expect(before.Versions?.map((version) => version.Key)).toEqual([key]);

    expect(await s3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })))).toEqual({
      status: 403,
      name: 'AccessDenied',
    });
    const versionId = before.Versions![0]!.VersionId!;
    expect(await s3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })))).toEqual(
      { status: 403, name: 'AccessDenied' },
    );
    expect(
      await s3Error(s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: key }] } }))),
    ).toMatchObject({ status: 403 });
    expect(await s3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"seq":1}' })))).toMatchObject(
      { status: 403, name: 'AccessDenied' },
    );
    expect(
      await s3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"seq":1}', IfNoneMatch: '*' }))),
    ).toMatchObject({ status: 412 });

    // Nothing changed: one version, the latest, and the job still finds every anchor intact.
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    expect(after.Versions?.map((version) => [version.Key, version.VersionId, version.IsLatest])).toEqual([
      [key, versionId, true],
    ]);
    expect(after.DeleteMarkers ?? []).toEqual([]);
    expect((await runAnchorJob()).kind).toBe('unchanged');
  });

  it('of concurrent writers of one new key, exactly one wins (conditional write)', async () => {
    const key = anchorKey(999_999_999, 'a'.repeat(64)).replace('anchors/', 'race/');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.putNew(key, JSON.stringify({ writer: i }))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("with the deny policy lifted, a delete marker hides an anchor: the store check (the job's) and audit:verify fail AUDIT.ANCHOR_HIDDEN", async () => {
    // A second s3rver whose anchors bucket lacks the deny-delete policy (what an operator lifting it
    // would leave): DeleteObject then adds a delete marker, as S3 with Object Lock allows.
    const dataDir = mkdtempSync(join(tmpdir(), 'rastup-anchors-'));
    const startLifted = async () =>
      startS3({
        port: await freePort(),
        dataDir: join(dataDir, 's3'),
        stage: 'local',
        buckets: [auditAnchorsBucket],
        denyDeletes: false,
      });
    let lifted = await startLifted();
    let client = s3ClientAt(lifted.endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
      const liftedStore = new S3AnchorStore(client, bucket);
      const first = await anchorAuditHead(db, liftedStore, new Date());
      expect(first.kind).toBe('anchored');
      await db.transaction((tx) =>
        appendAudit(tx, { actor: 'system:test', action: 'test.anchor.hidden', subject: 'anchor:hidden', details: {} }),
      );
      expect((await anchorAuditHead(db, liftedStore, new Date())).kind).toBe('anchored');
      expect(await liftedStore.list()).toHaveLength(2);
      expect(await liftedStore.assertNoneHidden()).toBe(2);
      expect((await auditVerify(lifted.endpoint)).stdout).toMatch(/2 anchors agree/);

      // Hide the first anchor: a plain listing would now simply show one anchor fewer.
      const hiddenKey = first.kind === 'anchored' ? first.key : '';
      const deleted = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: hiddenKey }));
      expect(deleted.DeleteMarker).toBe(true);
      // The locked version itself cannot be deleted (COMPLIANCE retention).
      const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: hiddenKey }));
      expect(versions.DeleteMarkers?.map((marker) => marker.IsLatest)).toEqual([true]);
      const locked = versions.Versions![0]!;
      expect(locked.IsLatest).toBe(false);
      expect(
        await s3Error(
          client.send(new DeleteObjectCommand({ Bucket: bucket, Key: hiddenKey, VersionId: locked.VersionId })),
        ),
      ).toMatchObject({ status: 403 });
      const kept = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: hiddenKey, VersionId: locked.VersionId }),
      );
      expect(JSON.parse(await kept.Body!.transformToString())).toMatchObject({
        seq: first.kind === 'anchored' ? first.anchor.seq : 0,
      });

      // The job's check (listing only) and the full read both refuse.
      await expect(liftedStore.assertNoneHidden()).rejects.toMatchObject({ code: 'AUDIT.ANCHOR_HIDDEN' });
      const hidden = await liftedStore.list().catch((error: unknown) => error);
      expect(hidden).toBeInstanceOf(AnchorIntegrityError);
      expect(hidden).toMatchObject({ code: 'AUDIT.ANCHOR_HIDDEN', key: hiddenKey, errorType: 'ANCHOR_HIDDEN' });
      const verified = await auditVerify(lifted.endpoint);
      expect(verified.code).toBe(1);
      expect(verified.stderr).toContain('AUDIT.ANCHOR_HIDDEN');
      expect(verified.stderr).toContain(hiddenKey);

      // The stand-in's version history survives a restart (as S3's does): still hidden, still kept.
      client.destroy();
      await lifted.stop();
      lifted = await startLifted();
      client = s3ClientAt(lifted.endpoint);
      await expect(new S3AnchorStore(client, bucket).assertNoneHidden()).rejects.toMatchObject({
        code: 'AUDIT.ANCHOR_HIDDEN',
        key: hiddenKey,
      });
      const afterRestart = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: hiddenKey, VersionId: locked.VersionId }),
      );
      expect(await afterRestart.Body!.transformToString()).toContain(
        `"seq":${first.kind === 'anchored' ? first.anchor.seq : 0}`,
      );
    } finally {
      client.destroy();
      await lifted.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
