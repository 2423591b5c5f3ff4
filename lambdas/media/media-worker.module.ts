/**
 * Composition root of the media worker Lambda. The moderator adapter is chosen by
 * MODERATION_ADAPTER and imported lazily, so AWS bundles never load tfjs. It shares no module with
 * the API's composition root, so the upload presigner never enters the worker bundle.
 */
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { createLogger } from '../core/log.ts';
import type { ImageModerator } from '../core/ports.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { metricsFromEnv } from '../adapters/powertools-metrics.ts';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/s3-object-store.ts';
import { mediaBuckets, mediaConfig } from './media.config.ts';
import { mediaRepositories } from './media.repositories.ts';
import { MediaWorkerService } from './media-worker.service.ts';

async function moderatorFromEnv(): Promise<ImageModerator> {
  const config = mediaConfig();
  if (config.MODERATION_ADAPTER === 'nsfwjs') {
    const { NsfwjsModerator } = await import('../adapters/nsfwjs-moderator.ts');
    return new NsfwjsModerator({ testMarker: config.MODERATION_TEST_MARKER === 'on' });
  }
  const { RekognitionModerator } = await import('../adapters/rekognition-moderator.ts');
  return new RekognitionModerator();
}

let worker: Promise<MediaWorkerService> | undefined;
export function mediaWorker(): Promise<MediaWorkerService> {
  worker ??= Promise.all([databaseFromEnv('media'), moderatorFromEnv()]).then(
    ([db, moderator]) =>
      new MediaWorkerService(
        createUnitOfWork(db, mediaRepositories),
        new S3ObjectStore(s3ClientFromEnv()),
        moderator,
        mediaBuckets(),
        createLogger({ service: 'media-worker' }),
        metricsFromEnv(),
      ),
  );
  worker.catch(() => (worker = undefined));
  return worker;
}
