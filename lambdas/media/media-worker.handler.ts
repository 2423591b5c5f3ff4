/**
 * Media worker Lambda (heavy: sharp's native libvips; locally also tfjs + nsfwjs on wasm):
 * consumes `media.uploaded` from its SQS queue. The moderator adapter is chosen by
 * MODERATION_ADAPTER and imported lazily, so AWS bundles never load tfjs.
 */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import type { ImageModerator } from '../core/ports.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { metricsFromEnv } from '../adapters/powertools-metrics.ts';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/s3-object-store.ts';
import { mediaConfig } from './media.config.ts';
import { MediaWorkerService } from './media-worker.service.ts';
import { mediaBuckets } from './media.module.ts';

const logger = createLogger({ service: 'media-worker' });

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
        db,
        new S3ObjectStore(s3ClientFromEnv()),
        moderator,
        mediaBuckets(),
        logger,
        metricsFromEnv(),
      ),
  );
  worker.catch(() => (worker = undefined));
  return worker;
}

export const events = createEventDispatcher({
  'media.uploaded': async (event) => (await mediaWorker()).handle(event),
});

export const handler = createDomainHandler({
  logger,
  events,
});
