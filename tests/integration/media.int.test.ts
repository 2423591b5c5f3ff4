/**
 * The media pipeline's refusals and its Safe-Mode guarantee, over GraphQL + real presigned POSTs
 * to s3rver: flagged images never reach a public response or a public bucket key; uploads that
 * lie about their type, exceed the cap or complete without an object are refused with typed
 * errors and leave nothing behind; at most 10 uploads in flight per user; order and cover.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import {
  eventually,
  gqlAs,
  gqlOk,
  MEDIA_FIELDS,
  postToPresigned,
  sql,
  uploadImage,
  waitForMedia,
} from '../support/graphql.ts';
import { testJpeg, testPng } from '../support/images.ts';
import { mintAccessToken } from '../support/tokens.ts';

const REQUEST = `mutation($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) { media { id status } upload { url fields maxBytes } } }`;
const COMPLETE = `mutation($id: ID!) { completeMediaUpload(id: $id) { ${MEDIA_FIELDS} } }`;
const PUBLIC = `query($slug: String!) { publicProfile(slug: $slug) { id avatar { id } portfolio { id variants { url } } seo { jsonLd } } }`;

function s3(): S3Client {
  return new S3Client({
    endpoint: stackInfo().endpoints.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

async function publicKeys(prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3().send(
      new ListObjectsV2Command({ Bucket: 'rastup-local-media-public', Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((item) => item.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** A published profile with one SFW image, ready for more uploads. */
async function publishedProfile() {
  const userId = newId('user');
  const token = await mintAccessToken({ userId, roles: ['provider'] });
  let profile = (
    await gqlOk(
      token,
      `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id version slug } }`,
      { input: { role: 'MODEL', displayName: 'Mo Dell' } },
    )
  ).createServiceProfile;
  profile = (
    await gqlOk(
      token,
      `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { id version slug } }`,
      {
        input: {
          profileId: profile.id,
          expectedVersion: profile.version,
          patch: {
            headline: 'Runway',
            bio: 'Runway and print model available for fashion weeks, lookbooks and campaigns across the city.',
            city: 'us-mia',
            tags: ['runway', 'print', 'fashion'],
            languages: ['English'],
            priceMinCents: 20000,
            priceMaxCents: 40000,
            packages: [{ name: 'Lookbook', durationMinutes: 180, priceCents: 25000 }],
            cancellationPolicy: '48 h',
            reschedulePolicy: '24 h',
            availability: JSON.stringify({ fri: ['10:00-18:00'] }),
          },
        },
      },
    )
  ).saveProfileDraft;
  const first = await uploadImage(token, {
    ownerType: 'PROFILE',
    ownerId: profile.id,
    body: await testJpeg({ seed: 1 }),
    contentType: 'image/jpeg',
  });
  await waitForMedia(token, first.id, ['PUBLISHED']);
  await gqlOk(token, `mutation($id: ID!) { setCoverMedia(id: $id) { id } }`, { id: first.id });
  await gqlOk(token, `mutation($id: ID!) { publishProfile(id: $id) { status } }`, { id: profile.id });
  return { userId, token, profile, firstMediaId: first.id };
}

