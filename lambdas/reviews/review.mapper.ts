/** Response shapes of the reviews fields: whitelisted fields only (no user ids leave the domain). */
import type { ReviewDirection, ReviewReportRow, ReviewRow, ReviewWindowRow } from './review.repository.ts';

export interface ReviewView {
  readonly id: string;
  readonly legId: string;
  readonly direction: ReviewDirection;
  readonly rating: number;
  readonly body: string;
  readonly createdAt: string;
  /** Whether the other party and the public can see it (double-blind until both reviewed or the window closed). */
  readonly visible: boolean;
  readonly authorErased: boolean;
}

export interface BookingReviewsView {
  readonly legId: string;
  readonly listingType: 'PROFILE' | 'STUDIO';
  readonly listingId: string;
  readonly viewerRole: 'CLIENT' | 'OWNER';
  readonly closesAt: string;
  readonly windowOpen: boolean;
  readonly canReview: boolean;
  readonly mine: ReviewView | null;
  /** The other party's review: null until it is visible, so a party cannot wait and retaliate. */
  readonly theirs: ReviewView | null;
}

export interface PublicReviewView {
  readonly id: string;
  readonly rating: number;
  readonly body: string;
  readonly createdAt: string;
}

export interface ListingReviewsView {
  readonly listingId: string;
  readonly count: number;
  /** Null while fewer than the minimum (5) reviews: one or two ratings are not a score. */
  readonly average: number | null;
  /** Always five entries, ratings 5 down to 1. */
  readonly distribution: readonly { rating: number; count: number }[];
  readonly reviews: readonly PublicReviewView[];
}

export interface ReviewReportView {
  readonly id: string;
  readonly reviewId: string;
  readonly reason: ReviewReportRow['reason'];
  readonly reportedAt: string;
}

export function toReviewView(row: ReviewRow, visible: boolean): ReviewView {
  return {
    id: row.id,
    legId: row.leg_id,
    direction: row.direction,
    rating: row.rating,
    body: row.body,
    createdAt: row.created_at.toISOString(),
    visible,
    authorErased: row.author_erased,
  };
}

export function toPublicReview(row: ReviewRow): PublicReviewView {
  return { id: row.id, rating: row.rating, body: row.body, createdAt: row.created_at.toISOString() };
}

export function toReportView(row: ReviewReportRow): ReviewReportView {
  return { id: row.id, reviewId: row.review_id, reason: row.reason, reportedAt: row.created_at.toISOString() };
}

export function windowListing(window: ReviewWindowRow) {
  return { listingType: window.listing_type, listingId: window.listing_id };
}
