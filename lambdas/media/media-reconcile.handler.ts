/**
 * Scheduled job (EventBridge rule in AWS, `scheduledJobs` in infra/definitions/domains.ts; locally
 * at every start and on `POST /dev/jobs/media-reconcile`): removes objects no media row names
 * (media-reconciler.service.ts).
 */
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/s3-object-store.ts';
import { mediaBuckets } from './media.config.ts';
import { mediaRepositories } from './media.repositories.ts';
import { MediaReconcilerService, type ReconcileResult } from './media-reconciler.service.ts';

const logger = createLogger({ service: 'media-reconcile' });

let reconciler: Promise<MediaReconcilerService> | undefined;
function mediaReconciler(): Promise<MediaReconcilerService> {
  reconciler ??= databaseFromEnv('media').then(
    (db) =>
      new MediaReconcilerService(
        createUnitOfWork(db, mediaRepositories),
        new S3ObjectStore(s3ClientFromEnv()),
        mediaBuckets(),
        logger,
      ),
  );
  reconciler.catch(() => (reconciler = undefined));
  return reconciler;
}

export async function handler(): Promise<ReconcileResult> {
  return (await mediaReconciler()).run();
}
