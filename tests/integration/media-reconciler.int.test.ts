/**
 * The media reconciler (scheduled job; locally GET /dev/jobs/media-reconcile and at every start):
 * objects no committed row names are removed from both buckets — whatever the reason (a commit lost
 * in a crash, a withdrawal that never ran) — and everything a row names, or a running worker may
 * still name, stays. Rows are written directly (no outbox event), so no consumer touches them.
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import { sql } from '../support/graphql.ts';

const s3 = new S3Client({
  endpoint: stackInfo().endpoints.s3Endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
const ORIGINALS = 'rastup-local-media-originals';
const PUBLIC = 'rastup-local-media-public';
afterAll(() => s3.destroy());

const put = (bucket: string, key: string) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(key), ContentType: 'image/webp' }));

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((item) => item.Key!).sort();
}

const variant = (key: string) => ({ name: 'w640', key, width: 640, height: 480, format: 'webp' });

async function insertMedia(row: {
  id: string;
  userId: string;
  status: string;
  band: number | null;
  originalKey: string | null;
  variants: string[];
  publicVariants: string[];
  ownerType?: string;
}) {
  await sql(
    `INSERT INTO media (id, owner_user_id, owner_type, owner_id, status, declared_content_type, declared_size_bytes,
                        incoming_key, original_key, nsfw_band, variants, public_variants, upload_expires_at)
     VALUES ($1, $2, $3, $4, $5, 'image/jpeg', 1000, $6, $7, $8, $9, $10, now() + interval '10 minutes')`,
    [
      row.id,
      row.userId,
      row.ownerType ?? 'PROFILE',
      newId('profile'),
      row.status,
      `incoming/${row.userId}/${row.id}`,
      row.originalKey,
      row.band,
      JSON.stringify(row.variants.map(variant)),
      JSON.stringify(row.publicVariants.map(variant)),
    ],
  );
}

async function reconcile(): Promise<{ removedPublic: string[]; removedPrivate: string[] }> {
  const response = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/media-reconcile`);
  expect(response.status).toBe(200);
  return (await response.json()) as { removedPublic: string[]; removedPrivate: string[] };
}

describe('media reconciler', () => {
  it('removes public and private objects no row names, and keeps every named or in-flight one', async () => {
    const userId = newId('user');
    // Published: its current public copy and private copies stay; a stale public version goes.
    const published = newId('media');
    await insertMedia({
      id: published,
      userId,
      status: 'READY',
      band: 0,
      originalKey: `originals/${userId}/${published}.jpg`,
      variants: [`variants/${published}/w640.webp`],
      publicVariants: [`media/${published}/w640.aaaaaaaaaaaaaaaa.webp`],
    });
    // Rejected, but its withdrawal never ran: public and private variants go, the original (evidence) stays.
    const rejected = newId('media');
    await insertMedia({
      id: rejected,
      userId,
      status: 'REJECTED',
      band: 2,
      originalKey: `originals/${userId}/${rejected}.jpg`,
      variants: [],
      publicVariants: [],
    });
    // READY but band 1 (a stale row naming a public copy it may not have): the public copy goes.
    const suggestive = newId('media');
    await insertMedia({
      id: suggestive,
      userId,
      status: 'FLAGGED',
      band: 1,
      originalKey: null,
      variants: [`variants/${suggestive}/w640.webp`],
      publicVariants: [`media/${suggestive}/w640.cccccccccccccccc.webp`],
    });
    // Being processed: the worker wrote its private copies and has not committed yet; they stay.
    const processing = newId('media');
    await insertMedia({
      id: processing,
      userId,
      status: 'PROCESSING',
      band: null,
      originalKey: null,
      variants: [],
      publicVariants: [],
    });
    // No row at all (a reservation dropped, a row never committed): everything goes.
    const rowless = newId('media');

    const objects: [string, string][] = [
      [PUBLIC, `media/${published}/w640.aaaaaaaaaaaaaaaa.webp`],
      [PUBLIC, `media/${published}/w640.bbbbbbbbbbbbbbbb.webp`],
      [ORIGINALS, `originals/${userId}/${published}.jpg`],
      [ORIGINALS, `variants/${published}/w640.webp`],
      [PUBLIC, `media/${rejected}/w640.dddddddddddddddd.webp`],
      [ORIGINALS, `originals/${userId}/${rejected}.jpg`],
      [ORIGINALS, `variants/${rejected}/w640.webp`],
      [PUBLIC, `media/${suggestive}/w640.cccccccccccccccc.webp`],
      [ORIGINALS, `variants/${suggestive}/w640.webp`],
      [ORIGINALS, `originals/${userId}/${processing}.png`],
      [ORIGINALS, `variants/${processing}/w640.webp`],
      [PUBLIC, `media/${rowless}/w640.eeeeeeeeeeeeeeee.webp`],
      [ORIGINALS, `variants/${rowless}/w640.webp`],
      [ORIGINALS, `originals/${userId}/${rowless}.jpg`],
    ];
    for (const [bucket, key] of objects) await put(bucket, key);

    const result = await reconcile();
    expect(
      result.removedPublic.filter((key) => key.includes(userId) || objects.some(([, k]) => k === key)).sort(),
    ).toEqual(
      [
        `media/${published}/w640.bbbbbbbbbbbbbbbb.webp`,
        `media/${rejected}/w640.dddddddddddddddd.webp`,
        `media/${suggestive}/w640.cccccccccccccccc.webp`,
        `media/${rowless}/w640.eeeeeeeeeeeeeeee.webp`,
      ].sort(),
    );

    expect(await keys(PUBLIC, `media/${published}/`)).toEqual([`media/${published}/w640.aaaaaaaaaaaaaaaa.webp`]);
    for (const id of [rejected, suggestive, rowless]) expect(await keys(PUBLIC, `media/${id}/`)).toEqual([]);
    expect(await keys(ORIGINALS, `originals/${userId}/`)).toEqual(
      [
        `originals/${userId}/${published}.jpg`,
        `originals/${userId}/${rejected}.jpg`,
        `originals/${userId}/${processing}.png`,
      ].sort(),
    );
    expect(await keys(ORIGINALS, `variants/${published}/`)).toEqual([`variants/${published}/w640.webp`]);
    expect(await keys(ORIGINALS, `variants/${suggestive}/`)).toEqual([`variants/${suggestive}/w640.webp`]);
    expect(await keys(ORIGINALS, `variants/${processing}/`)).toEqual([`variants/${processing}/w640.webp`]);
    for (const id of [rejected, rowless]) expect(await keys(ORIGINALS, `variants/${id}/`)).toEqual([]);

    // Idempotent: a second run finds nothing of these.
    const again = await reconcile();
    expect(
      [...again.removedPublic, ...again.removedPrivate].filter((key) => objects.some(([, k]) => k === key)),
    ).toEqual([]);
  });
});
