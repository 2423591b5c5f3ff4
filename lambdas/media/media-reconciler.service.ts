/**
 * The media reconciler (a scheduled job): finds objects that no media row names and removes them,
 * so S3 side effects around a commit that was lost or failed (a crash between writing objects and
 * committing, a withdrawal that never ran) cannot leave anything behind — above all, never a
 * rejected or orphaned image in the public bucket.
 *
 *  - Public bucket, `media/<mediaId>/…`: an object stays only while its row is publishable
 *    (READY, band 0, not a verification document) and the row's `public_variants` name it. Checked
 *    again under the row lock before deleting: the publisher writes public copies while holding
 *    that lock and names them in the same transaction, so a copy in progress is waited for, never
 *    mistaken for an orphan.
 *  - Originals bucket, `variants/<mediaId>/…` and `originals/<userId>/<mediaId>.<ext>`: an object
 *    stays while its row is PROCESSING (the worker writes these before it commits, and a redelivery
 *    writes them again) or names it (`variants`, `original_key`). A row that has left PROCESSING
 *    never comes to name new private objects, so an unnamed one then is an orphan for good.
 *    `incoming/` uploads are left to the bucket's one-day expiry.
 * Idempotent; safe to run at any time, concurrently with the API, the worker and the publisher.
 */
import { isId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { ObjectLister, ObjectStore } from '../core/ports.ts';
import { isPublishable } from './media-publication.ts';
import type { NamingRow } from './media-reconciler.repository.ts';
import type { MediaBuckets } from './media.config.ts';
import type { MediaRepositories } from './media.repositories.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';

export interface ReconcileResult {
  readonly scanned: number;
  /** Keys removed from the public bucket. */
  readonly removedPublic: readonly string[];
  /** Keys removed from the originals bucket. */
  readonly removedPrivate: readonly string[];
}

/** Which media item a key belongs to, or null for keys the reconciler does not own. */
export function mediaIdOfKey(bucket: 'public' | 'originals', key: string): string | null {
  const parts = key.split('/');
  let id: string | undefined;
  if (bucket === 'public' && parts[0] === 'media' && parts.length === 3) id = parts[1];
  else if (bucket === 'originals' && parts[0] === 'variants' && parts.length === 3) id = parts[1];
  else if (bucket === 'originals' && parts[0] === 'originals' && parts.length === 3) id = parts[2]!.split('.')[0];
  return id && isId('media', id) ? id : null;
}

/** Whether the committed row keeps `key` (absent row: nothing keeps it). */
export function isNamed(bucket: 'public' | 'originals', key: string, row: NamingRow | null | undefined): boolean {
  if (!row) return false;
  if (bucket === 'public') return isPublishable(row) && row.public_variants.some((variant) => variant.key === key);
  if (row.status === 'PROCESSING') return true;
  return row.original_key === key || row.variants.some((variant) => variant.key === key);
}

const BATCH = 500;

export class MediaReconcilerService {
  constructor(
    private readonly db: UnitOfWork<Pick<MediaRepositories, 'naming'>>,
    private readonly store: ObjectStore & ObjectLister,
    private readonly buckets: MediaBuckets,
    private readonly logger: Logger,
  ) {}

  async run(): Promise<ReconcileResult> {
    let scanned = 0;
    const removedPublic: string[] = [];
    const removedPrivate: string[] = [];
    const sweep = async (bucket: 'public' | 'originals', prefixes: readonly string[], removed: string[]) => {
      for (const prefix of prefixes) {
        let batch: { key: string; mediaId: string }[] = [];
        const flush = async () => {
          scanned += batch.length;
          removed.push(...(await this.removeUnnamed(bucket, batch)));
          batch = [];
        };
        for await (const object of this.store.list(this.buckets[bucket], prefix)) {
          const mediaId = mediaIdOfKey(bucket, object.key);
          if (!mediaId) continue;
          batch.push({ key: object.key, mediaId });
          if (batch.length >= BATCH) await flush();
        }
        await flush();
      }
    };
    await sweep('public', ['media/'], removedPublic);
    await sweep('originals', ['variants/', 'originals/'], removedPrivate);
    const result = { scanned, removedPublic, removedPrivate };
    if (removedPublic.length + removedPrivate.length > 0)
      // Each removal is a side effect whose commit was lost or whose withdrawal never ran: worth a look.
      this.logger.warn('media reconciler removed unnamed objects', {
        removedPublic: removedPublic.length,
        removedPrivate: removedPrivate.length,
        keys: [...removedPublic, ...removedPrivate].slice(0, 50),
      });
    else this.logger.debug('media reconciler found nothing to remove', { scanned });
    return result;
  }

  /** Suspects from one unlocked read; each suspect's row is then locked and checked again before deleting. */
  private async removeUnnamed(
    bucket: 'public' | 'originals',
    objects: readonly { key: string; mediaId: string }[],
  ): Promise<string[]> {
    const rows = await this.db.naming.findMany([...new Set(objects.map((object) => object.mediaId))]);
    const suspects = new Map<string, string[]>();
    for (const { key, mediaId } of objects) {
      if (isNamed(bucket, key, rows.get(mediaId))) continue;
      suspects.set(mediaId, [...(suspects.get(mediaId) ?? []), key]);
    }
    const removed: string[] = [];
    for (const [mediaId, keys] of suspects) {
      await this.db.transaction(async (tx) => {
        const row = await tx.naming.lock(mediaId);
        for (const key of keys) {
          if (isNamed(bucket, key, row)) continue;
          await this.store.delete(this.buckets[bucket], key);
          removed.push(key);
        }
      });
    }
    return removed;
  }
}
