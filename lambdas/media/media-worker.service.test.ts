/**
 * MediaWorkerService's rules with the real service and the real image pipeline (sharp), over
 * in-memory fakes of the media repositories, an object store, the moderator and the kernel: what a
 * moderation verdict makes of an upload (READY and publishable, FLAGGED with a case, a document
 * never moderated nor published), unreadable uploads failing the item (not the queue), redelivery
 * changing nothing, and a run whose item was deleted meanwhile leaving no objects behind.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { newDomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import type { ImageModerator, NsfwBand, ObjectStore } from '../core/ports.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import { customMetrics } from '../../infra/definitions/metrics.ts';
import type { MediaReconcilerStore } from './media-reconciler.repository.ts';
import { MediaWorkerService } from './media-worker.service.ts';
import type { MediaRow, MediaStore } from './media.repository.ts';

const OWNER = newId('user');
const buckets = { originals: 'originals', public: 'public', publicBaseUrl: 'https://cdn.test' };

function uploaded(overrides: Partial<MediaRow> = {}): MediaRow {
  const id = newId('media');
  return {
    id,
    owner_user_id: OWNER,
    owner_type: 'PROFILE',
    owner_id: newId('profile'),
    status: 'PROCESSING',
    declared_content_type: 'image/jpeg',
    declared_size_bytes: 1000,
    detected_content_type: null,
    size_bytes: null,
    incoming_key: `incoming/${OWNER}/${id}`,
    original_key: null,
    crop: null,
    alt_text: null,
    width: null,
    height: null,
    nsfw_band: null,
    variants: [],
    public_variants: [],
    sort_order: 0,
    is_cover: false,
    upload_expires_at: new Date(0),
    created_at: new Date(0),
    ...overrides,
  };
}

function setup(band: NsfwBand = 0) {
  const rows = new Map<string, MediaRow>();
  const objects = new Map<string, Buffer>();
  const cases: string[] = [];
  const counted: string[] = [];
  let classified = 0;
  let deleteDuringProcessing = false;
  const media = fake<MediaStore>('media', {
    findById: async (id) => rows.get(id) ?? null,
    saveProcessed: async (input) => {
      const row = rows.get(input.id)!;
      if (deleteDuringProcessing) rows.set(row.id, { ...row, status: 'DELETED' });
      if (rows.get(input.id)!.status !== 'PROCESSING') return false;
      rows.set(row.id, {
        ...row,
        status: input.status,
        original_key: input.originalKey,
        width: input.width,
        height: input.height,
        nsfw_band: input.band,
        variants: [...input.variants],
      });
      return true;
    },
    openCase: async (mediaId) => void cases.push(mediaId),
  });
  const db = fakeUnitOfWork({ media, naming: fake<MediaReconcilerStore>('naming') });
  const store = fake<ObjectStore>('object store', {
    read: async (bucket, key) => objects.get(`${bucket}/${key}`) ?? null,
    write: async (bucket, key, body) => void objects.set(`${bucket}/${key}`, body),
    delete: async (bucket, key) => void objects.delete(`${bucket}/${key}`),
  });
  const moderator = fake<ImageModerator>('moderator', {
    classify: async () => {
      classified++;
      return { band, labels: band ? ['suggestive'] : [], provider: 'test' };
    },
  });
  const worker = new MediaWorkerService(db, store, moderator, buckets, createLogger({ service: 'test' }), {
    count: (name) => void counted.push(name),
  });
  const upload = async (row: MediaRow, body: Buffer) => {
    rows.set(row.id, row);
    objects.set(`originals/${row.incoming_key}`, body);
    return newDomainEvent('media.uploaded', { mediaId: row.id });
  };
  return {
    rows,
    objects,
    cases,
    counted,
    db,
    worker,
    upload,
    classified: () => classified,
    deleteWhileProcessing: () => (deleteDuringProcessing = true),
  };
}

const jpeg = () =>
  sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 120, g: 160, b: 200 } } })
    .jpeg()
    .toBuffer();

describe('MediaWorkerService.handle', () => {
  it('makes a safe image READY with private variants, announces it and asks for publication; redelivery changes nothing', async () => {
    const { worker, upload, rows, objects, db, cases } = setup(0);
    const row = uploaded();
    const event = await upload(row, await jpeg());
    expect(await worker.handle(event)).not.toBeNull();
    const saved = rows.get(row.id)!;
    expect(saved).toMatchObject({ status: 'READY', nsfw_band: 0, width: 320, height: 240 });
    expect(saved.original_key).toBe(`originals/${OWNER}/${row.id}.jpg`);
    expect(saved.variants.length).toBeGreaterThan(0);
    for (const variant of saved.variants) expect(objects.has(`originals/${variant.key}`)).toBe(true);
    expect(objects.has(`originals/${row.incoming_key}`)).toBe(false); // the upload is consumed
    expect(cases).toEqual([]);
    expect(db.kernel.eventTypes()).toEqual(['media.processed', 'media.publishable']);

    expect(await worker.handle(event)).toBeNull();
    expect(db.kernel.eventTypes()).toEqual(['media.processed', 'media.publishable']);
  });

  it('flags a suggestive image for review (a case, never publication)', async () => {
    const { worker, upload, rows, db, cases } = setup(1);
    const row = uploaded();
    await worker.handle(await upload(row, await jpeg()));
    expect(rows.get(row.id)).toMatchObject({ status: 'FLAGGED', nsfw_band: 1 });
    expect(cases).toEqual([row.id]);
    expect(db.kernel.eventTypes()).toEqual(['media.processed']);
  });

  it('never sends a verification document to the moderator, nor publishes it', async () => {
    const { worker, upload, rows, db, classified } = setup(0);
    const row = uploaded({ owner_type: 'VERIFICATION', owner_id: OWNER });
    await worker.handle(await upload(row, await jpeg()));
    expect(rows.get(row.id)).toMatchObject({ status: 'READY', nsfw_band: null });
    expect(classified()).toBe(0);
    expect(db.kernel.eventTypes()).toEqual(['media.processed']);
  });

  it('fails an upload that is not an image: FAILED, announced, counted for the alarm, the upload removed', async () => {
    const { worker, upload, rows, objects, db, counted } = setup(0);
    const row = uploaded();
    await worker.handle(await upload(row, Buffer.from('%PDF-1.7 definitely not an image')));
    expect(rows.get(row.id)).toMatchObject({ status: 'FAILED', variants: [] });
    expect(db.kernel.events).toEqual([
      expect.objectContaining({ type: 'media.processed', payload: expect.objectContaining({ status: 'FAILED' }) }),
    ]);
    expect(counted).toEqual([customMetrics.mediaProcessingFailed.name]);
    expect(objects.size).toBe(0);
  });

  it('removes what it wrote when the item was deleted while it worked', async () => {
    const { worker, upload, rows, objects, db, deleteWhileProcessing } = setup(0);
    const row = uploaded();
    const event = await upload(row, await jpeg());
    deleteWhileProcessing();
    expect(await worker.handle(event)).toBeNull();
    expect(rows.get(row.id)!.status).toBe('DELETED');
    expect([...objects.keys()]).toEqual([]);
    expect(db.kernel.eventTypes()).toEqual([]);
  });
});
