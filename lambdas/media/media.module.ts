/** Composition root of the media API Lambda: one set of adapters per container. */
import { systemClock } from '../core/clock.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/s3-object-store.ts';
import { mediaConfig } from './media.config.ts';
import { MediaLifecycleService } from './media-lifecycle.service.ts';
import { MediaService, type MediaBuckets } from './media.service.ts';

export function mediaBuckets(): MediaBuckets {
  const config = mediaConfig();
  return {
    originals: config.MEDIA_ORIGINALS_BUCKET,
    public: config.MEDIA_PUBLIC_BUCKET,
    publicBaseUrl: config.MEDIA_PUBLIC_BASE_URL,
  };
}

let service: Promise<MediaService> | undefined;
export function mediaService(): Promise<MediaService> {
  service ??= databaseFromEnv('media').then(
    (db) =>
      new MediaService(db, new S3ObjectStore(s3ClientFromEnv(), createPresignedPost), mediaBuckets(), systemClock),
  );
  service.catch(() => (service = undefined));
  return service;
}

let lifecycle: Promise<MediaLifecycleService> | undefined;
export function mediaLifecycle(): Promise<MediaLifecycleService> {
  lifecycle ??= databaseFromEnv('media').then(
    (db) =>
      new MediaLifecycleService(
        db,
        new S3ObjectStore(s3ClientFromEnv()),
        mediaBuckets(),
        createLogger({ service: 'media-lifecycle' }),
      ),
  );
  lifecycle.catch(() => (lifecycle = undefined));
  return lifecycle;
}
