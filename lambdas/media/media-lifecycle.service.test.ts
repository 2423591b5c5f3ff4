/**
 * The media consumers that touch the public bucket (publisher, withdrawal, account erasure) and the
 * reconciler, with the real services and in-memory fakes of the media repositories, an object store
 * and the kernel: only a still-publishable item is copied (once), withdrawals delete what they list,
 * erasure tombstones every live item, and the reconciler removes exactly the objects no row names.
 */
import { describe, expect, it } from 'vitest';
import { newDomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import type { ObjectLister, ObjectStore } from '../core/ports.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import { MediaLifecycleService } from './media-lifecycle.service.ts';
import type { MediaReconcilerStore, NamingRow } from './media-reconciler.repository.ts';
import { MediaReconcilerService } from './media-reconciler.service.ts';
import type { MediaRow, MediaStore, StoredVariant } from './media.repository.ts';

const OWNER = newId('user');
const buckets = { originals: 'originals', public: 'public', publicBaseUrl: 'https://cdn.test' };
const logger = createLogger({ service: 'test' });

/** Buckets in memory: `bucket/key` → bytes. */
class MemoryStore {
  readonly objects = new Map<string, Buffer>();
  store(): ObjectStore & ObjectLister {
    return fake<ObjectStore & ObjectLister>('object store', {
      read: async (bucket, key) => this.objects.get(`${bucket}/${key}`) ?? null,
      write: async (bucket, key, body) => void this.objects.set(`${bucket}/${key}`, body),
      delete: async (bucket, key) => void this.objects.delete(`${bucket}/${key}`),
      list: (bucket, prefix) => {
        const keys = [...this.objects.keys()]
          .filter((path) => path.startsWith(`${bucket}/${prefix}`))
          .map((path) => ({ key: path.slice(bucket.length + 1) }));
        return (async function* () {
          yield* keys;
        })();
      },
    });
  }
  keys(bucket: string): string[] {
    return [...this.objects.keys()].filter((path) => path.startsWith(`${bucket}/`)).sort();
  }
}

function item(overrides: Partial<MediaRow> = {}): MediaRow {
  const id = overrides.id ?? newId('media');
  return {
    id,
    owner_user_id: OWNER,
    owner_type: 'PROFILE',
    owner_id: newId('profile'),
    status: 'READY',
    declared_content_type: 'image/jpeg',
    declared_size_bytes: 1000,
    detected_content_type: 'image/jpeg',
    size_bytes: 1000,
    incoming_key: `incoming/${OWNER}/${id}`,
    original_key: `originals/${OWNER}/${id}.jpg`,
    crop: null,
    alt_text: null,
    width: 100,
    height: 100,
    nsfw_band: 0,
    variants: [{ name: 'w640', key: `variants/${id}/w640.webp`, width: 640, height: 480, format: 'webp' }],
    public_variants: [],
    sort_order: 0,
    is_cover: false,
    upload_expires_at: new Date(0),
    created_at: new Date(0),
    ...overrides,
  };
}

function setup() {
  const rows = new Map<string, MediaRow>();
  const objects = new MemoryStore();
  const locked: string[] = [];
  const media = fake<MediaStore>('media', {
    findById: async (id) => rows.get(id) ?? null,
    setPublicVariants: async (id, variants: StoredVariant[]) =>
      void rows.set(id, { ...rows.get(id)!, public_variants: variants }),
    lockLiveOfUser: async (userId) =>
      [...rows.values()].filter((row) => row.owner_user_id === userId && row.status !== 'DELETED'),
    markDeleted: async (id) => void rows.set(id, { ...rows.get(id)!, status: 'DELETED' }),
  });
  const naming = fake<MediaReconcilerStore>('naming', {
    findMany: async (ids) =>
      new Map(ids.flatMap((id) => (rows.has(id) ? [[id, rows.get(id)! as NamingRow] as const] : []))),
    lock: async (id) => {
      locked.push(id);
      return (rows.get(id) as NamingRow | undefined) ?? null;
    },
  });
  const db = fakeUnitOfWork({ media, naming });
  const lifecycle = new MediaLifecycleService(db, objects.store(), buckets, logger);
  const reconciler = new MediaReconcilerService(db, objects.store(), buckets, logger);
  return { rows, objects, db, lifecycle, reconciler, locked };
}

describe('MediaLifecycleService.publish', () => {
  it('copies a publishable item to versioned public keys once, names them on the row and announces it', async () => {
    const { rows, objects, db, lifecycle } = setup();
    const row = item();
    rows.set(row.id, row);
    objects.objects.set(`originals/${row.variants[0]!.key}`, Buffer.from('webp bytes'));
    const event = newDomainEvent('media.publishable', { mediaId: row.id });
    await lifecycle.publish(event);
    await lifecycle.publish(event); // redelivery
    await lifecycle.publish(newDomainEvent('media.publishable', { mediaId: row.id })); // duplicate request
    const published = rows.get(row.id)!.public_variants;
    expect(published).toHaveLength(1);
    expect(published[0]!.key).toMatch(new RegExp(`^media/${row.id}/w640\\.[0-9a-f]+\\.webp$`));
    expect(objects.keys('public')).toEqual([`public/${published[0]!.key}`]);
    expect(db.kernel.eventTypes()).toEqual(['media.published']);
  });

  it('publishes nothing for an item no longer publishable (flagged, rejected, a verification document)', async () => {
    const { rows, objects, db, lifecycle } = setup();
    for (const overrides of [
      { nsfw_band: 1 as const, status: 'FLAGGED' as const },
      { status: 'REJECTED' as const },
      { owner_type: 'VERIFICATION' as const, owner_id: OWNER },
    ]) {
      const row = item(overrides);
      rows.set(row.id, row);
      objects.objects.set(`originals/${row.variants[0]!.key}`, Buffer.from('webp bytes'));
      await lifecycle.publish(newDomainEvent('media.publishable', { mediaId: row.id }));
    }
    expect(objects.keys('public')).toEqual([]);
    expect(db.kernel.eventTypes()).toEqual([]);
  });
});

describe('MediaLifecycleService.withdraw and eraseUser', () => {
  it('deletes every listed object from both buckets', async () => {
    const { objects, lifecycle } = setup();
    const id = newId('media');
    objects.objects.set(`public/media/${id}/w640.abcdef12.webp`, Buffer.from('x'));
    objects.objects.set(`originals/variants/${id}/w640.webp`, Buffer.from('x'));
    objects.objects.set(`originals/variants/${newId('media')}/w640.webp`, Buffer.from('other item'));
    await lifecycle.withdraw(
      newDomainEvent('media.withdrawn', {
        mediaId: id,
        ownerType: 'PROFILE',
        ownerId: newId('profile'),
        publicKeys: [`media/${id}/w640.abcdef12.webp`],
        originalKeys: [`variants/${id}/w640.webp`],
      }),
    );
    expect(objects.keys('public')).toEqual([]);
    expect(objects.keys('originals')).toHaveLength(1);
  });

  it('marks the account erased and tombstones each live item, queueing the removal of its objects', async () => {
    const { rows, db, lifecycle } = setup();
    const live = [item(), item({ status: 'FLAGGED', nsfw_band: 1 })];
    const other = item({ owner_user_id: newId('user') });
    for (const row of [...live, other]) rows.set(row.id, row);
    await lifecycle.eraseUser(newDomainEvent('user.deleted', { userId: OWNER, deletedAt: new Date(0).toISOString() }));
    expect(db.kernel.erased.has(OWNER)).toBe(true);
    expect(live.map((row) => rows.get(row.id)!.status)).toEqual(['DELETED', 'DELETED']);
    expect(rows.get(other.id)!.status).toBe('READY');
    expect(db.kernel.eventTypes()).toEqual(['media.deleted', 'media.withdrawn', 'media.deleted', 'media.withdrawn']);
  });
});

describe('MediaReconcilerService.run', () => {
  it('removes public copies of unpublishable or unnamed items and orphaned private objects, and keeps the rest', async () => {
    const { rows, objects, reconciler, locked } = setup();
    const published = item();
    published.public_variants = [{ ...published.variants[0]!, key: `media/${published.id}/w640.abcdef12.webp` }];
    const rejected = item({ status: 'REJECTED', nsfw_band: 2 });
    const processing = item({ status: 'PROCESSING', variants: [] });
    const gone = newId('media');
    for (const row of [published, rejected, processing]) rows.set(row.id, row);
    const put = (path: string) => objects.objects.set(path, Buffer.from('x'));
    put(`public/${published.public_variants[0]!.key}`); // named, publishable: kept
    put(`public/media/${published.id}/w640.99999999.webp`); // an older copy no row names
    put(`public/media/${rejected.id}/w640.abcdef12.webp`); // rejected after publishing
    put(`originals/${published.variants[0]!.key}`); // named private variant: kept
    put(`originals/variants/${processing.id}/w640.webp`); // the worker is still writing: kept
    put(`originals/variants/${gone}/w640.webp`); // no row at all
    put(`originals/incoming/${OWNER}/${gone}`); // uploads expire by lifecycle rule: not the reconciler's
    const result = await reconciler.run();
    expect([...result.removedPublic].sort()).toEqual(
      [`media/${published.id}/w640.99999999.webp`, `media/${rejected.id}/w640.abcdef12.webp`].sort(),
    );
    expect(result.removedPrivate).toEqual([`variants/${gone}/w640.webp`]);
    expect(objects.keys('originals')).toEqual(
      [
        `originals/${published.variants[0]!.key}`,
        `originals/variants/${processing.id}/w640.webp`,
        `originals/incoming/${OWNER}/${gone}`,
      ].sort(),
    );
    // Each suspect was checked again under its row lock before deleting.
    expect(new Set(locked)).toEqual(new Set([published.id, rejected.id, gone]));
    expect(await reconciler.run()).toMatchObject({ removedPublic: [], removedPrivate: [] });
  });
});
