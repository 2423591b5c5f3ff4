/**
 * AppSync's per-resolver cache of the public pages, on the local stack (issue 17): the gateway
 * emulates the cache with the keys and TTLs of infra/definitions/domains.ts `cachedReads`, and the
 * eviction runs the deployed APPSYNC_JS code behind the AWS_IAM mutation `evictPublicListing`.
 * A row changed behind the API's back (plain SQL, no event) is how a test sees that an answer came
 * from the cache; a listing change made through the API or announced by an outbox event is seen by
 * the very next read, long before the TTL.
 */
import { describe, expect, it } from 'vitest';
import { AppSyncIamClient } from '../../lambdas/adapters/appsync-iam-client.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { enqueueEvent } from '../../lambdas/core/db/outbox.ts';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { cachedReads } from '../../infra/definitions/domains.ts';
import { EVICT_PUBLIC_LISTING } from '../../lambdas/profiles/public-page-eviction.ts';
import { EVICT_BOOKING_TERMS } from '../../lambdas/adapters/appsync-terms-eviction.ts';
import { hoursFromNow, openAllDay, publishedStudio } from '../support/booking.ts';
import { erasedSlug } from '../../lambdas/profiles/erased-slug.ts';
import { stackInfo } from '../support/clients.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

const PAGE = 'query($slug: String!) { publicProfile(slug: $slug) { slug displayName headline } }';
const TERMS = 'query($id: ID!) { bookingTerms(resourceId: $id) { cancellationPolicy instantBook } }';
const SLOTS = 'query($input: BookingSlotsInput!) { bookingSlots(input: $input) { slots { startsAt } } }';
const STUDIO_PAGE = 'query($slug: String!) { publicStudio(slug: $slug) { slug name } }';

/** A published profile written straight to the database (no event: nothing evicts on its own). */
async function publishedProfile() {
  const ownerId = newId('user');
  const profileId = newId('profile');
  const slug = `cache-${profileId.slice(-10).toLowerCase()}`;
  await sql(
    `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, headline, published_at)
     VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Cache One', 'First headline', now())`,
    [profileId, ownerId, slug],
  );
  const token = await mintAccessToken({ userId: ownerId, roles: ['provider'] });
  return { ownerId, profileId, slug, token };
}

const renameBehindTheApi = (profileId: string, name: string) =>
  sql('UPDATE service_profiles SET display_name = $2 WHERE id = $1', [profileId, name]);

const page = async (slug: string) => (await gqlOk(null, PAGE, { slug })).publicProfile;

