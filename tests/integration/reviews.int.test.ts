/**
 * Reviews over GraphQL against the local stack: bookings driven to COMPLETED through booking's
 * GraphQL open review windows (booking.completed → reviews consumer); double-blind until both
 * reviewed; the window closing (the publish job run as if 15 days later) publishes a single review;
 * contact details refused; strangers NOT_FOUND; a listing shows no average with 4 reviews and one
 * with 5; reports; concurrent submissions store one review; review.published in the outbox.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import { publishedProfile } from '../support/booking.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import {
  BOOKING_REVIEWS,
  completedLeg,
  LISTING_REVIEWS,
  openForQuickSessions,
  quickSlot,
  SUBMIT,
} from '../support/reviews.ts';
import { mintAccessToken } from '../support/tokens.ts';

const party = async (roles: ('client' | 'provider')[] = ['client']) => {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles }) };
};

let owner: { userId: string; token: string };
let profileId: string;

beforeAll(async () => {
  owner = await party(['provider']);
  profileId = await publishedProfile(owner.userId);
  await openForQuickSessions(owner.token, profileId);
}, 120_000);

describe('reviews', () => {
  it('double-blind through GraphQL: hidden until both reviewed, then both visible and announced', async () => {
    const client = await party();
    const { legId } = await completedLeg({
      ownerToken: owner.token,
      clientToken: client.token,
      profileId,
      startsAt: quickSlot(0),
    });

    const mine = (await gqlOk(client.token, SUBMIT, { input: { legId, rating: 5, body: 'Calm, precise, on time.' } }))
      .submitReview;
    expect(mine).toMatchObject({ legId, direction: 'CLIENT_TO_LISTING', rating: 5, visible: false });

    // The owner cannot see it yet, nor can the public.
    const ownerView = (await gqlOk(owner.token, BOOKING_REVIEWS, { legId })).bookingReviews;
    expect(ownerView).toMatchObject({
      viewerRole: 'OWNER',
      canReview: true,
      windowOpen: true,
      mine: null,
      theirs: null,
    });
    expect(
      (await gqlOk(null, LISTING_REVIEWS, { id: profileId })).listingReviews.reviews.map((r: { id: string }) => r.id),
    ).not.toContain(mine.id);

    // A stranger learns nothing: NOT_FOUND for the leg and for submitting.
    const stranger = await party();
    expect((await gqlAs(stranger.token, BOOKING_REVIEWS, { legId })).errors?.[0]).toMatchObject({
      errorType: 'NOT_FOUND',
    });
    expect((await gqlAs(stranger.token, SUBMIT, { input: { legId, rating: 1, body: 'x' } })).errors?.[0]).toMatchObject(
      {
        errorType: 'NOT_FOUND',
      },
    );
    // Contact details are refused, nothing stored.
    const contact = await gqlAs(owner.token, SUBMIT, {
      input: { legId, rating: 4, body: 'Email me: pat@example.com' },
    });
    expect(contact.errors?.[0]).toMatchObject({
      errorType: 'CONTACT_DETAILS',
      errorInfo: { code: 'REVIEWS.CONTACT_DETAILS' },
    });
    // Out-of-range rating: a typed BAD_REQUEST.
    const bad = await gqlAs(owner.token, SUBMIT, { input: { legId, rating: 6, body: 'Great' } });
    expect(bad.errors?.[0]).toMatchObject({ errorType: 'BAD_REQUEST' });

    const theirs = (await gqlOk(owner.token, SUBMIT, { input: { legId, rating: 4, body: 'Clear brief, kind.' } }))
      .submitReview;
    expect(theirs.visible).toBe(true);
    expect((await gqlOk(client.token, BOOKING_REVIEWS, { legId })).bookingReviews).toMatchObject({
      viewerRole: 'CLIENT',
      canReview: false,
      mine: { id: mine.id, visible: true },
      theirs: { id: theirs.id, rating: 4, body: 'Clear brief, kind.' },
    });
    const published = await sql(
      `SELECT payload FROM outbox_events WHERE type = 'review.published' AND aggregate_id = ANY($1) ORDER BY aggregate_id`,
      [[mine.id, theirs.id]],
    );
    expect(published.map((row) => row.payload.reviewId).sort()).toEqual([mine.id, theirs.id].sort());
    expect(published.find((row) => row.payload.reviewId === mine.id)!.payload).toMatchObject({
      legId,
      direction: 'CLIENT_TO_LISTING',
      listingType: 'PROFILE',
      listingId: profileId,
      rating: 5,
    });
    // A second review of the same leg by the same party is refused; the retry of the same one answers it.
    expect(
      (await gqlAs(client.token, SUBMIT, { input: { legId, rating: 1, body: 'Changed my mind' } })).errors?.[0],
    ).toMatchObject({ errorInfo: { code: 'REVIEWS.ALREADY_REVIEWED' } });
    expect(
      (await gqlOk(client.token, SUBMIT, { input: { legId, rating: 5, body: 'Calm, precise, on time.' } })).submitReview
        .id,
    ).toBe(mine.id);

    // Reporting a visible review: once per reporter.
    const report = `mutation($input: ReportReviewInput!) { reportReview(input: $input) { id reviewId reason } }`;
    const first = (
      await gqlOk(stranger.token, report, { input: { reviewId: mine.id, reason: 'FAKE', note: 'Never happened' } })
    ).reportReview;
    const again = (await gqlOk(stranger.token, report, { input: { reviewId: mine.id, reason: 'OFFENSIVE' } }))
      .reportReview;
    expect(again).toEqual(first);
    expect(await sql('SELECT count(*)::int AS n FROM review_reports WHERE review_id = $1', [mine.id])).toEqual([
      { n: 1 },
    ]);
  }, 120_000);

  it('a single review becomes visible when the window closes (publish job as if 15 days later)', async () => {
    const client = await party();
    const { legId } = await completedLeg({
      ownerToken: owner.token,
      clientToken: client.token,
      profileId,
      startsAt: quickSlot(1),
    });
    const mine = (await gqlOk(client.token, SUBMIT, { input: { legId, rating: 3, body: 'Fine session.' } }))
      .submitReview;
    expect((await gqlOk(owner.token, BOOKING_REVIEWS, { legId })).bookingReviews.theirs).toBeNull();

    const later = new Date(Date.now() + 15 * 86_400_000).toISOString();
    const job = await fetch(
      `${stackInfo().endpoints.restUrl}/dev/jobs/reviews-publish?now=${encodeURIComponent(later)}`,
    );
    expect(job.status).toBe(200);
    expect(((await job.json()) as { published: number }).published).toBeGreaterThanOrEqual(1);
    expect((await gqlOk(owner.token, BOOKING_REVIEWS, { legId })).bookingReviews.theirs).toMatchObject({
      id: mine.id,
      rating: 3,
    });
    expect(
      await sql(`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'review.published' AND aggregate_id = $1`, [
        mine.id,
      ]),
    ).toEqual([{ n: 1 }]);
  }, 120_000);

  it('50 concurrent submissions of both parties store exactly one review each and publish once', async () => {
    const client = await party();
    const { legId } = await completedLeg({
      ownerToken: owner.token,
      clientToken: client.token,
      profileId,
      startsAt: quickSlot(2),
    });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2
          ? gqlAs(client.token, SUBMIT, { input: { legId, rating: 5, body: 'Superb.' } })
          : gqlAs(owner.token, SUBMIT, { input: { legId, rating: 5, body: 'Superb client.' } }),
      ),
    );
    for (const answer of answers) expect(answer.errors, answer.text).toBeUndefined();
    expect(new Set(answers.map((a) => a.data.submitReview.id)).size).toBe(2);
    const rows = await sql('SELECT id, published_at FROM reviews WHERE leg_id = $1', [legId]);
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.published_at !== null)).toBe(true);
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'review.published' AND payload->>'legId' = $1`,
        [legId],
      ),
    ).toEqual([{ n: 2 }]);
  }, 120_000);

  it('a listing with 4 reviews shows no average; with 5 it does', async () => {
    const host = await party(['provider']);
    const listing = await publishedProfile(host.userId);
    await openForQuickSessions(host.token, listing);
    const ratings = [5, 4, 4, 3];
    for (const [i, rating] of ratings.entries()) {
      const client = await party();
      const { legId } = await completedLeg({
        ownerToken: host.token,
        clientToken: client.token,
        profileId: listing,
        startsAt: quickSlot(i),
      });
      await gqlOk(client.token, SUBMIT, { input: { legId, rating, body: `Session ${i + 1} went well.` } });
      await gqlOk(host.token, SUBMIT, { input: { legId, rating: 5, body: 'Lovely client.' } });
    }
    const four = (await gqlOk(null, LISTING_REVIEWS, { id: listing })).listingReviews;
    expect(four).toMatchObject({ count: 4, average: null });
    expect(four.distribution).toEqual([
      { rating: 5, count: 1 },
      { rating: 4, count: 2 },
      { rating: 3, count: 1 },
      { rating: 2, count: 0 },
      { rating: 1, count: 0 },
    ]);

    // A fifth completed session. Booking lets a session start at most an hour ahead and the hour holds
    // four 15-minute sessions, so this one's booking.completed is enqueued in the outbox as booking's
    // COMPLETE does (same catalog event); the relay and the reviews consumer handle it as any other.
    const fifth = await party();
    const legId = newId('bookingLeg');
    const event = buildEvent('booking.completed', {
      groupId: newId('booking'),
      clientUserId: fifth.userId,
      fromStatus: 'IN_PROGRESS',
      status: 'COMPLETED',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date().toISOString(),
      legs: [{ legId, resourceType: 'PROFILE', resourceId: listing, ownerUserId: host.userId }],
    });
    await sql(
      `INSERT INTO outbox_events (id, type, version, aggregate_type, aggregate_id, payload) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        newId('event'),
        event.type,
        event.version,
        event.aggregateType,
        event.aggregateId,
        JSON.stringify(event.payload),
      ],
    );
    await eventually(
      async () => (await sql('SELECT 1 FROM review_windows WHERE leg_id = $1', [legId])).length > 0,
      20_000,
    );
    await gqlOk(fifth.token, SUBMIT, { input: { legId, rating: 5, body: 'Session 5 went well.' } });
    // Not yet visible (double-blind): still four, still no average.
    expect((await gqlOk(null, LISTING_REVIEWS, { id: listing })).listingReviews).toMatchObject({
      count: 4,
      average: null,
    });
    await gqlOk(host.token, SUBMIT, { input: { legId, rating: 4, body: 'Lovely client.' } });
    const five = (await gqlOk(null, LISTING_REVIEWS, { id: listing })).listingReviews;
    expect(five).toMatchObject({ listingId: listing, count: 5, average: 4.2 });
    expect(five.reviews).toHaveLength(5);
    // The owner's reviews of clients are never on the listing.
    expect(five.reviews.every((r: { body: string }) => r.body.startsWith('Session'))).toBe(true);
  }, 240_000);
});
