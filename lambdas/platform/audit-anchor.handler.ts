/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally
 * /dev/jobs/audit-anchor): writes the audit chain's head to the write-once anchors bucket, as the
 * platform role (SELECT (seq, hash) on audit_log only).
 */
import * as z from 'zod';
import { baseEnvSchema, configOnce, parseConfig } from '../core/config.ts';
import { anchorAuditHead } from '../core/db/audit-anchors.ts';
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
  return outcome;
}
