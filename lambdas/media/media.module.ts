/**
 * Composition root of the media API Lambda: one set of adapters per container. The worker
 * (media-worker.module.ts) and the reconciler (media-reconcile.handler.ts) have their own, so sharp,
 * the moderators and the upload presigner stay in the bundles that use them.
 */
import { systemClock } from '../core/clock.ts';
import type { Database } from '../core/db/database.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/s3-object-store.ts';
import { staffAuthority } from '../staff/index.ts';
import { mediaBuckets } from './media.config.ts';
import { MediaLifecycleService } from './media-lifecycle.service.ts';
import { mediaRepositories, type MediaData } from './media.repositories.ts';
import { MediaService } from './media.service.ts';

export { mediaBuckets };

/** The media repositories over a database, as the services take them. */
export function mediaData(db: Database): MediaData {
  return createUnitOfWork(db, mediaRepositories);
}

let service: Promise<MediaService> | undefined;
export function mediaService(): Promise<MediaService> {
  service ??= databaseFromEnv('media').then(
    (db) =>
      new MediaService(
        mediaData(db),
        new S3ObjectStore(s3ClientFromEnv(), createPresignedPost),
        mediaBuckets(),
        systemClock,
        staffAuthority(db, systemClock),
      ),
  );
  service.catch(() => (service = undefined));
  return service;
}

let lifecycle: Promise<MediaLifecycleService> | undefined;
export function mediaLifecycle(): Promise<MediaLifecycleService> {
  lifecycle ??= databaseFromEnv('media').then(
    (db) =>
      new MediaLifecycleService(
        mediaData(db),
        new S3ObjectStore(s3ClientFromEnv()),
        mediaBuckets(),
        createLogger({ service: 'media-lifecycle' }),
      ),
  );
  lifecycle.catch(() => (lifecycle = undefined));
  return lifecycle;
}
