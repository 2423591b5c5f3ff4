/**
 * `npm run audit:verify`: recomputes the audit log's hash chain and checks it against every WORM
 * anchor of its head (the `audit-anchor` job writes them to the Object Lock bucket hourly): exits
 * non-zero at the first row that was changed, removed or reordered, and when the chain was rewritten
 * consistently (every later hash recomputed) or truncated behind an anchor.
 *
 * Reads DATABASE_URL and AUDIT_ANCHORS_BUCKET (AWS credentials from the environment, S3_ENDPOINT for
 * a stand-in), else the running local stack's endpoints.json (its s3rver and the local bucket name).
 * Without an anchors bucket it says so and checks the chain alone. Anchors are read through
 * ListObjectVersions: one hidden behind a delete marker exits 1 with AUDIT.ANCHOR_HIDDEN.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { auditAnchorsBucket, physicalBucketName } from '../../infra/definitions/buckets.ts';
import { S3AnchorStore } from '../../lambdas/adapters/s3-anchor-store.ts';
import {
  AnchorIntegrityError,
  verifyAuditChainWithAnchors,
  type AuditAnchor,
} from '../../lambdas/core/db/audit-anchors.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';

interface Target {
  databaseUrl: string;
  anchors?: { client: S3Client; bucket: string };
}

function target(): Target {
  const stateDir =
    process.env.RASTUP_STATE_DIR ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '.local');
  const endpointsFile = join(stateDir, 'endpoints.json');
  const local = existsSync(endpointsFile)
    ? (JSON.parse(readFileSync(endpointsFile, 'utf8')) as { databaseUrl: string; s3Endpoint?: string })
    : undefined;
  const databaseUrl = process.env.DATABASE_URL ?? local?.databaseUrl;
  if (!databaseUrl) throw new Error('Set DATABASE_URL or start the local stack (npm start) first');
  if (process.env.AUDIT_ANCHORS_BUCKET) {
    const endpoint = process.env.S3_ENDPOINT;
    return {
      databaseUrl,
      anchors: {
        client: new S3Client({
          region: process.env.AWS_REGION ?? 'us-east-1',
          ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        }),
        bucket: process.env.AUDIT_ANCHORS_BUCKET,
      },
    };
  }
  if (!process.env.DATABASE_URL && local?.s3Endpoint)
    return {
      databaseUrl,
      anchors: {
        client: new S3Client({
          region: 'us-east-1',
          endpoint: local.s3Endpoint,
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }),
        bucket: physicalBucketName('local', auditAnchorsBucket),
      },
    };
  return { databaseUrl };
}

async function main(): Promise<number> {
  const { databaseUrl, anchors } = target();
  const db = createDatabase({ connectionString: databaseUrl, max: 1 });
  try {
    let list: AuditAnchor[] = [];
    if (anchors) {
      try {
        list = await new S3AnchorStore(anchors.client, anchors.bucket).list();
      } catch (error) {
        if (!(error instanceof AnchorIntegrityError)) throw error;
        console.error(`audit anchors BROKEN (${error.code}): ${error.message}`);
        return 1;
      }
    } else console.warn('no anchors bucket (AUDIT_ANCHORS_BUCKET): checking the chain alone');
    const result = await verifyAuditChainWithAnchors(db, list);
    if (result.ok) {
      console.log(`audit chain intact: ${result.rows} rows, head ${result.headHash}, ${result.anchors} anchors agree`);
      return 0;
    }
    console.error(`audit chain BROKEN at seq ${result.brokenAtSeq}: ${result.reason} (${result.rows} rows checked)`);
    return 1;
  } finally {
    await db.close();
    anchors?.client.destroy();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((error: Error) => {
    console.error(`audit verification failed to run: ${error.message}`);
    process.exit(2);
  });
