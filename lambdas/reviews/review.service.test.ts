import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { NotFoundError, UnauthenticatedError } from '../core/errors.ts';
import { newDomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import type { UserCaller } from '../core/identity.ts';
import { createLogger } from '../core/log.ts';
import { fakeUnitOfWork } from '../core/testing/fakes.ts';
import type {
  NewReview,
  NewWindow,
  ReviewRow,
  ReviewStore,
  ReviewWindowRow,
  ReviewReportRow,
} from './review.repository.ts';
import { ReviewService } from './review.service.ts';
import { AlreadyReviewedError, ContactDetailsRefusedError, ReviewWindowClosedError } from './reviews.errors.ts';

const DAY = 86_400_000;

/** The repository's semantics in memory: unique (leg, direction), visibility by published_at or a closed window. */
class MemoryReviews implements ReviewStore {
  readonly windows = new Map<string, ReviewWindowRow>();
  readonly reviews: ReviewRow[] = [];
  readonly reports: (ReviewReportRow & { reporter: string | null })[] = [];

  private visible(review: ReviewRow, now: Date) {
    const window = this.windows.get(review.leg_id)!;
    return review.published_at !== null || window.closes_at <= now;
  }
  async openWindow(w: NewWindow) {
    if (this.windows.has(w.legId)) return false;
    this.windows.set(w.legId, {
      leg_id: w.legId,
      group_id: w.groupId,
      client_user_id: w.clientUserId,
      owner_user_id: w.ownerUserId,
      listing_type: w.listingType,
      listing_id: w.listingId,
      completed_at: w.completedAt,
      closes_at: w.closesAt,
    });
    return true;
  }
  async findWindow(legId: string) {
    return this.windows.get(legId);
  }
  async lockWindow(legId: string) {
    return this.windows.get(legId);
  }
  async windowsOf(userId: string) {
    return [...this.windows.values()].filter((w) => w.client_user_id === userId || w.owner_user_id === userId);
  }
  async reviewsOfLegs(legIds: readonly string[]) {
    return this.reviews.filter((r) => legIds.includes(r.leg_id));
  }
  async insertReview(r: NewReview) {
    if (this.reviews.some((x) => x.leg_id === r.legId && x.direction === r.direction)) return undefined;
    const row: ReviewRow = {
      id: r.id,
      leg_id: r.legId,
      direction: r.direction,
      author_user_id: r.authorUserId,
      subject_user_id: r.subjectUserId,
      listing_type: r.listingType,
      listing_id: r.listingId,
      rating: r.rating,
      body: r.body,
      author_erased: false,
      created_at: r.createdAt,
      published_at: null,
    };
    this.reviews.push(row);
    return row;
  }
  async publishLeg(legId: string, at: Date) {
    const rows = this.reviews.filter((r) => r.leg_id === legId && r.published_at === null);
    for (const row of rows) row.published_at = at;
    return rows;
  }
  async publishClosed(now: Date, limit: number) {
    const rows = this.reviews
      .filter((r) => r.published_at === null && this.windows.get(r.leg_id)!.closes_at <= now)
      .slice(0, limit);
    for (const row of rows) row.published_at = now;
    return rows;
  }
  async findVisible(reviewId: string, now: Date) {
    return this.reviews.find((r) => r.id === reviewId && this.visible(r, now));
  }
  async listingReviews(listingId: string, now: Date, limit: number) {
    return this.reviews
      .filter((r) => r.listing_id === listingId && r.direction === 'CLIENT_TO_LISTING' && this.visible(r, now))
      .reverse()
      .slice(0, limit);
  }
  async listingDistribution(listingId: string, now: Date) {
    const counts = new Map<number, number>();
    for (const r of this.reviews)
      if (r.listing_id === listingId && r.direction === 'CLIENT_TO_LISTING' && this.visible(r, now))
        counts.set(r.rating, (counts.get(r.rating) ?? 0) + 1);
    return [...counts].map(([rating, count]) => ({ rating, count }));
  }
  async report(input: Parameters<ReviewStore['report']>[0]) {
    const existing = this.reports.find((r) => r.review_id === input.reviewId && r.reporter === input.reporterUserId);
    if (existing) return { row: existing, created: false };
    const row = {
      id: input.id,
      review_id: input.reviewId,
      reason: input.reason,
      created_at: input.createdAt,
      reporter: input.reporterUserId,
    };
    this.reports.push(row);
    return { row, created: true };
  }
  async eraseUser(userId: string) {
    let authored = 0;
    let windows = 0;
    for (const r of this.reviews) {
      if (r.author_user_id === userId) {
        Object.assign(r, { author_user_id: null, body: '', author_erased: true });
        authored++;
      }
      if (r.subject_user_id === userId) r.subject_user_id = null;
    }
    for (const w of this.windows.values()) {
      if (w.client_user_id === userId) {
        w.client_user_id = null;
        windows++;
      }
      if (w.owner_user_id === userId) {
        w.owner_user_id = null;
        windows++;
      }
    }
    for (const r of this.reports) if (r.reporter === userId) r.reporter = null;
    return { authored, windows };
  }
}

const user = (userId = newId('user')): UserCaller => ({
  kind: 'user',
  userId,
  roles: ['client'],
  amr: ['pwd'],
  authTime: undefined,
  sessionId: undefined,
  expiresAt: Number.MAX_SAFE_INTEGER,
});

function setup() {
  const store = new MemoryReviews();
  const db = fakeUnitOfWork({ reviews: store });
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const service = new ReviewService(
    db,
    clock,
    { windowDays: 14, minReviewsForAverage: 5 },
    createLogger({ service: 'test' }),
  );
  return { store, db, clock, service };
}

/** A completed booking with one leg on `listingId`, consumed by the service; returns the parties and the leg. */
async function completed(
  ctx: ReturnType<typeof setup>,
  listingId = newId('profile'),
  owner = user(),
): Promise<{ client: UserCaller; owner: UserCaller; legId: `bkl_${string}`; listingId: string }> {
  const client = user();
  const legId = newId('bookingLeg');
  await ctx.service.onBookingCompleted(
    newDomainEvent(
      'booking.completed',
      {
        groupId: newId('booking'),
        clientUserId: client.userId,
        fromStatus: 'IN_PROGRESS',
        status: 'COMPLETED',
        startsAt: '2026-06-01T10:00:00Z',
        endsAt: '2026-06-01T11:00:00Z',
        legs: [{ legId, resourceType: 'PROFILE', resourceId: listingId, ownerUserId: owner.userId }],
      },
      { occurredAt: ctx.clock.now().toISOString() },
    ),
  );
  return { client, owner, legId, listingId };
}

describe('ReviewService: windows from booking.completed', () => {
  it('opens one 14-day window per leg, once per event', async () => {
    const ctx = setup();
    const event = newDomainEvent(
      'booking.completed',
      {
        groupId: newId('booking'),
        clientUserId: newId('user'),
        fromStatus: 'IN_PROGRESS',
        status: 'COMPLETED',
        startsAt: '2026-06-01T10:00:00Z',
        endsAt: '2026-06-01T11:00:00Z',
        legs: [
          {
            legId: newId('bookingLeg'),
            resourceType: 'PROFILE',
            resourceId: newId('profile'),
            ownerUserId: newId('user'),
          },
          {
            legId: newId('bookingLeg'),
            resourceType: 'STUDIO',
            resourceId: newId('studio'),
            ownerUserId: newId('user'),
          },
        ],
      },
      { occurredAt: '2026-06-01T11:00:00.000Z' },
    );
    await ctx.service.onBookingCompleted(event);
    await ctx.service.onBookingCompleted(event);
    expect(ctx.store.windows.size).toBe(2);
    for (const window of ctx.store.windows.values())
      expect(window.closes_at.toISOString()).toBe('2026-06-15T11:00:00.000Z');
  });
});

describe('ReviewService: double-blind submission', () => {
  it('hides each review from the other party until both submitted, then publishes both once', async () => {
    const ctx = setup();
    const { client, owner, legId, listingId } = await completed(ctx);

    const first = await ctx.service.submit(client, { legId, rating: 5, body: 'Lovely light, on time.' });
    expect(first).toMatchObject({ visible: false, direction: 'CLIENT_TO_LISTING', rating: 5 });
    const ownerView = await ctx.service.bookingReviews(owner, legId);
    expect(ownerView).toMatchObject({ viewerRole: 'OWNER', canReview: true, mine: null, theirs: null });
    expect((await ctx.service.listingReviews(listingId)).count).toBe(0);
    expect(ctx.db.kernel.eventTypes()).toEqual([]);

    const second = await ctx.service.submit(owner, { legId, rating: 4, body: 'Prepared and kind.' });
    expect(second.visible).toBe(true);
    expect((await ctx.service.bookingReviews(client, legId)).theirs).toMatchObject({ rating: 4, visible: true });
    expect((await ctx.service.bookingReviews(owner, legId)).theirs).toMatchObject({ rating: 5 });
    expect(ctx.db.kernel.eventTypes()).toEqual(['review.published', 'review.published']);
    expect(ctx.db.kernel.auditActions()).toEqual(['review.submit', 'review.submit']);
    expect(await ctx.service.listingReviews(listingId)).toMatchObject({ count: 1, average: null });
  });

  it('shows a single review once the window closes (clock), and the job announces it once', async () => {
    const ctx = setup();
    const { client, owner, legId, listingId } = await completed(ctx);
    await ctx.service.submit(client, { legId, rating: 3, body: 'Fine.' });
    ctx.clock.advance(14 * DAY - 1);
    expect((await ctx.service.bookingReviews(owner, legId)).theirs).toBeNull();
    ctx.clock.advance(1);
    expect(await ctx.service.bookingReviews(owner, legId)).toMatchObject({
      windowOpen: false,
      canReview: false,
      theirs: { rating: 3 },
    });
    expect((await ctx.service.listingReviews(listingId)).count).toBe(1);
    expect(await ctx.service.publishClosed()).toEqual({ published: 1 });
    expect(await ctx.service.publishClosed()).toEqual({ published: 0 });
    expect(ctx.db.kernel.eventTypes()).toEqual(['review.published']);
    await expect(ctx.service.submit(owner, { legId, rating: 2, body: 'Late.' })).rejects.toBeInstanceOf(
      ReviewWindowClosedError,
    );
  });

  it('answers a retry with the same review and refuses a second, different one', async () => {
    const ctx = setup();
    const { client, legId } = await completed(ctx);
    const first = await ctx.service.submit(client, { legId, rating: 5, body: 'Great.' });
    expect(await ctx.service.submit(client, { legId, rating: 5, body: 'Great.' })).toEqual(first);
    await expect(ctx.service.submit(client, { legId, rating: 1, body: 'Changed my mind.' })).rejects.toBeInstanceOf(
      AlreadyReviewedError,
    );
    expect(ctx.store.reviews).toHaveLength(1);
  });

  it('answers NOT_FOUND to anyone not a party, and to an unknown leg', async () => {
    const ctx = setup();
    const { legId } = await completed(ctx);
    const stranger = user();
    await expect(ctx.service.submit(stranger, { legId, rating: 5, body: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(ctx.service.bookingReviews(stranger, legId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      ctx.service.submit(user(), { legId: newId('bookingLeg'), rating: 5, body: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(ctx.service.submit({ kind: 'apiKey' }, { legId, rating: 5, body: 'x' })).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });

  it.each([
    'write me at jane.doe@example.com',
    'call +1 415 555 0134 anytime',
    'text me on (415) 555-0134',
    'ｍｅ＠ｅｘａｍｐｌｅ．ｃｏｍ',
    'book direct: wa.me/14155550134',
  ])('refuses contact details: %s', async (body) => {
    const ctx = setup();
    const { client, legId } = await completed(ctx);
    await expect(ctx.service.submit(client, { legId, rating: 5, body })).rejects.toBeInstanceOf(
      ContactDetailsRefusedError,
    );
    expect(ctx.store.reviews).toHaveLength(0);
  });

  it('accepts ordinary prose with numbers', async () => {
    const ctx = setup();
    const { client, legId } = await completed(ctx);
    const review = await ctx.service.submit(client, {
      legId,
      rating: 4,
      body: 'Shot 120 frames in 2 hours on 2026-06-01; studio 4B was great.',
    });
    expect(review.rating).toBe(4);
  });
});

describe('ReviewService: listing summary', () => {
  it('shows the distribution always and the average only from 5 visible reviews', async () => {
    const ctx = setup();
    const listingId = newId('profile');
    const owner = user();
    const ratings = [5, 4, 5, 3, 4];
    for (const [i, rating] of ratings.entries()) {
      const leg = await completed(ctx, listingId, owner);
      await ctx.service.submit(leg.client, { legId: leg.legId, rating, body: `Session ${i + 1} went well.` });
      await ctx.service.submit(owner, { legId: leg.legId, rating: 5, body: 'Great client.' });
      const summary = await ctx.service.listingReviews(listingId);
      expect(summary.count).toBe(i + 1);
      if (i < 4) expect(summary.average).toBeNull();
    }
    const summary = await ctx.service.listingReviews(listingId);
    expect(summary).toMatchObject({
      count: 5,
      average: 4.2,
      distribution: [
        { rating: 5, count: 2 },
        { rating: 4, count: 2 },
        { rating: 3, count: 1 },
        { rating: 2, count: 0 },
        { rating: 1, count: 0 },
      ],
    });
    // The owner's reviews of clients are not the listing's reviews.
    expect(summary.reviews).toHaveLength(5);
    expect(summary.reviews.every((r) => r.body.startsWith('Session'))).toBe(true);
  });
});

describe('ReviewService: reports', () => {
  it('records one report per reporter of a visible review; hidden reviews answer NOT_FOUND', async () => {
    const ctx = setup();
    const { client, owner, legId } = await completed(ctx);
    const hidden = await ctx.service.submit(client, { legId, rating: 1, body: 'Rude.' });
    const reporter = user();
    await expect(
      ctx.service.report(reporter, { reviewId: hidden.id as `rev_${string}`, reason: 'OFFENSIVE' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await ctx.service.submit(owner, { legId, rating: 2, body: 'Late.' });
    const first = await ctx.service.report(reporter, {
      reviewId: hidden.id as `rev_${string}`,
      reason: 'OFFENSIVE',
      note: 'Untrue',
    });
    const again = await ctx.service.report(reporter, { reviewId: hidden.id as `rev_${string}`, reason: 'FAKE' });
    expect(again).toEqual(first);
    expect(ctx.store.reports).toHaveLength(1);
    expect(ctx.db.kernel.auditActions().filter((a) => a === 'review.report')).toHaveLength(1);
  });
});

describe('ReviewService: account deletion', () => {
  it('erases the account from windows, reviews and reports; its rating stays without words', async () => {
    const ctx = setup();
    const { client, owner, legId, listingId } = await completed(ctx);
    await ctx.service.submit(client, { legId, rating: 5, body: 'Wonderful.' });
    await ctx.service.submit(owner, { legId, rating: 4, body: 'Good client.' });
    const event = newDomainEvent('user.deleted', { userId: client.userId, deletedAt: ctx.clock.now().toISOString() });
    await ctx.service.onUserDeleted(event);
    await ctx.service.onUserDeleted(event);
    const text = JSON.stringify({ w: [...ctx.store.windows.values()], r: ctx.store.reviews });
    expect(text).not.toContain(client.userId);
    expect(ctx.db.kernel.erased.has(client.userId)).toBe(true);
    const summary = await ctx.service.listingReviews(listingId);
    expect(summary).toMatchObject({ count: 1, reviews: [{ rating: 5, body: '' }] });
    await expect(ctx.service.bookingReviews(client, legId)).rejects.toBeInstanceOf(NotFoundError);
  });
});
