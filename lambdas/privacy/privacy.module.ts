/** Composition root of the privacy Lambda: config, adapters and one export service per container. */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { systemClock, type Clock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { displayNamesOf } from '../auth/index.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv } from '../adapters/dynamodb.ts';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/s3-object-store.ts';
import { exportExclusions } from './export-coverage.ts';
import { exportSections } from './export-sections.ts';
import { ExportService } from './export.service.ts';
import { privacyConfig } from './privacy.config.ts';
import { privacyRepositories } from './privacy.repositories.ts';
import { RetentionRepository } from './retention.repository.ts';
import { RetentionService } from './retention.service.ts';

/**
 * A BUILDING export older than this is taken as abandoned when its account asks again. The worker's
 * queue (infra/cdk/stacks/async.stack.ts) hides a message for 6 × its 300 s timeout and moves it to the
 * DLQ after 5 receives: 5 × 1800 s = 2.5 h is the longest a build can still be retried; 3 h leaves margin.
 * A late run of a failed request does nothing (the worker builds only BUILDING rows).
 */
export const EXPORT_ABANDON_AFTER_SECONDS = 3 * 3600;

/** The exports bucket's lifecycle expiry of `exports/` (infra/definitions/buckets.ts: one day). */
export const EXPORT_BUNDLE_SECONDS = 24 * 3600;

let service: Promise<ExportService> | undefined;

export function exportService(): Promise<ExportService> {
  service ??= (async () => {
    const config = privacyConfig();
    const db = await databaseFromEnv('privacy');
    const s3 = s3ClientFromEnv();
    const store = new S3ObjectStore(s3);
    const presign = (bucket: string, key: string, expiresIn: number) =>
      getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
    return new ExportService(
      createUnitOfWork(db, privacyRepositories),
      exportSections({
        db,
        dynamo: documentClientFromEnv(),
        messagingTable: config.MESSAGING_TABLE,
        originalUrl: (key) => presign(config.MEDIA_ORIGINALS_BUCKET, key, config.PRIVACY_EXPORT_URL_SECONDS),
      }),
      {
        write: (key, body) => store.write(config.PRIVACY_EXPORTS_BUCKET, key, body, 'application/json', 'no-store'),
        downloadUrl: (key, expiresSeconds) => presign(config.PRIVACY_EXPORTS_BUCKET, key, expiresSeconds),
        deleteUnder: async (prefix) => {
          let deleted = 0;
          for await (const object of store.list(config.PRIVACY_EXPORTS_BUCKET, prefix)) {
            await store.delete(config.PRIVACY_EXPORTS_BUCKET, object.key);
            deleted += 1;
          }
          return deleted;
        },
      },
      (userIds) => displayNamesOf(db, userIds),
      systemClock,
      {
        perDay: config.PRIVACY_EXPORTS_PER_DAY,
        urlSeconds: config.PRIVACY_EXPORT_URL_SECONDS,
        abandonAfterSeconds: EXPORT_ABANDON_AFTER_SECONDS,
        bundleSeconds: EXPORT_BUNDLE_SECONDS,
        excluded: exportExclusions,
      },
      createLogger({ service: 'privacy' }),
    );
  })();
  service.catch(() => (service = undefined));
  return service;
}

/**
 * The retention job (retention-policy.ts). `clock`: the instant the periods count back from (the
 * scheduled event's time, or a `?now=` locally); it needs no bucket, so no export configuration.
 */
export async function retentionService(clock: Clock = systemClock): Promise<RetentionService> {
  // Its own role (db/migrations/3055_retention_role.sql), not the export's: only this job may delete.
  const db = await databaseFromEnv('retention');
  return new RetentionService(new RetentionRepository(db), clock, createLogger({ service: 'privacy' }));
}
