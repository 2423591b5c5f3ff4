/**
 * Search on the real local stack (PostgreSQL engine): a profile published, edited, unpublished,
 * republished and erased (deleteAccount) is found, changed and gone within 5 s, through the outbox,
 * the relay and the indexer consumer; cursors replayed with other filters are refused; input
 * outside the hard limits is a typed error, never INTERNAL.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { gql, latestCode, randomLoopbackIp, registeredUser } from '../support/auth-client.ts';
import { eventually, gqlAs, gqlOk, sql, uploadImage } from '../support/graphql.ts';
import { testJpeg } from '../support/images.ts';
import { openAllDay } from '../support/booking.ts';
import { seedPublishedProfile } from '../support/profiles.ts';

const SEARCH = `query($input: SearchListingsInput!) {
  searchListings(input: $input) {
    items { kind slug role title headline city cityName priceMinCents priceMaxCents currency verified instantBook coverUrl distanceKm }
    nextCursor engine
  } }`;

type Item = { slug: string; title: string; coverUrl: string | null; distanceKm: number | null };

/**
 * With the API key, each call from its own loopback address: the polls below ask with a window
 * many times, and window searches are rate-limited per IP (search-rate-limit.int.test.ts).
 */
async function search(
  input: Record<string, unknown>,
): Promise<{ items: Item[]; nextCursor: string | null; engine: string }> {
  const answer = await gql(null, SEARCH, { input }, randomLoopbackIp());
  if (answer.status !== 200 || answer.body.errors) throw new Error(`search failed: ${JSON.stringify(answer.body)}`);
  return answer.body.data.searchListings;
}

const VISIBLE_WITHIN_MS = 5_000;

/** Polls until `check` holds; returns how long it took (must be within 5 s). */
async function within5s(check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  await eventually(async () => await check(), VISIBLE_WITHIN_MS, 100);
  return Date.now() - started;
}

function uniqueWord(): string {
  // Letters only: one token for the text index; unlikely to collide with anything else indexed.
  return Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
}

/**
 * The first image moderation of a stack loads the classifier; on a loaded machine that alone can
 * outlast seedPublishedProfile's 60 s wait. Warm it up once (setup, not under test here).
 */
beforeAll(async () => {
  const { accessToken } = await registeredUser({ role: 'provider' });
  const { id } = (
    await gqlOk(
      accessToken,
      `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id } }`,
      {
        input: { role: 'MODEL', displayName: 'Warm Up' },
      },
    )
  ).createServiceProfile;
  const upload = await uploadImage(accessToken, {
    ownerType: 'PROFILE',
    ownerId: id,
    body: await testJpeg({ seed: 5 }),
    contentType: 'image/jpeg',
    alt: 'warm-up',
  });
  await eventually(
    async () => {
      const answer = await gqlOk(accessToken, `query($id: ID!) { myMedia(id: $id) { status } }`, { id: upload.id });
      return answer.myMedia.status !== 'PROCESSING' && answer.myMedia.status !== 'AWAITING_UPLOAD';
    },
    300_000,
    500,
  );
}, 320_000);