describe('moderation: flagged media stays private', () => {
  it('never shows a flagged image in a public response or a public bucket key; an admin decides', async () => {
    const { token, profile } = await publishedProfile();
    const admin = await mintAccessToken({ userId: newId('user'), roles: ['admin'], stepUpAt: true });

    const flagged = await uploadImage(token, {
      ownerType: 'PROFILE',
      ownerId: profile.id,
      body: await testPng({ marker: true }),
      contentType: 'image/png',
    });
    const item = await waitForMedia(token, flagged.id);
    expect(item).toMatchObject({ status: 'FLAGGED', nsfwBand: 2, variants: [] });
    const cover = await gqlAs(token, `mutation($id: ID!) { setCoverMedia(id: $id) { id } }`, { id: flagged.id });
    expect(cover.errors?.[0]?.errorType).toBe('BAD_REQUEST');

    const page = await gqlAs(null, PUBLIC, { slug: profile.slug });
    expect(page.errors).toBeUndefined();
    expect(page.text).not.toContain(flagged.id);
    expect(page.data.publicProfile.portfolio).toHaveLength(1);
    expect(await publicKeys(`media/${flagged.id}`)).toEqual([]);
    expect((await publicKeys()).some((key) => key.includes(flagged.id))).toBe(false);
    // Its variants exist, privately, for the reviewer.
    const [row] = await sql<{ variants: { key: string }[] }>('SELECT variants FROM media WHERE id = $1', [flagged.id]);
    expect(row!.variants.every((variant) => variant.key.startsWith('variants/'))).toBe(true);

    const queue = await gqlOk(admin, '{ moderationQueue { mediaId nsfwBand labels status } }');
    expect(queue.moderationQueue).toEqual(
      expect.arrayContaining([expect.objectContaining({ mediaId: flagged.id, nsfwBand: 2, labels: ['test-marker'] })]),
    );
    const notAdmin = await gqlAs(token, '{ moderationQueue { mediaId } }');
    expect(notAdmin.errors?.[0]?.errorType).toBe('FORBIDDEN');

    const rejected = await gqlOk(
      admin,
      `mutation($input: DecideModerationInput!) { decideModeration(input: $input) { status variants { url } } }`,
      { input: { mediaId: flagged.id, decision: 'REJECT', reason: 'explicit' } },
    );
    expect(rejected.decideModeration).toEqual({ status: 'REJECTED', variants: [] });
    expect(await publicKeys(`media/${flagged.id}`)).toEqual([]);
    const again = await gqlAs(
      admin,
      `mutation($input: DecideModerationInput!) { decideModeration(input: $input) { status } }`,
      { input: { mediaId: flagged.id, decision: 'APPROVE' } },
    );
    expect(again.errors?.[0]?.errorType).toBe('NOT_FOUND');
    const [audit] = await sql<{ action: string }>(`SELECT action FROM audit_log WHERE subject = $1`, [
      `media:${flagged.id}`,
    ]);
    expect(audit!.action).toBe('media.moderation.rejected');

    // A false positive approved by a person becomes public like any SFW item.
    const second = await uploadImage(token, {
      ownerType: 'PROFILE',
      ownerId: profile.id,
      body: await testJpeg({ marker: true, seed: 5 }),
      contentType: 'image/jpeg',
    });
    expect((await waitForMedia(token, second.id)).status).toBe('FLAGGED');
    const approved = await gqlOk(
      admin,
      `mutation($input: DecideModerationInput!) { decideModeration(input: $input) { status nsfwBand variants { name url } } }`,
      { input: { mediaId: second.id, decision: 'APPROVE' } },
    );
    expect(approved.decideModeration).toMatchObject({ status: 'READY', nsfwBand: 0 });
    // The publisher copies after the decision committed.
    const published = await waitForMedia(token, second.id, ['PUBLISHED']);
    expect(await publicKeys(`media/${second.id}`)).toHaveLength(4);
    expect((await fetch(published.variants[0].url)).status).toBe(200);
  });
});

