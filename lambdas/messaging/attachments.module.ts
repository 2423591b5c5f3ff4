/**
 * Composition root of the attachments Lambda. Apart from the messaging API's, so sharp and the
 * classifier never enter the latency-critical messaging bundle; the moderator adapter is chosen by
 * MODERATION_ADAPTER and imported lazily, as in the media worker (AWS bundles never load tfjs).
 */
import { systemClock } from '../core/clock.ts';
import { createLogger } from '../core/log.ts';
import type { ImageModerator } from '../core/ports.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv } from '../adapters/dynamodb.ts';
import { DynamoDbRateLimiter } from '../adapters/dynamodb-rate-limiter.ts';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/s3-object-store.ts';
import { S3ObjectUrls } from '../adapters/s3-object-urls.ts';
import { SharpImagePreviewer } from '../adapters/sharp-image-previewer.ts';
import { attachmentsConfig } from './attachments.config.ts';
import { AttachmentsService } from './attachments.service.ts';
import { PgDeliverablesStore } from './deliverables.repository.ts';
import { DeliverablesService } from './deliverables.service.ts';
import { ThreadRepository } from './thread.repository.ts';

let moderator: Promise<ImageModerator> | undefined;
function moderatorFromEnv(): Promise<ImageModerator> {
  const config = attachmentsConfig();
  moderator ??=
    config.MODERATION_ADAPTER === 'nsfwjs'
      ? import('../adapters/nsfwjs-moderator.ts').then(
          ({ NsfwjsModerator }) => new NsfwjsModerator({ testMarker: config.MODERATION_TEST_MARKER === 'on' }),
        )
      : import('../adapters/rekognition-moderator.ts').then(({ RekognitionModerator }) => new RekognitionModerator());
  moderator.catch(() => (moderator = undefined));
  return moderator;
}

let service: AttachmentsService | undefined;
export function attachmentsService(): AttachmentsService {
  if (service) return service;
  const config = attachmentsConfig();
  const s3 = s3ClientFromEnv();
  const dynamo = documentClientFromEnv();
  service = new AttachmentsService(
    new ThreadRepository(dynamo, config.MESSAGING_TABLE),
    new S3ObjectStore(s3),
    new S3ObjectUrls(s3),
    new SharpImagePreviewer(),
    moderatorFromEnv,
    config.MESSAGE_PREVIEWS_BUCKET,
    systemClock,
    createLogger({ service: 'messaging-attachments' }),
    // Token buckets, as the matrix's other rows: Retry-After is one token's refill, not a whole window.
    new DynamoDbRateLimiter(dynamo, config.CONTROL_TABLE, systemClock),
  );
  return service;
}

let deliverables: DeliverablesService | undefined;

/** Deliverable manifests: the thread in DynamoDB (membership, its booking), the manifests in PostgreSQL. */
export function deliverablesService(): DeliverablesService {
  if (deliverables) return deliverables;
  const config = attachmentsConfig();
  const s3 = s3ClientFromEnv();
  deliverables = new DeliverablesService(
    new ThreadRepository(documentClientFromEnv(), config.MESSAGING_TABLE),
    // Connected on first use, as the messaging role (grants in db/migrations/3210).
    new PgDeliverablesStore(() => databaseFromEnv('messaging')),
    new S3ObjectStore(s3),
    new S3ObjectUrls(s3),
    config.MESSAGE_PREVIEWS_BUCKET,
    systemClock,
    createLogger({ service: 'messaging-deliverables' }),
  );
  return deliverables;
}
