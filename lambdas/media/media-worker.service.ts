/**
 * The moderation worker: consumes `media.uploaded`, and for each item
 *   1. reads the private upload and sniffs its real type again (the object could have been
 *      replaced between upload-complete and now),
 *   2. decodes it once with EXIF orientation applied and re-encodes without metadata (GPS gone),
 *   3. makes the crop-box variants (WebP, standard sizes),
 *   4. classifies the whole image through the moderation port into an nsfwBand,
 *   5. writes the variants to the private bucket only, whatever the verdict,
 *   6. commits once per event (consumeOnce), and only if the item is still PROCESSING: band 0 →
 *      READY plus `media.publishable` (the publisher, media-lifecycle.service.ts, copies to the
 *      public bucket after this commit); band ≥ 1 → FLAGGED and a moderation case for an admin.
 * Nothing here writes to the public bucket: a redelivered event, or an item deleted while the worker
 * ran, can therefore never leave a public copy behind (the worker removes what it wrote instead).
 * Verification documents are stripped and stored privately; they are never classified into public.
 */
import { enqueueEvent } from '../core/db/outbox.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import { buildEvent, type DomainEvent } from '../core/events/catalog.ts';
import type { Logger } from '../core/log.ts';
import {
  noMetrics,
  type ImageModerator,
  type MetricsRecorder,
  type ModerationResult,
  type ObjectStore,
} from '../core/ports.ts';
import { customMetrics } from '../../infra/definitions/metrics.ts';
import { processImage } from './image-pipeline.ts';
import { SNIFF_BYTES, sniffImageType } from './media-policy.ts';
import type { MediaBuckets } from './media.config.ts';
import type { MediaData } from './media.repositories.ts';
import type { MediaRow, StoredVariant } from './media.repository.ts';
import { MEDIA_PUBLISHABLE, isPublishable, privateVariantKey } from './media-publication.ts';
import { MEDIA_PROCESSED } from './media.service.ts';

const CONSUMER = 'media-moderation';
const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

export interface ProcessTimings {
  readonly variantsMs: number;
  readonly moderationMs: number;
}

export class MediaWorkerService {
  constructor(
    private readonly db: MediaData,
    private readonly store: ObjectStore,
    private readonly moderator: ImageModerator,
    private readonly buckets: MediaBuckets,
    private readonly logger: Logger,
    private readonly metrics: MetricsRecorder = noMetrics,
  ) {}

  async handle(event: DomainEvent<'media.uploaded'>): Promise<ProcessTimings | null> {
    const { mediaId } = event.payload;
    const row = await this.db.media.findById(mediaId);
    // Deleted meanwhile, or already processed by an earlier delivery: nothing to do.
    if (!row || row.status !== 'PROCESSING') return null;

    const input = await this.store.read(this.buckets.originals, row.incoming_key);
    const type = input ? await sniffImageType(input.subarray(0, SNIFF_BYTES)) : null;
    if (!input || type === null) {
      await this.fail(event, row, 'unreadable');
      if (input) await this.store.delete(this.buckets.originals, row.incoming_key);
      return null;
    }

    const startedAt = performance.now();
    let processed;
    try {
      processed = await processImage(input, type, row.crop);
    } catch (error) {
      // Corrupt or hostile image (decoder error, pixel bomb): fail the item, not the queue.
      this.logger.warn('image could not be processed', { mediaId: row.id, error });
      await this.fail(event, row, 'undecodable');
      await this.store.delete(this.buckets.originals, row.incoming_key);
      return null;
    }
    const variantsMs = performance.now() - startedAt;

    const originalKey = `originals/${row.owner_user_id}/${row.id}.${EXTENSIONS[type]}`;
    await this.store.write(this.buckets.originals, originalKey, processed.original, type);

    const moderationStartedAt = performance.now();
    const isDocument = row.owner_type === 'VERIFICATION';
    const verdict: ModerationResult = isDocument
      ? { band: 1, labels: ['verification-document'], provider: 'none' }
      : await this.moderator.classify(processed.moderationJpeg);
    const moderationMs = performance.now() - moderationStartedAt;

    const variants: StoredVariant[] = [];
    for (const variant of processed.variants) {
      const key = privateVariantKey(row.id, variant.name);
      await this.store.write(this.buckets.originals, key, variant.body, 'image/webp');
      variants.push({ name: variant.name, key, width: variant.width, height: variant.height, format: 'webp' });
    }

    const status = isDocument || verdict.band === 0 ? 'READY' : 'FLAGGED';
    const band = isDocument ? null : verdict.band;
    let saved = false;
    await consumeOnce(this.db, CONSUMER, event, async (tx) => {
      saved = await tx.media.saveProcessed({
        id: row.id,
        status,
        originalKey,
        width: processed.width,
        height: processed.height,
        band,
        labels: verdict.labels,
        variants,
      });
      if (!saved) return; // deleted (or processed by a concurrent delivery) meanwhile
      if (status === 'FLAGGED') await tx.media.openCase(row.id, verdict.band, verdict.labels);
      await enqueueEvent(
        tx,
        buildEvent(MEDIA_PROCESSED, {
          mediaId: row.id,
          ownerType: row.owner_type,
          ownerId: row.owner_id,
          status,
          nsfwBand: verdict.band,
        }),
      );
      if (isPublishable({ status, nsfw_band: band, owner_type: row.owner_type })) {
        await enqueueEvent(tx, buildEvent(MEDIA_PUBLISHABLE, { mediaId: row.id }));
      }
    });
    await this.store.delete(this.buckets.originals, row.incoming_key);
    if (!saved) {
      // Deleted while this run worked: nothing refers to what it wrote, so remove it rather than
      // leave orphans. (A concurrent delivery that won wrote the same keys: those must stay.)
      const now = await this.db.media.findById(row.id);
      if (now && now.status !== 'DELETED') return null;
      await Promise.allSettled(
        [originalKey, ...variants.map((variant) => variant.key)].map((key) =>
          this.store.delete(this.buckets.originals, key),
        ),
      );
      this.logger.info('media deleted while processing; discarded this run', { mediaId: row.id });
      return null;
    }
    this.logger.info('media processed', {
      mediaId: row.id,
      status,
      band: verdict.band,
      provider: verdict.provider,
      variantsMs: Math.round(variantsMs),
      moderationMs: Math.round(moderationMs),
    });
    return { variantsMs, moderationMs };
  }

  /**
   * The item cannot be processed (unreadable upload, or an image the pipeline refuses): it becomes
   * FAILED with the reason as its label and `media.processed` announces it, once per delivery
   * (consumeOnce), and the failure is counted for the alarm.
   */
  private async fail(
    event: DomainEvent<'media.uploaded'>,
    row: Pick<MediaRow, 'id' | 'owner_type' | 'owner_id'>,
    reason: 'unreadable' | 'undecodable',
  ): Promise<void> {
    await consumeOnce(this.db, CONSUMER, event, async (tx) => {
      await tx.media.saveProcessed({
        id: row.id,
        status: 'FAILED',
        originalKey: null,
        width: null,
        height: null,
        band: null,
        labels: [reason],
        variants: [],
      });
      await enqueueEvent(
        tx,
        buildEvent(MEDIA_PROCESSED, {
          mediaId: row.id,
          ownerType: row.owner_type,
          ownerId: row.owner_id,
          status: 'FAILED',
        }),
      );
    });
    this.metrics.count(customMetrics.mediaProcessingFailed.name);
  }
}
