/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally
 * /dev/jobs/audit-anchor): writes the audit chain's head to the write-once anchors bucket, as the
 * platform role (SELECT (seq, hash) on audit_log only). Then it lists every anchor's versions: one
 * hidden behind a delete marker fails the run with AUDIT.ANCHOR_HIDDEN (the job's error alarm),
 * within the hour, not at the next manual audit:verify (which also reads and checks every body). Its S3 grant is put + get + list only (no delete).
 */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';
import { AnchorIntegrityError, anchorAuditHead } from '../core/db/audit-anchors.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { S3AnchorStore } from '../adapters/s3-anchor-store.ts';
import { s3ClientFromEnv } from '../adapters/s3-object-store.ts';

export const auditAnchorEnvSchema = baseEnvSchema.extend({ AUDIT_ANCHORS_BUCKET: z.string().min(3) });
const config = configOnce(() => parseConfig(auditAnchorEnvSchema));
const logger = createLogger({ service: 'audit-anchor' });

export async function handler(event: { time?: string } = {}) {
  const store = new S3AnchorStore(s3ClientFromEnv(), config().AUDIT_ANCHORS_BUCKET);
  const outcome = await anchorAuditHead(
    await databaseFromEnv('platform'),
    store,
    event.time ? new Date(event.time) : new Date(),
  );
  logger.info('audit head anchored', {
    outcome: outcome.kind,
    ...(outcome.kind === 'anchored' ? { seq: outcome.anchor.seq, key: outcome.key } : {}),
  });
  try {
    // Listing only: reading every body hourly would grow with the bucket; audit:verify reads them all.
    return { ...outcome, anchorsChecked: await store.assertNoneHidden() };
  } catch (error) {
    if (error instanceof AnchorIntegrityError)
      logger.error('audit anchors tampered with', { code: error.code, key: error.key });
    throw error;
  }
}
