import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import type { ImageModerator, ImagePreviewer, ObjectStore, ObjectUrlSigner } from '../core/ports.ts';
import { fake } from '../core/testing/fakes.ts';
import { AttachmentsService } from './attachments.service.ts';
import {
  AttachmentNotFoundError,
  AttachmentNotUploadedError,
  AttachmentRefusedError,
  BlockedError,
  ThreadNotFoundError,
} from './messaging.errors.ts';
import type { AttachmentRecord, ParticipantRecord, ThreadRecord, ThreadStore } from './thread.repository.ts';

const ME = 'usr_me';
const OTHER = 'usr_other';
const THREAD = newId('thread');
const BUCKET = 'msg-previews';
const user = (userId: string) => ({ kind: 'user', userId, roles: ['client'] }) as never;

/** The thread partition's attachment items with the repository's rule (only a pending one settles). */
function world(options: { blocked?: boolean } = {}) {
  const attachments = new Map<string, AttachmentRecord>();
  const objects = new Map<string, Buffer>();
  const threads = fake<ThreadStore>('threads', {
    getParticipant: (threadId: string, userId: string) =>
      Promise.resolve(
        threadId === THREAD && [ME, OTHER].includes(userId)
          ? ({ threadId, userId, blocked: options.blocked ?? false } as ParticipantRecord)
          : undefined,
      ),
    getThread: () => Promise.resolve({ threadId: THREAD, status: 'open', participants: [ME, OTHER] } as ThreadRecord),
    putAttachment: (record: AttachmentRecord) => Promise.resolve(void attachments.set(record.attachmentId, record)),
    getAttachment: (_threadId: string, attachmentId: string) => Promise.resolve(attachments.get(attachmentId)),
    settleAttachment: (_threadId: string, attachmentId: string, verdict: Partial<AttachmentRecord>) => {
      const current = attachments.get(attachmentId);
      if (current?.status !== 'pending') return Promise.resolve(false);
      attachments.set(attachmentId, { ...current, ...verdict });
      return Promise.resolve(true);
    },
  });
  const store = fake<ObjectStore>('objects', {
    head: (_bucket: string, key: string) =>
      Promise.resolve(objects.has(key) ? { sizeBytes: objects.get(key)!.length, contentType: undefined } : null),
    read: (_bucket: string, key: string) => Promise.resolve(objects.get(key) ?? null),
    write: (_bucket: string, key: string, body: Buffer) => Promise.resolve(void objects.set(key, body)),
    delete: (_bucket: string, key: string) => Promise.resolve(void objects.delete(key)),
  });
  const urls = fake<ObjectUrlSigner>('urls', {
    presignPut: ({ key, contentType, contentLength }) =>
      Promise.resolve({
        url: `http://s3.local/${BUCKET}/${key}`,
        headers: { 'content-type': contentType, 'content-length': String(contentLength) },
      }),
    presignGet: ({ key }) => Promise.resolve(`http://s3.local/${BUCKET}/${key}?signed`),
  });
  let band: 0 | 1 | 2 = 0;
  const previewer: ImagePreviewer = {
    preview: async () => ({
      width: 40,
      height: 20,
      webp: Buffer.from('webp'),
      previewWidth: 40,
      previewHeight: 20,
      moderationJpeg: Buffer.from('jpeg'),
    }),
  };
  const moderator: ImageModerator = { classify: () => Promise.resolve({ band, labels: [], provider: 'fake' }) };
  const service = new AttachmentsService(
    threads,
    store,
    urls,
    previewer,
    () => Promise.resolve(moderator),
    BUCKET,
    { now: () => new Date('2026-12-01T00:00:00Z') } as Clock,
    createLogger({ service: 'test' }),
  );
  return {
    service,
    objects,
    attachments,
    setBand: (value: 0 | 1 | 2) => (band = value),
  };
}

const png = () =>
  sharp({ create: { width: 40, height: 20, channels: 3, background: '#888' } })
    .png()
    .toBuffer();

describe('message attachments', () => {
  it('uploads, accepts an SFW image once, and serves it to members only', async () => {
    const { service, objects, attachments } = world();
    const bytes = await png();
    const upload = await service.requestUpload(user(ME), {
      threadId: THREAD,
      contentType: 'image/png',
      sizeBytes: bytes.length,
    });
    const key = `incoming/${THREAD}/${upload.attachmentId}`;
    expect(upload.uploadUrl).toContain(key);
    await expect(service.complete(user(ME), THREAD, upload.attachmentId)).rejects.toBeInstanceOf(
      AttachmentNotUploadedError,
    );
    objects.set(key, bytes);
    // The other member did not upload it: for them it does not exist.
    await expect(service.complete(user(OTHER), THREAD, upload.attachmentId)).rejects.toBeInstanceOf(
      AttachmentNotFoundError,
    );
    const ready = await service.complete(user(ME), THREAD, upload.attachmentId);
    expect(ready).toMatchObject({ status: 'READY', contentType: 'image/webp', width: 40, height: 20 });
    expect(objects.has(key)).toBe(false);
    expect(await service.complete(user(ME), THREAD, upload.attachmentId)).toEqual(ready);

    // Before a message carries it only the uploader may read it; then both members.
    await expect(service.downloadUrl(user(OTHER), THREAD, upload.attachmentId)).rejects.toBeInstanceOf(
      AttachmentNotFoundError,
    );
    attachments.set(upload.attachmentId, { ...attachments.get(upload.attachmentId)!, messageId: newId('message') });
    expect((await service.downloadUrl(user(OTHER), THREAD, upload.attachmentId)).url).toContain('previews/');
    await expect(service.downloadUrl(user('usr_stranger'), THREAD, upload.attachmentId)).rejects.toBeInstanceOf(
      ThreadNotFoundError,
    );
  });

  it('refuses NSFW, mistyped and mis-sized uploads, and deletes them', async () => {
    const { service, objects, setBand } = world();
    const bytes = await png();
    const cases: [string, Buffer, number, 0 | 1 | 2, string][] = [
      ['nsfw', bytes, bytes.length, 2, 'not-safe-for-work'],
      ['suggestive', bytes, bytes.length, 1, 'not-safe-for-work'],
      ['text', Buffer.from('hello, not an image at all'), 26, 0, 'not-an-allowed-image'],
      ['short', bytes, bytes.length + 1, 0, 'size-mismatch'],
    ];
    for (const [, body, declared, band, reason] of cases) {
      setBand(band);
      const upload = await service.requestUpload(user(ME), {
        threadId: THREAD,
        contentType: 'image/png',
        sizeBytes: declared,
      });
      const key = `incoming/${THREAD}/${upload.attachmentId}`;
      objects.set(key, body);
      const refused = service.complete(user(ME), THREAD, upload.attachmentId);
      await expect(refused).rejects.toBeInstanceOf(AttachmentRefusedError);
      await expect(refused).rejects.toMatchObject({ details: { reason } });
      expect(objects.has(key)).toBe(false);
      await expect(service.downloadUrl(user(ME), THREAD, upload.attachmentId)).rejects.toBeInstanceOf(
        AttachmentNotFoundError,
      );
    }
  });

  it('a member of a blocked thread cannot upload', async () => {
    const { service } = world({ blocked: true });
    await expect(
      service.requestUpload(user(ME), { threadId: THREAD, contentType: 'image/png', sizeBytes: 10 }),
    ).rejects.toBeInstanceOf(BlockedError);
  });
});
