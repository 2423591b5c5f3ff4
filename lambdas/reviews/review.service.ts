/**
 * Reviews (NTB-PROF-006). A completed booking leg opens a window (booking.completed): the client
 * reviews the leg's listing, the listing's owner reviews the client, each once, within 14 days.
 * Double-blind: a review is visible to the other party and the public only once both exist or the
 * window has closed, so nobody reads the other's words before writing their own. The second review
 * publishes both in its own transaction, under the window's row lock (two parties submitting at once
 * serialise there); the `reviews-publish` job publishes what a closed window left single. Each
 * publication enqueues review.published (outbox) for search and other consumers.
 *
 * A listing's public summary counts visible client reviews: the distribution always, the average
 * only from 5 reviews on. Text carrying contact details is refused (profiles' detection).
 */
import { guardNotErased, markErased } from '../core/db/erased-users.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import type { Clock } from '../core/clock.ts';
import { NotFoundError } from '../core/errors.ts';
import { buildEvent, type DomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import type { Logger } from '../core/log.ts';
import { findContactDetail } from '../profiles/index.ts';
import {
  toPublicReview,
  toReportView,
  toReviewView,
  type BookingReviewsView,
  type ListingReviewsView,
  type ReviewReportView,
  type ReviewView,
} from './review.mapper.ts';
import type { ReviewDirection, ReviewRow, ReviewWindowRow } from './review.repository.ts';
import { AlreadyReviewedError, ContactDetailsRefusedError, ReviewWindowClosedError } from './reviews.errors.ts';
import type { ReviewsData, ReviewsTx } from './reviews.repositories.ts';
import type { ReportReviewInput, SubmitReviewInput } from './reviews.schemas.ts';

export const REVIEWS_BOOKING_CONSUMER = 'reviews-booking-completed';
export const REVIEWS_ERASURE_CONSUMER = 'reviews-user-deleted';

export interface ReviewPolicy {
  readonly windowDays: number;
  readonly minReviewsForAverage: number;
}

const DAY = 86_400_000;
const NOT_FOUND = 'Booking not found';

type Party = 'CLIENT' | 'OWNER';

function partyOf(window: ReviewWindowRow, userId: string): Party | undefined {
  if (window.client_user_id === userId) return 'CLIENT';
  if (window.owner_user_id === userId) return 'OWNER';
  return undefined;
}

const directionOf = (party: Party): ReviewDirection => (party === 'CLIENT' ? 'CLIENT_TO_LISTING' : 'OWNER_TO_CLIENT');

export class ReviewService {
  constructor(
    private readonly db: ReviewsData,
    private readonly clock: Clock,
    private readonly policy: ReviewPolicy,
    private readonly logger: Logger,
  ) {}

  // ---- consumers ----------------------------------------------------------------------------------

  /** booking.completed: one window per leg, from the moment the event says it completed. */
  async onBookingCompleted(event: DomainEvent<'booking.completed'>): Promise<void> {
    const completedAt = new Date(event.occurredAt);
    const closesAt = new Date(completedAt.getTime() + this.policy.windowDays * DAY);
    await consumeOnce(this.db, REVIEWS_BOOKING_CONSUMER, event, async (tx) => {
      for (const leg of event.payload.legs) {
        // A party reviewing themselves (a client booking their own listing) has nobody to review.
        if (leg.ownerUserId === event.payload.clientUserId) continue;
        await tx.reviews.openWindow({
          legId: leg.legId,
          groupId: event.payload.groupId,
          clientUserId: event.payload.clientUserId,
          ownerUserId: leg.ownerUserId,
          listingType: leg.resourceType,
          listingId: leg.resourceId,
          completedAt,
          closesAt,
        });
      }
    });
  }

  /** user.deleted: the account's ids leave every reviews table; its ratings stay without words. */
  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    const { userId } = event.payload;
    let erased = { authored: 0, windows: 0 };
    await consumeOnce(this.db, REVIEWS_ERASURE_CONSUMER, event, async (tx) => {
      await markErased(tx, userId);
      erased = await tx.reviews.eraseUser(userId);
    });
    this.logger.info('account erased from reviews', { userId, ...erased });
  }

  // ---- writes -------------------------------------------------------------------------------------

  async submit(caller: Caller, input: SubmitReviewInput): Promise<ReviewView> {
    const user = requireUser(caller);
    const contact = findContactDetail(input.body);
    if (contact) throw new ContactDetailsRefusedError('Reviews cannot contain contact details', { detail: contact });
    return this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId, NOT_FOUND);
      const window = await tx.reviews.lockWindow(input.legId);
      const party = window && partyOf(window, user.userId);
      if (!window || !party) throw new NotFoundError(NOT_FOUND);
      const now = this.clock.now();
      const direction = directionOf(party);
      const existing = (await tx.reviews.reviewsOfLegs([window.leg_id])).find((r) => r.direction === direction);
      if (existing) {
        // A retry of the same submission answers the same review; anything else is a second review.
        if (existing.rating === input.rating && existing.body === input.body)
          return toReviewView(existing, this.isVisible(existing, window, now));
        throw new AlreadyReviewedError();
      }
      if (window.closes_at.getTime() <= now.getTime()) throw new ReviewWindowClosedError();
      const inserted = await tx.reviews.insertReview({
        id: newId('review'),
        legId: window.leg_id,
        direction,
        authorUserId: user.userId,
        subjectUserId: party === 'OWNER' ? window.client_user_id : null,
        listingType: window.listing_type,
        listingId: window.listing_id,
        rating: input.rating,
        body: input.body,
        createdAt: now,
      });
      // The window row lock makes this unreachable; the constraint is the last word regardless.
      if (!inserted) throw new AlreadyReviewedError();
      await appendAudit(
        tx,
        {
          actor: user.userId,
          action: 'review.submit',
          subject: inserted.id,
          details: { legId: window.leg_id, direction },
        },
        now,
      );
      const reviews = await tx.reviews.reviewsOfLegs([window.leg_id]);
      if (reviews.length === 2) {
        const published = await tx.reviews.publishLeg(window.leg_id, now);
        await this.announce(tx, published);
        const mine = published.find((r) => r.id === inserted.id) ?? inserted;
        return toReviewView(mine, true);
      }
      return toReviewView(inserted, false);
    });
  }

  async report(caller: Caller, input: ReportReviewInput): Promise<ReviewReportView> {
    const user = requireUser(caller);
    return this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId, 'Review not found');
      const now = this.clock.now();
      const review = await tx.reviews.findVisible(input.reviewId, now);
      // Not visible yet (double-blind) or no such review: the same answer.
      if (!review) throw new NotFoundError('Review not found');
      const { row, created } = await tx.reviews.report({
        id: newId('reviewReport'),
        reviewId: review.id,
        reporterUserId: user.userId,
        reason: input.reason,
        note: input.note ?? '',
        createdAt: now,
      });
      if (created)
        await appendAudit(
          tx,
          { actor: user.userId, action: 'review.report', subject: review.id, details: { reason: input.reason } },
          now,
        );
      return toReportView(row);
    });
  }

  /** The scheduled job: reviews left single by a closed window become public (and announced). */
  async publishClosed(now: Date = this.clock.now(), batch = 200): Promise<{ published: number }> {
    let total = 0;
    for (;;) {
      const published = await this.db.transaction(async (tx) => {
        const rows = await tx.reviews.publishClosed(now, batch);
        await this.announce(tx, rows);
        return rows.length;
      });
      total += published;
      if (published < batch) return { published: total };
    }
  }

  // ---- reads --------------------------------------------------------------------------------------

  /** A party's view of one leg's reviews: theirs only once visible. Others' legs: NOT_FOUND. */
  async bookingReviews(caller: Caller, legId: string): Promise<BookingReviewsView> {
    const user = requireUser(caller);
    const window = await this.db.reviews.findWindow(legId);
    const party = window && partyOf(window, user.userId);
    if (!window || !party) throw new NotFoundError(NOT_FOUND);
    return this.legView(window, party, await this.db.reviews.reviewsOfLegs([legId]));
  }

  /** Every leg the caller may review or has reviewed, newest first. */
  async myReviewWindows(caller: Caller): Promise<BookingReviewsView[]> {
    const user = requireUser(caller);
    const windows = await this.db.reviews.windowsOf(user.userId, 100);
    const reviews = await this.db.reviews.reviewsOfLegs(windows.map((w) => w.leg_id));
    return windows.map((window) =>
      this.legView(
        window,
        partyOf(window, user.userId)!,
        reviews.filter((r) => r.leg_id === window.leg_id),
      ),
    );
  }

  /** Public: a listing's visible client reviews, distribution and (from 5 reviews) average. */
  async listingReviews(listingId: string, first = 20): Promise<ListingReviewsView> {
    const now = this.clock.now();
    const [counts, rows] = await Promise.all([
      this.db.reviews.listingDistribution(listingId, now),
      this.db.reviews.listingReviews(listingId, now, first),
    ]);
    const distribution = [5, 4, 3, 2, 1].map((rating) => ({
      rating,
      count: counts.find((c) => c.rating === rating)?.count ?? 0,
    }));
    const count = distribution.reduce((sum, d) => sum + d.count, 0);
    const total = distribution.reduce((sum, d) => sum + d.rating * d.count, 0);
    return {
      listingId,
      count,
      average: count >= this.policy.minReviewsForAverage ? Math.round((total / count) * 100) / 100 : null,
      distribution,
      reviews: rows.map(toPublicReview),
    };
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private isVisible(review: ReviewRow, window: ReviewWindowRow, now: Date): boolean {
    return review.published_at !== null || window.closes_at.getTime() <= now.getTime();
  }

  private legView(window: ReviewWindowRow, party: Party, reviews: readonly ReviewRow[]): BookingReviewsView {
    const now = this.clock.now();
    const mine = reviews.find((r) => r.direction === directionOf(party));
    const theirs = reviews.find((r) => r.direction !== directionOf(party));
    const windowOpen = window.closes_at.getTime() > now.getTime();
    return {
      legId: window.leg_id,
      listingType: window.listing_type,
      listingId: window.listing_id,
      viewerRole: party,
      closesAt: window.closes_at.toISOString(),
      windowOpen,
      canReview: windowOpen && !mine,
      mine: mine ? toReviewView(mine, this.isVisible(mine, window, now)) : null,
      theirs: theirs && this.isVisible(theirs, window, now) ? toReviewView(theirs, true) : null,
    };
  }

  private async announce(tx: ReviewsTx, rows: readonly ReviewRow[]): Promise<void> {
    for (const row of rows)
      await enqueueEvent(
        tx,
        buildEvent('review.published', {
          reviewId: row.id,
          legId: row.leg_id,
          direction: row.direction,
          listingType: row.listing_type,
          listingId: row.listing_id,
          rating: row.rating,
        }),
      );
  }
}