describe('upload refusals leave nothing behind', () => {
  async function setup() {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['provider'] });
    const profile = (
      await gqlOk(
        token,
        `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id } }`,
        { input: { role: 'PHOTOGRAPHER' } },
      )
    ).createServiceProfile;
    return { userId, token, profileId: profile.id as string };
  }

  async function nothingLeft(mediaId: string) {
    expect(await sql('SELECT 1 FROM media WHERE id = $1', [mediaId])).toHaveLength(0);
    expect(await sql('SELECT 1 FROM outbox_events WHERE aggregate_id = $1', [mediaId])).toHaveLength(0);
    const objects = await s3().send(
      new ListObjectsV2Command({ Bucket: 'rastup-local-media-originals', Prefix: 'incoming/' }),
    );
    expect((objects.Contents ?? []).some((item) => item.Key!.includes(mediaId))).toBe(false);
  }

  it('refuses a type outside the allow-list and a declared size over 50 MB at request time', async () => {
    const { token, profileId } = await setup();
    const gif = await gqlAs(token, REQUEST, {
      input: { ownerType: 'PROFILE', ownerId: profileId, contentType: 'image/gif', sizeBytes: 1000 },
    });
    expect(gif.errors?.[0]).toMatchObject({
      errorType: 'UNSUPPORTED_MEDIA_TYPE',
      errorInfo: { code: 'MEDIA.TYPE_MISMATCH' },
    });
    const huge = await gqlAs(token, REQUEST, {
      input: { ownerType: 'PROFILE', ownerId: profileId, contentType: 'image/jpeg', sizeBytes: 50 * 1024 * 1024 + 1 },
    });
    expect(huge.errors?.[0]).toMatchObject({
      errorType: 'PAYLOAD_TOO_LARGE',
      errorInfo: { code: 'REQUEST.TOO_LARGE', maxBytes: 52428800 },
    });
  });

  it('returns a presigned POST whose policy carries the cap and the exact type', async () => {
    const { token, profileId } = await setup();
    const answer = await gqlOk(token, REQUEST, {
      input: { ownerType: 'PROFILE', ownerId: profileId, contentType: 'image/webp', sizeBytes: 1000 },
    });
    const fields = JSON.parse(answer.requestMediaUpload.upload.fields) as Record<string, string>;
    const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, 52428800],
        ['eq', '$Content-Type', 'image/webp'],
      ]),
    );
    expect(fields['Content-Type']).toBe('image/webp');
    expect(answer.requestMediaUpload.upload.maxBytes).toBe(52428800);
  });

  it('refuses bytes that lie about their type', async () => {
    const { token, profileId } = await setup();
    for (const [declared, body] of [
      ['image/png', await testJpeg()],
      ['image/jpeg', Buffer.from('<?php echo "not an image"; ?>'.repeat(20))],
    ] as const) {
      const requested = await gqlOk(token, REQUEST, {
        input: { ownerType: 'PROFILE', ownerId: profileId, contentType: declared, sizeBytes: body.length },
      });
      expect(await postToPresigned(requested.requestMediaUpload.upload, body, declared)).toBeLessThan(300);
      const completed = await gqlAs(token, COMPLETE, { id: requested.requestMediaUpload.media.id });
      expect(completed.errors?.[0]).toMatchObject({
        errorType: 'UNSUPPORTED_MEDIA_TYPE',
        errorInfo: { code: 'MEDIA.TYPE_MISMATCH' },
      });
      await nothingLeft(requested.requestMediaUpload.media.id);
    }
  });

  it('refuses an object over the cap that s3rver stored anyway (S3 itself would refuse it)', async () => {
    const { token, profileId } = await setup();
    const jpeg = await testJpeg();
    const body = Buffer.concat([jpeg, Buffer.alloc(50 * 1024 * 1024 + 1 - jpeg.length)]);
    const requested = await gqlOk(token, REQUEST, {
      input: { ownerType: 'PROFILE', ownerId: profileId, contentType: 'image/jpeg', sizeBytes: 1000 },
    });
    expect(await postToPresigned(requested.requestMediaUpload.upload, body, 'image/jpeg')).toBeLessThan(300);
    const completed = await gqlAs(token, COMPLETE, { id: requested.requestMediaUpload.media.id });
    expect(completed.errors?.[0]).toMatchObject({ errorType: 'PAYLOAD_TOO_LARGE' });
    await nothingLeft(requested.requestMediaUpload.media.id);
  });

  it('refuses completion without an uploaded object', async () => {
    const { token, profileId } = await setup();
    const requested = await gqlOk(token, REQUEST, {
      input: { ownerType: 'PROFILE', ownerId: profileId, contentType: 'image/jpeg', sizeBytes: 1000 },
    });
    const completed = await gqlAs(token, COMPLETE, { id: requested.requestMediaUpload.media.id });
    expect(completed.errors?.[0]).toMatchObject({
      errorType: 'UPLOAD_INCOMPLETE',
      errorInfo: { code: 'MEDIA.OBJECT_MISSING' },
    });
    await nothingLeft(requested.requestMediaUpload.media.id);
  });

  it('allows at most 10 uploads in flight per user', async () => {
    const { token, profileId } = await setup();
    const input = { ownerType: 'PROFILE', ownerId: profileId, contentType: 'image/jpeg', sizeBytes: 1000 };
    const answers = await Promise.all(Array.from({ length: 12 }, () => gqlAs(token, REQUEST, { input })));
    expect(answers.filter((answer) => !answer.errors)).toHaveLength(10);
    expect(answers.filter((answer) => answer.errors?.[0]?.errorType === 'RATE_LIMITED')).toHaveLength(2);
    // Someone else is unaffected.
    const other = await setup();
    expect(
      (await gqlAs(other.token, REQUEST, { input: { ...input, ownerId: other.profileId } })).errors,
    ).toBeUndefined();
  });
});

