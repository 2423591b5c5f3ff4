/**
 * Public copies follow the committed moderation state, over GraphQL against the local stack:
 *  - APPROVE commits first and the publisher copies afterwards; a REJECT right after the APPROVE
 *    (re-moderation) leaves no public key, whether it lands before or after the publication;
 *  - a takedown of a published item removes its public copies; deletion does too, and redelivered
 *    worker/publisher events never bring them back;
 *  - public keys are versioned by content and cached briefly (no year-long `immutable`);
 *  - admin decisions need a recent step-up, and nobody moderates their own media.
 */
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql, uploadImage, waitForMedia } from '../support/graphql.ts';
import { testJpeg, testPng } from '../support/images.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { mintAccessToken } from '../support/tokens.ts';

const DECIDE = `mutation($input: DecideModerationInput!) { decideModeration(input: $input) { id status nsfwBand variants { url } } }`;
const PUBLIC = `query($slug: String!) { publicProfile(slug: $slug) { id portfolio { id variants { url } } } }`;
const PUBLIC_BUCKET = 'rastup-local-media-public';

function s3(): S3Client {
  return new S3Client({
    endpoint: stackInfo().endpoints.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

async function publicKeys(mediaId: string): Promise<string[]> {
  const page = await s3().send(new ListObjectsV2Command({ Bucket: PUBLIC_BUCKET, Prefix: `media/${mediaId}/` }));
  return (page.Contents ?? []).map((item) => item.Key!);
}

/** Every outbox event about the item has been relayed, and each consumer has applied it. */
async function settled(mediaId: string): Promise<void> {
  await eventually(async () => {
    const pending = await sql(
      `SELECT 1 FROM outbox_events WHERE published_at IS NULL AND (aggregate_id = $1 OR payload->>'mediaId' = $1)`,
      [mediaId],
    );
    return pending.length === 0;
  }, 20_000);
}

async function flaggedItem() {
  const owner = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
  const seeded = await seedPublishedProfile(owner);
  const flagged = await uploadImage(owner, {
    ownerType: 'PROFILE',
    ownerId: seeded.profileId,
    body: await testPng({ marker: true }),
    contentType: 'image/png',
  });
  expect((await waitForMedia(owner, flagged.id)).status).toBe('FLAGGED');
  return { owner, ...seeded, flaggedId: flagged.id };
}

const admin = () => mintAccessToken({ userId: newId('user'), roles: ['admin'], stepUpAt: true });

describe('publication happens only after the decision committed', () => {
  it('REJECT right after APPROVE leaves no public key, whichever reaches the item first', async () => {
    const { slug, flaggedId } = await flaggedItem();
    const token = await admin();
    // One document: the mutations run in order, the REJECT immediately after the APPROVE committed.
    const answer = await gqlAs(
      token,
      `mutation($a: DecideModerationInput!, $r: DecideModerationInput!) { approve: decideModeration(input: $a) { status } reject: decideModeration(input: $r) { status variants { url } } }`,
      {
        a: { mediaId: flaggedId, decision: 'APPROVE' },
        r: { mediaId: flaggedId, decision: 'REJECT', reason: 'second opinion' },
      },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ approve: { status: 'READY' }, reject: { status: 'REJECTED', variants: [] } });
    await settled(flaggedId);
    expect(await publicKeys(flaggedId)).toEqual([]);
    const page = await gqlAs(null, PUBLIC, { slug });
    expect(page.text).not.toContain(flaggedId);
    const [row] = await sql(`SELECT status, public_variants, variants FROM media WHERE id = $1`, [flaggedId]);
    expect(row).toEqual({ status: 'REJECTED', public_variants: [], variants: [] });
    expect(
      (await sql(`SELECT action FROM audit_log WHERE subject = $1 ORDER BY seq`, [`media:${flaggedId}`])).map(
        (entry) => entry.action,
      ),
    ).toEqual(['media.moderation.approved', 'media.moderation.rejected']);
  });

  it('publishes under versioned, briefly cached keys, and a later takedown removes them', async () => {
    const { owner, slug, flaggedId } = await flaggedItem();
    const token = await admin();
    const approved = await gqlOk(token, DECIDE, { input: { mediaId: flaggedId, decision: 'APPROVE' } });
    expect(approved.decideModeration).toMatchObject({ status: 'READY', nsfwBand: 0 });
    const published = await waitForMedia(owner, flaggedId, ['PUBLISHED']);
    const keys = await publicKeys(flaggedId);
    expect(keys).toHaveLength(4);
    for (const key of keys)
      expect(key).toMatch(new RegExp(`^media/${flaggedId}/(large|medium|small|square)\\.[0-9a-f]{16}\\.webp$`));
    const head = await s3().send(new HeadObjectCommand({ Bucket: PUBLIC_BUCKET, Key: keys[0]! }));
    expect(head.CacheControl).toBe('public, max-age=300');
    const url = published.variants[0].url as string;
    expect((await fetch(url)).status).toBe(200);
    await eventually(
      async () =>
        (await gqlOk(null, PUBLIC, { slug })).publicProfile.portfolio.some(
          (image: { id: string }) => image.id === flaggedId,
        ),
      10_000,
    );

    // Re-moderation: the approved item is taken down.
    const rejected = await gqlOk(token, DECIDE, {
      input: { mediaId: flaggedId, decision: 'REJECT', reason: 'reported' },
    });
    expect(rejected.decideModeration).toMatchObject({ status: 'REJECTED', variants: [] });
    await settled(flaggedId);
    expect(await publicKeys(flaggedId)).toEqual([]);
    expect((await fetch(url)).status).toBe(404);
    await eventually(async () => !(await gqlAs(null, PUBLIC, { slug })).text.includes(flaggedId), 10_000);
    // A rejection is final.
    expect(
      (await gqlAs(token, DECIDE, { input: { mediaId: flaggedId, decision: 'APPROVE' } })).errors?.[0]?.errorType,
    ).toBe('NOT_FOUND');
  });

  it('deleting removes the public copies, and redelivered worker and publisher events do not resurrect them', async () => {
    const owner = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const { profileId } = await seedPublishedProfile(owner);
    const upload = await uploadImage(owner, {
      ownerType: 'PROFILE',
      ownerId: profileId,
      body: await testJpeg({ seed: 21 }),
      contentType: 'image/jpeg',
    });
    await waitForMedia(owner, upload.id, ['PUBLISHED']);
    expect(await publicKeys(upload.id)).toHaveLength(4);

    expect((await gqlOk(owner, `mutation($id: ID!) { deleteMedia(id: $id) }`, { id: upload.id })).deleteMedia).toBe(
      true,
    );
    await settled(upload.id);
    expect(await publicKeys(upload.id)).toEqual([]);
    expect((await sql(`SELECT status FROM media WHERE id = $1`, [upload.id]))[0]).toEqual({ status: 'DELETED' });
    expect(
      (await gqlAs(owner, `query($id: ID!) { myMedia(id: $id) { id } }`, { id: upload.id })).errors?.[0]?.errorType,
    ).toBe('NOT_FOUND');

    // Redeliver the upload and publication events as if no consumer had ever seen them.
    const events = await sql<{ id: string }>(
      `SELECT id FROM outbox_events WHERE type IN ('media.uploaded', 'media.publishable') AND payload->>'mediaId' = $1`,
      [upload.id],
    );
    expect(events).toHaveLength(2);
    const ids = events.map((event) => event.id);
    await sql(`DELETE FROM consumer_inbox WHERE event_id = ANY($1)`, [ids]);
    await sql(`UPDATE outbox_events SET published_at = NULL WHERE id = ANY($1)`, [ids]);
    await settled(upload.id);
    await eventually(
      async () => (await sql(`SELECT 1 FROM consumer_inbox WHERE event_id = ANY($1)`, [ids])).length === 1,
      10_000,
    ); // the publisher's; the worker records nothing for a tombstone
    expect(await publicKeys(upload.id)).toEqual([]);
    expect((await sql(`SELECT status, public_variants FROM media WHERE id = $1`, [upload.id]))[0]).toEqual({
      status: 'DELETED',
      public_variants: [],
    });
  });
});

describe('admin moderation needs a step-up and another person', () => {
  it('refuses a decision without a recent second factor, and on one’s own media', async () => {
    const { flaggedId } = await flaggedItem();
    const noStepUp = await mintAccessToken({ userId: newId('user'), roles: ['admin'] });
    const refused = await gqlAs(noStepUp, DECIDE, { input: { mediaId: flaggedId, decision: 'APPROVE' } });
    expect(refused.errors?.[0]).toMatchObject({
      errorType: 'STEP_UP_REQUIRED',
      errorInfo: { code: 'AUTH.STEP_UP_REQUIRED', windowSeconds: 600 },
    });
    const stale = await mintAccessToken({
      userId: newId('user'),
      roles: ['trust'],
      stepUpAt: Math.floor(Date.now() / 1000) - 601,
    });
    expect(
      (await gqlAs(stale, DECIDE, { input: { mediaId: flaggedId, decision: 'APPROVE' } })).errors?.[0]?.errorType,
    ).toBe('STEP_UP_REQUIRED');
    const notAdmin = await mintAccessToken({ userId: newId('user'), roles: ['provider'], stepUpAt: true });
    expect(
      (await gqlAs(notAdmin, DECIDE, { input: { mediaId: flaggedId, decision: 'APPROVE' } })).errors?.[0]?.errorType,
    ).toBe('FORBIDDEN');

    // The owner holding the admin role, stepped up, still may not decide on their own item.
    const [row] = await sql<{ owner_user_id: string }>(`SELECT owner_user_id FROM media WHERE id = $1`, [flaggedId]);
    const ownerAsAdmin = await mintAccessToken({
      userId: row!.owner_user_id,
      roles: ['provider', 'admin'],
      stepUpAt: true,
    });
    expect(
      (await gqlAs(ownerAsAdmin, DECIDE, { input: { mediaId: flaggedId, decision: 'APPROVE' } })).errors?.[0]
        ?.errorType,
    ).toBe('FORBIDDEN');
    expect((await sql(`SELECT status FROM media WHERE id = $1`, [flaggedId]))[0]).toEqual({ status: 'FLAGGED' });

    const decided = await gqlOk(await admin(), DECIDE, { input: { mediaId: flaggedId, decision: 'REJECT' } });
    expect(decided.decideModeration.status).toBe('REJECTED');
  });
});