function lambdaClient() {
  // The local stack's Lambda credentials (s3rver's fixed pair; not secrets), signing as a Lambda does.
  return new AppSyncIamClient({
    graphqlUrl: stackInfo().endpoints.graphqlUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

describe('public pages through the API cache', () => {
  it('serves a public page from the cache to API-key and signed-in callers; a signed-in read of the owner view is never cached', async () => {
    const { profileId, slug, token } = await publishedProfile();
    expect(await page(slug)).toMatchObject({ slug, displayName: 'Cache One' });
    await renameBehindTheApi(profileId, 'Cache Two');
    // The cached answer, for the API key and for a signed-in visitor alike.
    expect((await page(slug)).displayName).toBe('Cache One');
    expect((await gqlOk(token, PAGE, { slug })).publicProfile.displayName).toBe('Cache One');
    // The owner's own view (OIDC only, not in cachedReads) reads the row every time.
    const mine = 'query($id: ID!) { myProfile(id: $id) { displayName } }';
    expect((await gqlOk(token, mine, { id: profileId })).myProfile.displayName).toBe('Cache Two');
    await renameBehindTheApi(profileId, 'Cache Three');
    expect((await gqlOk(token, mine, { id: profileId })).myProfile.displayName).toBe('Cache Three');
  });

  it("evicts on the owner's write: the next read, right after the mutation, sees the change", async () => {
    const { profileId, slug, token } = await publishedProfile();
    await page(slug);
    const { version } = (await gqlOk(token, 'query($id: ID!) { myProfile(id: $id) { version } }', { id: profileId }))
      .myProfile;
    await gqlOk(token, 'mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { version } }', {
      input: { profileId, expectedVersion: version, patch: { headline: 'Second headline' } },
    });
    expect((await page(slug)).headline).toBe('Second headline');
    await gqlOk(token, 'mutation($id: ID!) { unpublishProfile(id: $id) { status } }', { id: profileId });
    const gone = await gqlAs(null, PAGE, { slug });
    expect(gone.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
  });

  it('evicts on a listing event (the profiles-public-cache consumer): seen well before the TTL', async () => {
    const { ownerId, profileId, slug } = await publishedProfile();
    await page(slug);
    await renameBehindTheApi(profileId, 'Renamed Elsewhere');
    expect((await page(slug)).displayName).toBe('Cache One');
    // What a change made outside the owner's write path announces (media changes do exactly this).
    const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
    const started = Date.now();
    try {
      await db.transaction((tx) =>
        enqueueEvent(
          tx,
          buildEvent('profile.updated', {
            profileId,
            ownerUserId: ownerId,
            role: 'PHOTOGRAPHER',
            slug,
            city: null,
            version: 1,
            reason: 'media.reordered',
          }),
        ),
      );
    } finally {
      await db.close();
    }
    await eventually(async () => (await page(slug)).displayName === 'Renamed Elsewhere', 20_000, 100);
    expect(Date.now() - started).toBeLessThan(cachedReads['Query.publicProfile']!.ttlSeconds * 1000);
  });

  it('publishing or unpublishing another profile of the owner evicts this page too (its roles changed)', async () => {
    const { slug, token } = await publishedProfile();
    const roles = async () =>
      (await gqlOk(null, 'query($slug: String!) { publicProfile(slug: $slug) { roles } }', { slug })).publicProfile
        .roles;
    expect(await roles()).toEqual(['PHOTOGRAPHER']);
    const model = await seedPublishedProfile(token, undefined, 'MODEL');
    await eventually(async () => (await roles()).includes('MODEL'), 20_000, 100);
    await gqlOk(token, 'mutation($id: ID!) { unpublishProfile(id: $id) { status } }', { id: model.profileId });
    await eventually(async () => (await roles()).length === 1, 20_000, 100);
    expect(await roles()).toEqual(['PHOTOGRAPHER']);
  });

  it("evicts an erased account's page under its former slug from the pending row, even when the after-commit eviction never happened", async () => {
    const { ownerId, profileId, slug } = await publishedProfile();
    expect((await page(slug)).displayName).toBe('Cache One');
    // What the erasure's transaction leaves behind when its after-commit eviction failed: the row erased
    // under a new slug, the former slug pending, and the unpublished event carrying only the new slug.
    const scrubbed = erasedSlug(profileId);
    const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
    try {
      await db.transaction(async (tx) => {
        await tx.query(
          `UPDATE service_profiles SET owner_status = 'ERASED', status = 'UNPUBLISHED', slug = $2, version = version + 1
            WHERE id = $1`,
          [profileId, scrubbed],
        );
        await tx.query(`INSERT INTO public_page_evictions (kind, slug, listing_id) VALUES ('PROFILE', $1, $2)`, [
          slug,
          profileId,
        ]);
        await enqueueEvent(
          tx,
          buildEvent('profile.unpublished', {
            profileId,
            ownerUserId: ownerId,
            role: 'PHOTOGRAPHER',
            slug: scrubbed,
            city: null,
            version: 2,
            reason: 'account_deleted',
          }),
        );
      });
    } finally {
      await db.close();
    }
    // Still cached: nothing has evicted the former slug yet.
    expect((await page(slug)).displayName).toBe('Cache One');
    await eventually(
      async () => (await gqlAs(null, PAGE, { slug })).errors?.[0]?.errorType === 'NOT_FOUND',
      20_000,
      100,
    );
    // The pending row goes once the page is evicted for good (after the fill window).
    await eventually(
      async () => (await sql('SELECT 1 FROM public_page_evictions WHERE slug = $1', [slug])).length === 0,
      50_000,
      500,
    );
  }, 90_000);

  it('refuses the eviction mutation to API-key and signed-in callers; a Lambda (AWS_IAM) evicts', async () => {
    const { profileId, slug, token } = await publishedProfile();
    await page(slug);
    await renameBehindTheApi(profileId, 'Not Yet');
    for (const caller of [null, token]) {
      const answer = await gqlAs(caller, EVICT_PUBLIC_LISTING, { kind: 'PROFILE', slug });
      expect(answer.data).toEqual({ evictPublicListing: null });
      expect(answer.errors?.[0]).toMatchObject({
        errorType: 'Unauthorized',
        message: 'Not Authorized to access evictPublicListing on type Mutation',
      });
    }
    expect((await page(slug)).displayName).toBe('Cache One');
    const evicted = await lambdaClient().execute(EVICT_PUBLIC_LISTING, { kind: 'PROFILE', slug });
    expect(evicted).toEqual({ evictPublicListing: { kind: 'PROFILE', slug } });
    expect((await page(slug)).displayName).toBe('Not Yet');
  });

  it('caches a studio page by slug and evicts it when the host unpublishes', async () => {
    const ownerId = newId('user');
    const studioId = newId('studio');
    const slug = `cache-loft-${studioId.slice(-10).toLowerCase()}`;
    await sql(
      `INSERT INTO studios (id, owner_user_id, slug, status, name, city_code, published_at)
       VALUES ($1, $2, $3, 'PUBLISHED', 'Cache Loft', 'us-nyc', now())`,
      [studioId, ownerId, slug],
    );
    expect((await gqlOk(null, STUDIO_PAGE, { slug })).publicStudio.name).toBe('Cache Loft');
    await sql('UPDATE studios SET name = $2 WHERE id = $1', [studioId, 'Loft Renamed']);
    expect((await gqlOk(null, STUDIO_PAGE, { slug })).publicStudio.name).toBe('Cache Loft');
    const token = await mintAccessToken({ userId: ownerId, roles: ['host'] });
    await gqlOk(token, 'mutation($id: ID!) { unpublishStudio(id: $id) { status } }', { id: studioId });
    expect((await gqlAs(null, STUDIO_PAGE, { slug })).errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
  });

  it("caches a listing's booking terms for every caller; the owner's setAvailability and a listing event evict them at once", async () => {
    const ownerId = newId('user');
    const token = await mintAccessToken({ userId: ownerId, roles: ['host'] });
    const studioId = await publishedStudio(ownerId, { instantBook: false });
    const slug = (await sql<{ slug: string }>('SELECT slug FROM studios WHERE id = $1', [studioId]))[0]!.slug;
    await openAllDay(token, studioId, { cancellationPolicy: 'FLEXIBLE' });
    const visitor = await mintAccessToken({ userId: newId('user'), roles: ['client'] });
    const terms = async (caller: string | null) =>
      (await gqlOk(caller, TERMS, { id: studioId })).bookingTerms as {
        cancellationPolicy: string;
        instantBook: boolean;
      };
    expect(await terms(null)).toMatchObject({ cancellationPolicy: 'FLEXIBLE', instantBook: false });
    // Changed behind the API (no eviction): the API key and a signed-in visitor share the cached entry.
    await sql(`UPDATE booking_settings SET cancellation_policy = 'STRICT' WHERE resource_id = $1`, [studioId]);
    expect((await terms(null)).cancellationPolicy).toBe('FLEXIBLE');
    expect((await terms(visitor)).cancellationPolicy).toBe('FLEXIBLE');
    // The owner's write evicts after its commit: the very next read shows it.
    await openAllDay(token, studioId, { cancellationPolicy: 'MODERATE' });
    expect((await terms(null)).cancellationPolicy).toBe('MODERATE');
    // Instant Book is the listing's: a listing event (profiles-public-cache) evicts the terms too.
    await sql('UPDATE studios SET instant_book = true WHERE id = $1', [studioId]);
    expect((await terms(null)).instantBook).toBe(false);
    const started = Date.now();
    const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
    try {
      await db.transaction((tx) =>
        enqueueEvent(tx, buildEvent('studio.updated', { studioId, slug, city: 'us-lax', version: 2 })),
      );
    } finally {
      await db.close();
    }
    await eventually(async () => (await terms(null)).instantBook, 20_000, 100);
    expect(Date.now() - started).toBeLessThan(cachedReads['Query.bookingTerms']!.ttlSeconds * 1000);
  });

  it('refuses evictBookingTerms to API-key and signed-in callers; a Lambda (AWS_IAM) evicts', async () => {
    const ownerId = newId('user');
    const token = await mintAccessToken({ userId: ownerId, roles: ['host'] });
    const studioId = await publishedStudio(ownerId, { instantBook: false });
    await openAllDay(token, studioId, { cancellationPolicy: 'FLEXIBLE' });
    expect((await gqlOk(null, TERMS, { id: studioId })).bookingTerms.cancellationPolicy).toBe('FLEXIBLE');
    await sql(`UPDATE booking_settings SET cancellation_policy = 'STRICT' WHERE resource_id = $1`, [studioId]);
    for (const caller of [null, token]) {
      const answer = await gqlAs(caller, EVICT_BOOKING_TERMS, { resourceId: studioId });
      expect(answer.data).toEqual({ evictBookingTerms: null });
      expect(answer.errors?.[0]).toMatchObject({ errorType: 'Unauthorized' });
    }
    expect((await gqlOk(null, TERMS, { id: studioId })).bookingTerms.cancellationPolicy).toBe('FLEXIBLE');
    expect(await lambdaClient().execute(EVICT_BOOKING_TERMS, { resourceId: studioId })).toEqual({
      evictBookingTerms: { resourceId: studioId },
    });
    expect((await gqlOk(null, TERMS, { id: studioId })).bookingTerms.cancellationPolicy).toBe('STRICT');
  });

  it('serves booking slots from the cache for at most their TTL, shared by every caller', async () => {
    const ownerId = newId('user');
    const token = await mintAccessToken({ userId: ownerId, roles: ['host'] });
    const studioId = await publishedStudio(ownerId, { instantBook: false });
    await openAllDay(token, studioId, {});
    const input = { studioId, durationMinutes: 60, from: hoursFromNow(24 * 3), days: 1 };
    const slots = async (caller: string | null) =>
      ((await gqlOk(caller, SLOTS, { input })).bookingSlots.slots as { startsAt: string }[]).map((s) => s.startsAt);
    const before = await slots(null);
    expect(before.length).toBeGreaterThan(10);
    // A blackout over the whole day, written behind the API: cached answers still show the slots.
    await sql(
      `UPDATE booking_settings SET availability = jsonb_set(availability, '{blackouts}', $2::jsonb) WHERE resource_id = $1`,
      [studioId, JSON.stringify([{ start: new Date(Date.now()).toISOString(), end: hoursFromNow(24 * 30) }])],
    );
    const filled = Date.now();
    expect(await slots(null)).toEqual(before);
    expect(await slots(await mintAccessToken({ userId: newId('user'), roles: ['client'] }))).toEqual(before);
    // ...until the entry expires: never longer than the TTL (10 s).
    await eventually(async () => (await slots(null)).length === 0, 30_000, 250);
    expect(Date.now() - filled).toBeLessThan((cachedReads['Query.bookingSlots']!.ttlSeconds + 5) * 1000);
  }, 60_000);

  it('answers every cached read identically to the API key and a signed-in user, each asking the resolver itself', async () => {
    // A shared entry is only right if the resolver's answer does not depend on who asks: here each caller's
    // read reaches the Lambda (a fresh listing, then an eviction or the TTL between the two callers).
    const { slug } = await publishedProfile();
    const ownerId = newId('user');
    const studioId = await publishedStudio(ownerId, { instantBook: true });
    const studioSlug = (await sql<{ slug: string }>('SELECT slug FROM studios WHERE id = $1', [studioId]))[0]!.slug;
    await openAllDay(await mintAccessToken({ userId: ownerId, roles: ['host'] }), studioId, {
      cancellationPolicy: 'STRICT',
    });
    const user = await mintAccessToken({ userId: newId('user'), roles: ['client'] });
    const lambda = lambdaClient();
    const FULL_PAGE = `query($slug: String!) { publicProfile(slug: $slug) { id slug role roles displayName headline bio
      city cityName verified tags languages cancellationPolicy reschedulePolicy instantBook } }`;
    const FULL_TERMS = `query($id: ID!) { bookingTerms(resourceId: $id) { resourceId instantBook timezone
      minDurationMinutes granularityMinutes minNoticeMinutes cancellationPolicy cancellationTerms } }`;
    const FULL_SLOTS =
      'query($input: BookingSlotsInput!) { bookingSlots(input: $input) { timezone durationMinutes slots { startsAt endsAt } } }';
    const reads: {
      coordinate: string;
      query: string;
      variables: Record<string, unknown>;
      refresh: () => Promise<unknown>;
    }[] = [
      {
        coordinate: 'Query.publicProfile',
        query: FULL_PAGE,
        variables: { slug },
        refresh: () => lambda.execute(EVICT_PUBLIC_LISTING, { kind: 'PROFILE', slug }),
      },
      {
        coordinate: 'Query.publicStudio',
        query: STUDIO_PAGE,
        variables: { slug: studioSlug },
        refresh: () => lambda.execute(EVICT_PUBLIC_LISTING, { kind: 'STUDIO', slug: studioSlug }),
      },
      {
        coordinate: 'Query.bookingTerms',
        query: FULL_TERMS,
        variables: { id: studioId },
        refresh: () => lambda.execute(EVICT_BOOKING_TERMS, { resourceId: studioId }),
      },
      {
        coordinate: 'Query.bookingSlots',
        query: FULL_SLOTS,
        variables: { input: { studioId, durationMinutes: 60, from: hoursFromNow(24 * 4), days: 1 } },
        // No eviction for slots: their short TTL is waited out.
        refresh: () =>
          new Promise((resolve) => setTimeout(resolve, cachedReads['Query.bookingSlots']!.ttlSeconds * 1000 + 1000)),
      },
    ];
    for (const read of reads) {
      const anonymous = await gqlAs(null, read.query, read.variables);
      await read.refresh();
      const signedIn = await gqlAs(user, read.query, read.variables);
      expect(anonymous.errors, read.coordinate).toBeUndefined();
      expect(signedIn, read.coordinate).toEqual(anonymous);
    }
    // Query.cities has no arguments and no eviction (one entry for everyone, 300 s): its resolver takes
    // neither arguments nor a caller (platform.handler.ts), so it is not repeated here.
  }, 60_000);
});