describe('portfolio order and cover', () => {
  it('reorders items and moves the cover; the public page follows', async () => {
    const { token, profile, firstMediaId } = await publishedProfile();
    const second = await uploadImage(token, {
      ownerType: 'PROFILE',
      ownerId: profile.id,
      body: await testJpeg({ seed: 2 }),
      contentType: 'image/jpeg',
    });
    await waitForMedia(token, second.id, ['PUBLISHED']);
    const reordered = await gqlOk(
      token,
      `mutation($input: ReorderMediaInput!) { reorderMedia(input: $input) { id sortOrder } }`,
      { input: { ownerType: 'PROFILE', ownerId: profile.id, mediaIds: [second.id, firstMediaId] } },
    );
    expect(reordered.reorderMedia.map((item: { id: string }) => item.id)).toEqual([second.id, firstMediaId]);
    await gqlOk(token, `mutation($id: ID!) { setCoverMedia(id: $id) { id isCover } }`, { id: second.id });
    const mine = await gqlOk(token, `query($id: ID!) { myProfile(id: $id) { portfolio { id isCover sortOrder } } }`, {
      id: profile.id,
    });
    expect(mine.myProfile.portfolio).toEqual([
      { id: second.id, isCover: true, sortOrder: 0 },
      { id: firstMediaId, isCover: false, sortOrder: 1 },
    ]);
    const stranger = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const hijack = await gqlAs(
      stranger,
      `mutation($input: ReorderMediaInput!) { reorderMedia(input: $input) { id } }`,
      { input: { ownerType: 'PROFILE', ownerId: profile.id, mediaIds: [firstMediaId] } },
    );
    expect(hijack.errors?.[0]?.errorType).toBe('NOT_FOUND');
    // The page of a published profile changed: the indexer hears profile.updated (from the consumer).
    await eventually(
      async () =>
        (
          await sql(
            `SELECT 1 FROM outbox_events WHERE aggregate_id = $1 AND type = 'profile.updated' AND payload->>'reason' = 'media.reordered'`,
            [profile.id],
          )
        ).length > 0,
      10_000,
    );
    const page = await eventually(async () => {
      const answer = await gqlOk(null, PUBLIC, { slug: profile.slug });
      // Public pages are cached per container for a few seconds.
      return answer.publicProfile.avatar?.id === second.id ? answer.publicProfile : undefined;
    }, 10_000);
    expect(page.portfolio.map((image: { id: string }) => image.id)).toEqual([second.id, firstMediaId]);
  });
});
