/**
 * After account deletion, the access token (valid for up to 15 minutes more) can create, upload and
 * publish nothing: the `user.deleted` consumers record the account in `erased_users` in their
 * erasure transaction, and every create/upload/publish/draft-save path checks it under a per-user
 * advisory lock that the consumers hold exclusively (lambdas/core/db/erased-users.ts). Also: a READY
 * band-0 item that was approved automatically (no moderation case) can be taken down.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { eventConsumers } from '../../infra/definitions/domains.ts';
import { gql, latestCode, registeredUser } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { mintAccessToken } from '../support/tokens.ts';

const PUBLIC = `query($slug: String!) { publicProfile(slug: $slug) { id } }`;
const CREATE_PROFILE = `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id slug } }`;
const CREATE_STUDIO = `mutation($input: CreateStudioInput!) { createStudio(input: $input) { id slug } }`;
const UPLOAD = `mutation($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) { media { id } } }`;
const PUBLISH = `mutation($id: ID!) { publishProfile(id: $id) { status } }`;
const DECIDE = `mutation($input: DecideModerationInput!) { decideModeration(input: $input) { id status variants { url } } }`;

function s3(): S3Client {
  return new S3Client({
    endpoint: stackInfo().endpoints.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

async function publicKeys(prefix: string): Promise<string[]> {
  const page = await s3().send(new ListObjectsV2Command({ Bucket: 'rastup-local-media-public', Prefix: prefix }));
  return (page.Contents ?? []).map((item) => item.Key!);
}

async function rowsOf(userId: string) {
  return {
    profiles: await sql(`SELECT id, status, owner_status FROM service_profiles WHERE owner_user_id = $1 ORDER BY id`, [
      userId,
    ]),
    studios: await sql(`SELECT id, status, owner_status FROM studios WHERE owner_user_id = $1 ORDER BY id`, [userId]),
    media: await sql(`SELECT id, status FROM media WHERE owner_user_id = $1 ORDER BY id`, [userId]),
  };
}

// Every domain that consumes auth's user.deleted (profiles, media, search, …) records it once in the inbox.
const userDeletedConsumers = eventConsumers.filter((consumer) => consumer.eventTypes.includes('user.deleted')).length;

describe('a deleted account’s still-valid access token', () => {
  it('creates, uploads and publishes nothing once both user.deleted consumers ran', { timeout: 120_000 }, async () => {
    const { accessToken, email, userId } = await registeredUser({ role: 'provider' });
    const { profileId, slug } = await seedPublishedProfile(accessToken);

    await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
    const stepped = await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil } }', {
      input: { method: 'EMAIL_CODE', code: await latestCode(email, 'auth.step_up') },
    });
    expect(stepped.body.errors).toBeUndefined();
    expect(
      (await gql(accessToken, 'mutation { deleteAccount(input: { confirm: "DELETE", declineExport: true }) }')).body
        .data.deleteAccount,
    ).toBe(true);
    const [event] = await sql(`SELECT id FROM outbox_events WHERE type = 'user.deleted' AND aggregate_id = $1`, [
      userId,
    ]);
    await eventually(
      async () =>
        (await sql(`SELECT 1 FROM consumer_inbox WHERE event_id = $1`, [event!.id])).length === userDeletedConsumers,
      // Every user.deleted consumer (now also messaging, partner, payments, booking): on the shared CI stack one
      // may be redelivered after a transient failure, as SQS would, which takes longer than the 20 s once given.
      60_000,
    );
    expect(await sql(`SELECT user_id FROM erased_users WHERE user_id = $1`, [userId])).toEqual([{ user_id: userId }]);
    const before = await rowsOf(userId);

    const refused = [
      await gqlAs(accessToken, CREATE_PROFILE, { input: { role: 'VIDEOGRAPHER', displayName: 'Back Again' } }),
      await gqlAs(accessToken, CREATE_STUDIO, {
        input: { name: 'Back Again Loft', slug: `back-again-${userId.slice(-10).toLowerCase()}` },
      }),
      await gqlAs(accessToken, UPLOAD, {
        input: { ownerType: 'PROFILE', ownerId: profileId, contentType: 'image/jpeg', sizeBytes: 1000 },
      }),
      // ownsTarget accepts the person's own id for verification documents: the marker refuses it.
      await gqlAs(accessToken, UPLOAD, {
        input: { ownerType: 'VERIFICATION', ownerId: userId, contentType: 'image/jpeg', sizeBytes: 1000 },
      }),
      await gqlAs(accessToken, PUBLISH, { id: profileId }),
    ];
    for (const answer of refused) {
      expect(answer.data === null || Object.values(answer.data ?? {}).every((value) => value === null)).toBe(true);
      expect(answer.errors?.[0]?.errorType).toBe('NOT_FOUND');
    }
    // Nothing written, nothing public.
    expect(await rowsOf(userId)).toEqual(before);
    expect(
      before.profiles.every(
        (row: { owner_status: string; status: string }) => row.owner_status === 'ERASED' && row.status !== 'PUBLISHED',
      ),
    ).toBe(true);
    expect((await gqlAs(null, PUBLIC, { slug })).errors?.[0]?.errorType).toBe('NOT_FOUND');
    expect(
      await sql(
        `SELECT 1 FROM outbox_events WHERE type IN ('profile.published', 'studio.published', 'media.publishable') AND created_at > (SELECT erased_at FROM erased_users WHERE user_id = $1) AND (payload->>'ownerUserId' = $1 OR aggregate_id = ANY($2) OR payload->>'mediaId' = ANY($2))`,
        [userId, [...before.profiles, ...before.media].map((row: { id: string }) => row.id)],
      ),
    ).toEqual([]);
  });

  it('a create racing the erasure waits for it and is then refused (the consumer holds the lock)', async () => {
    const userId = newId('user');
    const token = await mintAccessToken({ userId, roles: ['provider'] });
    const client = new pg.Client({ connectionString: stackInfo().endpoints.databaseUrl });
    await client.connect();
    try {
      // What a consumer does first: the exclusive per-user lock and the marker, not yet committed.
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`account-erasure:${userId}`]);
      await client.query('INSERT INTO erased_users (user_id) VALUES ($1)', [userId]);
      let settled = false;
      const racing = gqlAs(token, CREATE_PROFILE, { input: { role: 'PHOTOGRAPHER', displayName: 'Racer' } }).finally(
        () => (settled = true),
      );
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(settled).toBe(false); // blocked on the shared lock, not answered from a stale snapshot
      await client.query('COMMIT');
      expect((await racing).errors?.[0]?.errorType).toBe('NOT_FOUND');
    } finally {
      await client.end();
    }
    expect(await sql(`SELECT id FROM service_profiles WHERE owner_user_id = $1`, [userId])).toEqual([]);
  });
});

describe('takedown of an automatically approved image', () => {
  it('REJECT of a READY band-0 item without a case opens the case, withdraws the copies and is audited', async () => {
    const owner = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const { slug, mediaId } = await seedPublishedProfile(owner);
    expect(await sql(`SELECT 1 FROM moderation_cases WHERE media_id = $1`, [mediaId])).toEqual([]);
    await eventually(async () => (await publicKeys(`media/${mediaId}/`)).length === 4, 20_000);

    // Step-up is still required.
    const noStepUp = await mintAccessToken({ userId: newId('user'), roles: ['admin'] });
    expect(
      (await gqlAs(noStepUp, DECIDE, { input: { mediaId, decision: 'REJECT', reason: 'reported' } })).errors?.[0]
        ?.errorType,
    ).toBe('STEP_UP_REQUIRED');
    expect(await sql(`SELECT 1 FROM moderation_cases WHERE media_id = $1`, [mediaId])).toEqual([]);

    const adminId = newId('user');
    const admin = await mintAccessToken({ userId: adminId, roles: ['admin'], stepUpAt: true });
    const rejected = await gqlOk(admin, DECIDE, { input: { mediaId, decision: 'REJECT', reason: 'reported' } });
    expect(rejected.decideModeration).toMatchObject({ id: mediaId, status: 'REJECTED', variants: [] });
    expect(await sql(`SELECT status, decided_by, reason FROM moderation_cases WHERE media_id = $1`, [mediaId])).toEqual(
      [{ status: 'REJECTED', decided_by: adminId, reason: 'reported' }],
    );
    const [audit] = await sql(
      `SELECT actor, details FROM audit_log WHERE action = 'media.moderation.rejected' AND subject = $1`,
      [`media:${mediaId}`],
    );
    expect(audit).toMatchObject({
      actor: adminId,
      details: { previousStatus: 'READY', caseOpened: true, reason: 'reported' },
    });
    await eventually(async () => (await publicKeys(`media/${mediaId}/`)).length === 0, 20_000);
    await eventually(
      async () =>
        !(
          await gqlAs(null, `query($slug: String!) { publicProfile(slug: $slug) { portfolio { id } } }`, { slug })
        ).text.includes(mediaId),
      10_000,
    );
  });
});
