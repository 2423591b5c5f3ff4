/**
 * The publication races, made deterministic: the real services against the stack's PostgreSQL and
 * s3rver, with the interleaving forced by hand instead of hoped for.
 *  1. The owner deletes an item while the worker is processing it: no public copy may appear, and
 *     the worker's private writes are cleaned up.
 *  2. A publication request handled after a REJECT committed (an APPROVE's event delivered late,
 *     or delivered again) must publish nothing.
 * Rows are created directly (no outbox event), so the stack's own worker never sees these items.
 */
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { newDomainEvent } from '../../lambdas/core/events/catalog.ts';
import type { Caller, Role } from '../../lambdas/core/identity.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { createLogger } from '../../lambdas/core/log.ts';
import type { ImageModerator, ObjectStore } from '../../lambdas/core/ports.ts';
import { MediaLifecycleService } from '../../lambdas/media/media-lifecycle.service.ts';
import { MEDIA_PUBLISHABLE } from '../../lambdas/media/media-publication.ts';
import { incomingKey } from '../../lambdas/media/media-policy.ts';
import { mediaData } from '../../lambdas/media/media.module.ts';
import { MediaRepository } from '../../lambdas/media/media.repository.ts';
import { MediaService, type MediaBuckets } from '../../lambdas/media/media.service.ts';
import { MediaWorkerService } from '../../lambdas/media/media-worker.service.ts';
import { staffAuthority } from '../../lambdas/staff/index.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlOk, sql } from '../support/graphql.ts';
import { testJpeg } from '../support/images.ts';
import { mintAccessToken } from '../support/tokens.ts';

const s3Client = new S3Client({
  endpoint: stackInfo().endpoints.s3Endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
const store = new S3ObjectStore(s3Client, createPresignedPost);
const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 4 });
const data = mediaData(db);
const buckets: MediaBuckets = {
  originals: 'rastup-local-media-originals',
  public: 'rastup-local-media-public',
  publicBaseUrl: `${stackInfo().endpoints.s3Endpoint}/rastup-local-media-public`,
};
const logger = createLogger({ service: 'race-test', level: 'warn' });
const safe: ImageModerator = { classify: async () => ({ band: 0, labels: [], provider: 'fake' }) };
const flagging: ImageModerator = { classify: async () => ({ band: 1, labels: ['fake-suggestive'], provider: 'fake' }) };

afterAll(async () => {
  await db.close();
  s3Client.destroy();
});

function userCaller(userId: string, roles: Role[] = ['provider'], stepUpAt?: number): Caller {
  return {
    kind: 'user',
    userId,
    roles,
    amr: ['pwd'],
    authTime: undefined,
    sessionId: undefined,
    expiresAt: 0,
    stepUpAt,
  };
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const page = await s3Client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((item) => item.Key!);
}

/** A profile owned by a fresh user and a PROCESSING media row whose upload is in the bucket. */
async function processingItem() {
  const userId = newId('user');
  const token = await mintAccessToken({ userId, roles: ['provider'] });
  const profile = (
    await gqlOk(token, `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id } }`, {
      input: { role: 'MODEL' },
    })
  ).createServiceProfile;
  const mediaId = newId('media');
  const key = incomingKey(userId, mediaId);
  await store.write(buckets.originals, key, await testJpeg({ seed: 31 }), 'image/jpeg');
  await db.transaction(async (tx) => {
    const repository = new MediaRepository(tx);
    await repository.insertReservation({
      id: mediaId,
      ownerUserId: userId,
      ownerType: 'PROFILE',
      ownerId: profile.id,
      contentType: 'image/jpeg',
      sizeBytes: 1000,
      incomingKey: key,
      crop: null,
      alt: null,
      expiresAt: new Date(Date.now() + 600_000),
    });
    await repository.markProcessing(mediaId, 'image/jpeg', 1000);
  });
  const event = newDomainEvent('media.uploaded', { mediaId });
  return { userId, profileId: profile.id as string, mediaId, event };
}

