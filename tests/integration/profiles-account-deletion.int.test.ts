/**
 * Account deletion reaches profiles and media (consumers of auth's `user.deleted`): through the real
 * auth flow (sign-up, step-up, deleteAccount), the public page disappears, the public copies leave
 * the bucket, contact details and the exact address are erased in Postgres (ids stay), nudges stop,
 * and the indexer hears profile.unpublished. Public reads also refuse an erased owner's listing by
 * the owner_status filter alone.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { erasedSlug } from '../../lambdas/profiles/erased-slug.ts';
import { eventConsumers } from '../../infra/definitions/domains.ts';
import { gql, latestCode, registeredUser } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { mintAccessToken } from '../support/tokens.ts';

const PUBLIC = `query($slug: String!) { publicProfile(slug: $slug) { id portfolio { id variants { url } } } }`;

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

// Every domain that consumes auth's user.deleted (profiles, media, search, …) records it once in the inbox.
const userDeletedConsumers = eventConsumers.filter((consumer) => consumer.eventTypes.includes('user.deleted')).length;

describe('account deletion erases the public presence', () => {
  it('unpublishes, removes public media and erases contact fields after deleteAccount', async () => {
    const { accessToken, email, userId } = await registeredUser({ role: 'provider' });
    const contactEmail = `contact.${userId.slice(-8).toLowerCase()}@example.com`;
    const { profileId, slug, mediaId } = await seedPublishedProfile(accessToken, contactEmail);
    const current = (await gqlOk(accessToken, `query($id: ID!) { myProfile(id: $id) { version } }`, { id: profileId }))
      .myProfile;
    await gqlOk(accessToken, `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { id } }`, {
      input: {
        profileId,
        expectedVersion: current.version,
        patch: { contactPhone: '+12125550142', links: [{ label: 'Site', url: 'https://example.com/pat' }] },
      },
    });
    // A draft studio with an exact address: erased as well, although it was never public.
    const studio = (
      await gqlOk(accessToken, `mutation($input: CreateStudioInput!) { createStudio(input: $input) { id version } }`, {
        input: { name: 'Pat Loft', slug: `pat-loft-${userId.slice(-10).toLowerCase()}` },
      })
    ).createStudio;
    await gqlOk(accessToken, `mutation($input: SaveStudioDraftInput!) { saveStudioDraft(input: $input) { id } }`, {
      input: {
        studioId: studio.id,
        expectedVersion: studio.version,
        patch: { addressLine1: '12 Hidden Lane', postalCode: '90012', contactEmail, contactPhone: '+12125550143' },
      },
    });

    const page = await gqlOk(null, PUBLIC, { slug });
    const urls: string[] = page.publicProfile.portfolio.flatMap((image: { variants: { url: string }[] }) =>
      image.variants.map((variant) => variant.url),
    );
    expect(urls.length).toBeGreaterThan(0);
    expect((await fetch(urls[0]!)).status).toBe(200);
    expect(await publicKeys(`media/${mediaId}/`)).toHaveLength(4);

    // The real flow: deleteAccount needs a step-up (emailed code), and the export offered or declined.
    await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
    const stepped = await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil } }', {
      input: { method: 'EMAIL_CODE', code: await latestCode(email, 'auth.step_up') },
    });
    expect(stepped.body.errors).toBeUndefined();
    const deleted = await gql(
      accessToken,
      'mutation { deleteAccount(input: { confirm: "DELETE", declineExport: true }) }',
    );
    expect(deleted.body.data.deleteAccount).toBe(true);

    // Consumers run after the relay: the page goes (public pages are cached for a few seconds).
    await eventually(async () => (await gqlAs(null, PUBLIC, { slug })).errors?.[0]?.errorType === 'NOT_FOUND', 20_000);
    await eventually(async () => (await publicKeys(`media/${mediaId}/`)).length === 0, 20_000);
    for (const url of urls) expect((await fetch(url)).status).toBe(404);

    const [profile] = await sql(
      `SELECT id, slug, status, owner_status, contact_email, contact_phone, links FROM service_profiles WHERE id = $1`,
      [profileId],
    );
    expect(profile).toEqual({
      id: profileId,
      // The slug was built from the display name: it is replaced by one built from the id.
      slug: erasedSlug(profileId),
      status: 'UNPUBLISHED',
      owner_status: 'ERASED',
      contact_email: null,
      contact_phone: null,
      links: [],
    });
    const [studioRow] = await sql(
      `SELECT id, owner_status, address_line1, address_line2, postal_code, contact_email, contact_phone FROM studios WHERE id = $1`,
      [studio.id],
    );
    expect(studioRow).toEqual({
      id: studio.id,
      owner_status: 'ERASED',
      address_line1: null,
      address_line2: null,
      postal_code: null,
      contact_email: null,
      contact_phone: null,
    });
    const media = await sql(
      `SELECT status, variants, public_variants, original_key FROM media WHERE owner_user_id = $1`,
      [userId],
    );
    expect(media.length).toBeGreaterThan(0);
    for (const row of media)
      expect(row).toEqual({ status: 'DELETED', variants: [], public_variants: [], original_key: null });
    const [prefs] = await sql(
      `SELECT nudges_enabled, digest_enabled FROM notification_preferences WHERE user_id = $1`,
      [userId],
    );
    expect(prefs).toEqual({ nudges_enabled: false, digest_enabled: false });
    const unpublished = await sql(
      `SELECT payload FROM outbox_events WHERE aggregate_id = $1 AND type = 'profile.unpublished'`,
      [profileId],
    );
    expect(unpublished.map((row) => row.payload.reason)).toEqual(['account_deleted']);
    // Nothing sensitive left anywhere in the rows of this account.
    const everything = JSON.stringify([
      await sql('SELECT * FROM service_profiles WHERE owner_user_id = $1', [userId]),
      await sql('SELECT * FROM studios WHERE owner_user_id = $1', [userId]),
    ]);
    for (const secret of [contactEmail, '2125550142', '12 Hidden Lane', '90012', 'example.com/pat'])
      expect(everything).not.toContain(secret);

    // The access token outlives the account by minutes: it no longer reaches the profile or uploads.
    expect(
      (await gqlAs(accessToken, `query($id: ID!) { myProfile(id: $id) { id } }`, { id: profileId })).errors?.[0]
        ?.errorType,
    ).toBe('NOT_FOUND');
    const upload = await gqlAs(
      accessToken,
      `mutation($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) { media { id } } }`,
      { input: { ownerType: 'PROFILE', ownerId: profileId, contentType: 'image/jpeg', sizeBytes: 1000 } },
    );
    expect(upload.errors?.[0]?.errorType).toBe('NOT_FOUND');
    expect(
      (await gqlAs(accessToken, `mutation($id: ID!) { publishProfile(id: $id) { status } }`, { id: profileId }))
        .errors?.[0]?.errorType,
    ).toBe('NOT_FOUND');
  });

  it('refuses a published listing whose owner is erased, by the owner_status filter alone', async () => {
    const token = await mintAccessToken({ userId: newId('user'), roles: ['provider'] });
    const { profileId, slug } = await seedPublishedProfile(token);
    // Simulates the window in which status still says PUBLISHED but the owner is already erased.
    await sql(`UPDATE service_profiles SET owner_status = 'ERASED' WHERE id = $1`, [profileId]);
    await eventually(async () => (await gqlAs(null, PUBLIC, { slug })).errors?.[0]?.errorType === 'NOT_FOUND', 10_000);
    const [row] = await sql(`SELECT status FROM service_profiles WHERE id = $1`, [profileId]);
    expect(row!.status).toBe('PUBLISHED');
  });

  it('ignores a second delivery of the same user.deleted event', { timeout: 120_000 }, async () => {
    const { accessToken, email, userId } = await registeredUser({ role: 'provider' });
    const { profileId } = await seedPublishedProfile(accessToken);
    await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
    await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil } }', {
      input: { method: 'EMAIL_CODE', code: await latestCode(email, 'auth.step_up') },
    });
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
    const before = await sql(`SELECT version FROM service_profiles WHERE id = $1`, [profileId]);
    // Redelivery (as SQS would after a lost acknowledgement): the relay sends the row again.
    await sql(`UPDATE outbox_events SET published_at = NULL WHERE id = $1`, [event!.id]);
    await eventually(
      async () =>
        (await sql(`SELECT published_at FROM outbox_events WHERE id = $1`, [event!.id]))[0]!.published_at !== null,
      20_000,
    );
    expect(await sql(`SELECT version FROM service_profiles WHERE id = $1`, [profileId])).toEqual(before);
    expect(
      await sql(`SELECT 1 FROM outbox_events WHERE aggregate_id = $1 AND type = 'profile.unpublished'`, [profileId]),
    ).toHaveLength(1);
  });
});
