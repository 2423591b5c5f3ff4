import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import { RateLimitedError } from '../core/errors.ts';
import type { ImageModerator, ImagePreviewer, ObjectStore, ObjectUrlSigner, RateLimiter } from '../core/ports.ts';
import { fake } from '../core/testing/fakes.ts';
import { AttachmentsService, MAX_UNSENT_PER_THREAD, UNSENT_TTL_SECONDS } from './attachments.service.ts';
import {
  AttachmentNotFoundError,
  AttachmentNotUploadedError,
  AttachmentQuotaError,
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
    // The repository's rule: a member holds at most `limit` unsent, unrefused, unexpired attachments.
    reserveAttachment: (record: AttachmentRecord, limit: number, nowSeconds: number) => {
      const held = [...attachments.values()].filter(
        (a) =>
          a.uploaderUserId === record.uploaderUserId &&
          a.messageId === null &&
          a.status !== 'refused' &&
          (a.expiresAt ?? 0) > nowSeconds,
      ).length;
      if (held >= limit) return Promise.resolve('quota' as const);
      attachments.set(record.attachmentId, record);
      return Promise.resolve('reserved' as const);
    },
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
  let nowMs = Date.parse('2026-12-01T00:00:00Z');
  const spent: string[] = [];
  let refuse: string | undefined;
  const limiter: RateLimiter = {
    consume: (policy, key) => {
      spent.push(`${policy.name}:${key}`);
      return Promise.resolve(
        policy.name === refuse
          ? { allowed: false, remaining: 0, retryAfterSeconds: 120 }
          : { allowed: true, remaining: 1, retryAfterSeconds: 0 },
      );
    },
    reset: () => Promise.resolve(),
  };
  const service = new AttachmentsService(
    threads,
    store,
    urls,
    previewer,
    () => Promise.resolve(moderator),
    BUCKET,
    { now: () => new Date(nowMs), nowMs: () => nowMs } as Clock,
    createLogger({ service: 'test' }),
    limiter,
  );
  return {
    service,
    objects,
    attachments,
    spent,
    setBand: (value: 0 | 1 | 2) => (band = value),
    refuseRateLimit: (policy: string | undefined) => (refuse = policy),
    advance: (seconds: number) => (nowMs += seconds * 1000),
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

  it('spends the per-user rate limits before any work, and refuses with Retry-After when empty', async () => {
    const { service, attachments, spent, refuseRateLimit } = world();
    await service.requestUpload(user(ME), { threadId: THREAD, contentType: 'image/png', sizeBytes: 10 });
    const [attachmentId] = [...attachments.keys()];
    await expect(service.complete(user(ME), THREAD, attachmentId!)).rejects.toBeInstanceOf(AttachmentNotUploadedError);
    expect(spent).toEqual([`messages.attachment_upload.user:${ME}`, `messages.attachment_complete.user:${ME}`]);

    refuseRateLimit('messages.attachment_upload.user');
    // Even a non-member's request for a thread it cannot see spends and is refused by the limit first.
    for (const caller of [ME, 'usr_stranger'])
      await expect(
        service.requestUpload(user(caller), { threadId: THREAD, contentType: 'image/png', sizeBytes: 10 }),
      ).rejects.toMatchObject({ constructor: RateLimitedError, retryAfterSeconds: 120 });
    expect(attachments.size).toBe(1);
    refuseRateLimit('messages.attachment_complete.user');
    await expect(service.complete(user(ME), THREAD, attachmentId!)).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('caps unsent attachments per member and thread; sent, refused and expired ones free a place', async () => {
    const { service, attachments, objects, setBand, advance } = world();
    const request = (userId: string) =>
      service.requestUpload(user(userId), { threadId: THREAD, contentType: 'image/png', sizeBytes: 10 });
    const held = [];
    for (let i = 0; i < MAX_UNSENT_PER_THREAD; i++) held.push(await request(ME));
    const over = request(ME);
    await expect(over).rejects.toBeInstanceOf(AttachmentQuotaError);
    await expect(over).rejects.toMatchObject({ code: 'MESSAGING.ATTACHMENT_QUOTA', details: { limit: 10 } });
    // The other member has their own allowance.
    await expect(request(OTHER)).resolves.toMatchObject({ attachmentId: expect.any(String) });

    // A sent one frees a place (its item loses the expiry), so does a refused one.
    const sent = attachments.get(held[0]!.attachmentId)!;
    attachments.set(sent.attachmentId, { ...sent, messageId: newId('message'), expiresAt: undefined });
    await request(ME);
    await expect(request(ME)).rejects.toBeInstanceOf(AttachmentQuotaError);
    const bytes = await png();
    const refused = attachments.get(held[1]!.attachmentId)!;
    attachments.set(refused.attachmentId, { ...refused, declaredBytes: bytes.length });
    objects.set(refused.incomingKey, bytes);
    setBand(2);
    await expect(service.complete(user(ME), THREAD, refused.attachmentId)).rejects.toBeInstanceOf(
      AttachmentRefusedError,
    );
    await request(ME);

    // Unsent ones expire: gone for completion and download at once, and their places free.
    const pending = held[2]!.attachmentId;
    expect(attachments.get(pending)!.expiresAt).toBe(Date.parse('2026-12-01T00:00:00Z') / 1000 + UNSENT_TTL_SECONDS);
    advance(UNSENT_TTL_SECONDS);
    await expect(service.complete(user(ME), THREAD, pending)).rejects.toBeInstanceOf(AttachmentNotFoundError);
    await expect(service.downloadUrl(user(ME), THREAD, pending)).rejects.toBeInstanceOf(AttachmentNotFoundError);
    await expect(request(ME)).resolves.toMatchObject({ attachmentId: expect.any(String) });
    // The sent one never expires.
    attachments.set(sent.attachmentId, { ...attachments.get(sent.attachmentId)!, status: 'ready', previewKey: 'p' });
    await expect(service.downloadUrl(user(OTHER), THREAD, sent.attachmentId)).resolves.toMatchObject({
      attachmentId: sent.attachmentId,
    });
  });

  it('a member of a blocked thread cannot upload', async () => {
    const { service } = world({ blocked: true });
    await expect(
      service.requestUpload(user(ME), { threadId: THREAD, contentType: 'image/png', sizeBytes: 10 }),
    ).rejects.toBeInstanceOf(BlockedError);
  });
});