describe('publication races, forced', () => {
  it('an item deleted while the worker runs never gets public (or orphaned private) copies', async () => {
    const { userId, mediaId, event } = await processingItem();
    const media = new MediaService(data, store, buckets, systemClock, staffAuthority(db, systemClock));
    // The owner deletes right after the worker has read the upload: the worst moment.
    const racing: ObjectStore = {
      presignPost: (input) => store.presignPost(input),
      head: (bucket, key) => store.head(bucket, key),
      readPrefix: (bucket, key, length) => store.readPrefix(bucket, key, length),
      write: (bucket, key, body, contentType, cacheControl) =>
        store.write(bucket, key, body, contentType, cacheControl),
      delete: (bucket, key) => store.delete(bucket, key),
      read: async (bucket, key) => {
        const body = await store.read(bucket, key);
        if (key.startsWith('incoming/')) await media.delete(userCaller(userId), mediaId);
        return body;
      },
    };
    const worker = new MediaWorkerService(data, racing, safe, buckets, logger);
    expect(await worker.handle(event)).toBeNull();

    const [row] = await sql(`SELECT status, variants, public_variants FROM media WHERE id = $1`, [mediaId]);
    expect(row).toEqual({ status: 'DELETED', variants: [], public_variants: [] });
    expect(await keysUnder(buckets.public, `media/${mediaId}/`)).toEqual([]);
    expect(await keysUnder(buckets.originals, `variants/${mediaId}/`)).toEqual([]);
    expect(await keysUnder(buckets.originals, `originals/${userId}/${mediaId}`)).toEqual([]);
    expect(
      await sql(`SELECT 1 FROM outbox_events WHERE type = $1 AND payload->>'mediaId' = $2`, [
        MEDIA_PUBLISHABLE,
        mediaId,
      ]),
    ).toEqual([]);

    // A redelivery of the same upload event finds the tombstone and does nothing.
    expect(
      await new MediaWorkerService(data, store, safe, buckets, logger).handle({ ...event, id: newId('event') }),
    ).toBeNull();
    expect(await keysUnder(buckets.public, `media/${mediaId}/`)).toEqual([]);
  });

  it('a publication request handled after REJECT committed publishes nothing', async () => {
    const { mediaId, event } = await processingItem();
    await new MediaWorkerService(data, store, flagging, buckets, logger).handle(event);
    expect((await sql(`SELECT status FROM media WHERE id = $1`, [mediaId]))[0]).toEqual({ status: 'FLAGGED' });

    const media = new MediaService(data, store, buckets, systemClock, staffAuthority(db, systemClock));
    const admin = userCaller(newId('user'), ['admin'], Math.floor(Date.now() / 1000));
    await media.decideModeration(admin, { mediaId, decision: 'APPROVE' });
    // The REJECT commits before this test lets any publisher see the APPROVE's request.
    await media.decideModeration(admin, { mediaId, decision: 'REJECT', reason: 'race' });
    const publisher = new MediaLifecycleService(data, store, buckets, logger);
    // The request as the relay would deliver it late (a fresh id: also covers a duplicate delivery).
    await publisher.publish(newDomainEvent(MEDIA_PUBLISHABLE, { mediaId }));

    expect(await keysUnder(buckets.public, `media/${mediaId}/`)).toEqual([]);
    expect((await sql(`SELECT status, public_variants FROM media WHERE id = $1`, [mediaId]))[0]).toEqual({
      status: 'REJECTED',
      public_variants: [],
    });
  });

  it('a publication request for a still-approved item publishes once, however often it comes', async () => {
    const { mediaId, event } = await processingItem();
    await new MediaWorkerService(data, store, safe, buckets, logger).handle(event);
    const publisher = new MediaLifecycleService(data, store, buckets, logger);
    const request = () => publisher.publish(newDomainEvent(MEDIA_PUBLISHABLE, { mediaId }));
    await Promise.all([request(), request(), request()]);
    const keys = await keysUnder(buckets.public, `media/${mediaId}/`);
    expect(keys).toHaveLength(4);
    const [row] = await sql<{ public_variants: { key: string }[] }>(`SELECT public_variants FROM media WHERE id = $1`, [
      mediaId,
    ]);
    expect(row!.public_variants.map((variant) => variant.key).sort()).toEqual(keys.sort());
  });
});