describe('search (PostgreSQL engine on the local stack)', () => {
  it('publish, edit, unpublish, republish and erase are visible within 5 s', async () => {
    const { accessToken, email } = await registeredUser({ role: 'provider' });
    const { profileId, slug } = await seedPublishedProfile(accessToken);
    const found = async (input: Record<string, unknown>) =>
      (await search({ ...input, first: 50 })).items.find((item) => item.slug === slug);

    // Published: found by city + role + price band + radius around Los Angeles.
    const near = { latitude: 34.05, longitude: -118.25, radiusKm: 25 };
    await within5s(async () => !!(await found({ text: 'Pat Shutter', city: 'us-lax', role: 'PHOTOGRAPHER', near })));
    const hit = (await found({
      text: 'Pat Shutter',
      city: 'us-lax',
      near,
      priceMinCents: 10000,
      priceMaxCents: 30000,
    }))!;
    expect(hit.title).toBe('Pat Shutter');
    expect(hit.distanceKm).toBeLessThan(25);
    expect(hit.coverUrl).toMatch(/^http.*\/media\/med_[^/]+\/[a-z]+(\.[0-9a-f]+)?\.webp$/);
    expect((await fetch(hit.coverUrl!)).status).toBe(200);
    expect(await found({ text: 'Pat Shutter', city: 'us-nyc' })).toBeUndefined();
    expect(await found({ text: 'Pat Shutter', city: 'us-lax', priceMinCents: 100000 })).toBeUndefined();

    // Edited: the new name is searchable (with a typo, too), the old one no longer finds it.
    const name = `Quinn ${uniqueWord()}`;
    const { version } = (
      await gqlOk(accessToken, `query($id: ID!) { myProfile(id: $id) { version } }`, { id: profileId })
    ).myProfile;
    await gqlOk(accessToken, `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { id } }`, {
      input: { profileId, expectedVersion: version, patch: { displayName: name } },
    });
    await within5s(async () => (await found({ text: name }))?.title === name);
    const typo = `${name.slice(0, -2)}${name.at(-1)}${name.at(-2)}`;
    expect((await found({ text: typo }))?.title).toBe(name);

    // Unpublished: gone.
    await gqlOk(accessToken, `mutation($id: ID!) { unpublishProfile(id: $id) { status } }`, { id: profileId });
    await within5s(async () => !(await found({ text: name })));

    // Republished, then the account erased: gone, and its documents are gone from the index.
    await gqlOk(accessToken, `mutation($id: ID!) { publishProfile(id: $id) { status } }`, { id: profileId });
    await within5s(async () => !!(await found({ text: name })));
    await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
    await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { validUntil } }', {
      input: { method: 'EMAIL_CODE', code: await latestCode(email, 'auth.step_up') },
    });
    const deleted = await gql(
      accessToken,
      'mutation { deleteAccount(input: { confirm: "DELETE", declineExport: true }) }',
    );
    expect(deleted.body.data.deleteAccount).toBe(true);
    await within5s(async () => !(await found({ text: name })));
    expect(await sql('SELECT id FROM search_documents WHERE id = $1', [profileId])).toEqual([]);
  }, 180_000);

  it('filters by price in the listing currency and by a free slot in a window (booking feasibility)', async () => {
    const { accessToken } = await registeredUser({ role: 'provider' });
    const { profileId, slug } = await seedPublishedProfile(accessToken);
    const name = `Avery ${uniqueWord()}`;
    const { version } = (
      await gqlOk(accessToken, `query($id: ID!) { myProfile(id: $id) { version } }`, { id: profileId })
    ).myProfile;
    await gqlOk(accessToken, `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { id } }`, {
      input: { profileId, expectedVersion: version, patch: { displayName: name } },
    });
    const found = async (input: Record<string, unknown>) =>
      (await search({ text: name, first: 50, ...input })).items.some((item) => item.slug === slug);
    await within5s(async () => await found({}));

    // Price band in the listing's own currency (the seeded profile is priced in USD, 200–900 $).
    expect(await found({ currency: 'usd', priceMinCents: 10_000, priceMaxCents: 30_000 })).toBe(true);
    expect(await found({ currency: 'EUR', priceMinCents: 10_000, priceMaxCents: 30_000 })).toBe(false);
    expect(await found({ currency: 'USD', priceMaxCents: 1_000 })).toBe(false);

    const day = 86_400_000;
    const start = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 2 * day;
    const window = { from: new Date(start).toISOString(), to: new Date(start + day).toISOString() };
    const later = { from: new Date(start + 5 * day).toISOString(), to: new Date(start + 6 * day).toISOString() };
    // No availability set: nothing is bookable, so a window finds nothing.
    expect(await found({ available: window })).toBe(false);
    await openAllDay(accessToken, profileId, {});
    await within5s(async () => await found({ available: window }));
    expect(await found({ available: later, currency: 'USD' })).toBe(true);
    // A blackout over the whole first window: only the later window finds the listing.
    await gqlOk(accessToken, `mutation($input: SetAvailabilityInput!) { setAvailability(input: $input) { version } }`, {
      input: {
        resourceId: profileId,
        availability: {
          timezone: 'America/Los_Angeles',
          weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
          granularityMinutes: 60,
          minDurationMinutes: 60,
          minNoticeMinutes: 0,
          blackouts: [{ start: window.from, end: window.to }],
        },
      },
    });
    await within5s(async () => !(await found({ available: window })));
    expect(await found({ available: later })).toBe(true);
  }, 180_000);

  it('refuses a cursor replayed with other filters, and a forged one, with typed errors', async () => {
    const { accessToken } = await registeredUser({ role: 'provider' });
    await seedPublishedProfile(accessToken);
    const { accessToken: second } = await registeredUser({ role: 'provider' });
    await seedPublishedProfile(second);
    const first = await eventually(async () => {
      const page = await search({ city: 'us-lax', first: 1 });
      return page.nextCursor ? page : null;
    }, VISIBLE_WITHIN_MS);
    expect(first.items).toHaveLength(1);
    const next = await search({ city: 'us-lax', first: 1, after: first.nextCursor });
    expect(next.items[0]?.slug).not.toBe(first.items[0]!.slug);

    const replayed = await gqlAs(null, SEARCH, { input: { city: 'us-mia', first: 1, after: first.nextCursor } });
    expect(replayed.errors?.[0]?.errorType).toBe('CURSOR_FILTER_MISMATCH');
    expect(replayed.data?.searchListings ?? null).toBeNull();
    const resorted = await gqlAs(null, SEARCH, {
      input: { city: 'us-lax', sort: 'NEWEST', first: 1, after: first.nextCursor },
    });
    expect(resorted.errors?.[0]?.errorType).toBe('CURSOR_FILTER_MISMATCH');
    // The newer filters are part of what a cursor is bound to, too.
    for (const other of [
      { currency: 'USD' },
      { available: { from: '2027-03-01T00:00:00Z', to: '2027-03-02T00:00:00Z' } },
    ]) {
      const answer = await gqlAs(null, SEARCH, {
        input: { city: 'us-lax', first: 1, after: first.nextCursor, ...other },
      });
      expect(answer.errors?.[0]?.errorType, JSON.stringify(other)).toBe('CURSOR_FILTER_MISMATCH');
    }
    const forged = await gqlAs(null, SEARCH, { input: { city: 'us-lax', after: 'bm90LWEtY3Vyc29y' } });
    expect(forged.errors?.[0]?.errorType).toBe('INVALID_CURSOR');
    // Cursors carry no internal ids.
    expect(Buffer.from(first.nextCursor!, 'base64url').toString()).not.toMatch(/prf_|usr_|std_/);
  }, 120_000);

  it('answers suggestions within hard limits and refuses out-of-range input as BAD_REQUEST', async () => {
    const { accessToken } = await registeredUser({ role: 'provider' });
    await seedPublishedProfile(accessToken);
    const suggestions = await eventually(async () => {
      const answer = await gqlOk(null, `{ searchSuggestions(prefix: "pat", first: 3) { text kind } }`);
      return answer.searchSuggestions.length ? answer.searchSuggestions : null;
    }, VISIBLE_WITHIN_MS);
    expect(suggestions.length).toBeLessThanOrEqual(3);
    expect(suggestions).toContainEqual({ text: 'Pat Shutter', kind: 'LISTING' });
    expect((await gqlOk(null, `{ searchSuggestions(prefix: "l") { text } }`)).searchSuggestions).toEqual([]);
    expect((await gqlOk(null, `{ searchSuggestions(prefix: "los") { text kind } }`)).searchSuggestions).toContainEqual({
      text: 'Los Angeles',
      kind: 'CITY',
    });
    for (const input of [
      { first: 51 },
      { near: { latitude: 34, longitude: -118, radiusKm: 5000 } },
      { priceMinCents: 500, priceMaxCents: 100 },
      { sort: 'DISTANCE' },
      { city: 'Los Angeles' },
      { text: 'x'.repeat(101) },
      { currency: 'dollars' },
      { available: { from: '2027-03-02T00:00:00Z', to: '2027-03-01T00:00:00Z' } },
      { available: { from: '2027-03-01T00:00:00Z', to: '2027-05-01T00:00:00Z' } },
    ]) {
      const answer = await gqlAs(null, SEARCH, { input });
      expect(answer.errors?.[0]?.errorType, JSON.stringify(input)).toMatch(/^(BAD_REQUEST|INVALID_SEARCH)$/);
    }
    const tooMany = await gqlAs(null, `{ searchSuggestions(prefix: "pat", first: 11) { text } }`);
    expect(tooMany.errors?.[0]?.errorType).toBe('BAD_REQUEST');
  }, 120_000);
});
