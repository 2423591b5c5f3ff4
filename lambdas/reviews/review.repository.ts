/** Review windows, reviews and reports in PostgreSQL. Rows are validated as they leave the database. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

export const REVIEW_DIRECTIONS = ['CLIENT_TO_LISTING', 'OWNER_TO_CLIENT'] as const;
export type ReviewDirection = (typeof REVIEW_DIRECTIONS)[number];
export const LISTING_TYPES = ['PROFILE', 'STUDIO'] as const;
export type ListingType = (typeof LISTING_TYPES)[number];
export const REPORT_REASONS = ['CONTACT_DETAILS', 'OFFENSIVE', 'FAKE', 'CONFLICT_OF_INTEREST', 'OTHER'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

const windowRow = z.object({
  leg_id: z.string(),
  group_id: z.string(),
  client_user_id: z.string().nullable(),
  owner_user_id: z.string().nullable(),
  listing_type: z.enum(LISTING_TYPES),
  listing_id: z.string(),
  completed_at: z.date(),
  closes_at: z.date(),
});
export type ReviewWindowRow = z.infer<typeof windowRow>;

const reviewRow = z.object({
  id: z.string(),
  leg_id: z.string(),
  direction: z.enum(REVIEW_DIRECTIONS),
  author_user_id: z.string().nullable(),
  subject_user_id: z.string().nullable(),
  listing_type: z.enum(LISTING_TYPES),
  listing_id: z.string(),
  rating: z.number().int().min(1).max(5),
  body: z.string(),
  author_erased: z.boolean(),
  created_at: z.date(),
  published_at: z.date().nullable(),
});
export type ReviewRow = z.infer<typeof reviewRow>;

const reportRow = z.object({
  id: z.string(),
  review_id: z.string(),
  reason: z.enum(REPORT_REASONS),
  created_at: z.date(),
});
export type ReviewReportRow = z.infer<typeof reportRow>;

const summaryRow = z.object({ rating: z.number().int().min(1).max(5), count: z.coerce.number().int() });

const REVIEW_COLUMNS = `r.id, r.leg_id, r.direction, r.author_user_id, r.subject_user_id, r.listing_type, r.listing_id,
  r.rating, r.body, r.author_erased, r.created_at, r.published_at`;
/** Visible to the public and the other party: both reviewed (published_at) or the window closed. */
const VISIBLE = '(r.published_at IS NOT NULL OR w.closes_at <= $2::timestamptz)';

export interface NewWindow {
  readonly legId: string;
  readonly groupId: string;
  readonly clientUserId: string;
  readonly ownerUserId: string;
  readonly listingType: ListingType;
  readonly listingId: string;
  readonly completedAt: Date;
  readonly closesAt: Date;
}

export interface NewReview {
  readonly id: string;
  readonly legId: string;
  readonly direction: ReviewDirection;
  readonly authorUserId: string;
  readonly subjectUserId: string | null;
  readonly listingType: ListingType;
  readonly listingId: string;
  readonly rating: number;
  readonly body: string;
  readonly createdAt: Date;
}

export class ReviewRepository {
  constructor(private readonly db: Queryable) {}

  /** Opens a window once per leg; a redelivered booking.completed changes nothing. */
  async openWindow(window: NewWindow): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO review_windows (leg_id, group_id, client_user_id, owner_user_id, listing_type, listing_id, completed_at, closes_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (leg_id) DO NOTHING`,
      [
        window.legId,
        window.groupId,
        window.clientUserId,
        window.ownerUserId,
        window.listingType,
        window.listingId,
        window.completedAt,
        window.closesAt,
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async findWindow(legId: string): Promise<ReviewWindowRow | undefined> {
    const result = await this.db.query(
      `SELECT leg_id, group_id, client_user_id, owner_user_id, listing_type, listing_id, completed_at, closes_at
         FROM review_windows WHERE leg_id = $1`,
      [legId],
    );
    return parseRows(windowRow, result.rows)[0];
  }

  /** Inside a transaction: the window row, locked, so two parties' submissions serialise. */
  async lockWindow(legId: string): Promise<ReviewWindowRow | undefined> {
    const result = await this.db.query(
      `SELECT leg_id, group_id, client_user_id, owner_user_id, listing_type, listing_id, completed_at, closes_at
         FROM review_windows WHERE leg_id = $1 FOR UPDATE`,
      [legId],
    );
    return parseRows(windowRow, result.rows)[0];
  }

  /** The windows a user is a party of, newest first (what they may still review, or have). */
  async windowsOf(userId: string, limit: number): Promise<ReviewWindowRow[]> {
    const result = await this.db.query(
      `SELECT leg_id, group_id, client_user_id, owner_user_id, listing_type, listing_id, completed_at, closes_at
         FROM review_windows WHERE client_user_id = $1 OR owner_user_id = $1
        ORDER BY completed_at DESC, leg_id LIMIT $2`,
      [userId, limit],
    );
    return parseRows(windowRow, result.rows);
  }

  async reviewsOfLegs(legIds: readonly string[]): Promise<ReviewRow[]> {
    if (legIds.length === 0) return [];
    const result = await this.db.query(
      `SELECT ${REVIEW_COLUMNS} FROM reviews r WHERE r.leg_id = ANY($1::text[]) ORDER BY r.created_at, r.id`,
      [legIds],
    );
    return parseRows(reviewRow, result.rows);
  }

  /** Inserts unless this leg already has a review in this direction (then undefined). */
  async insertReview(review: NewReview): Promise<ReviewRow | undefined> {
    const result = await this.db.query(
      `INSERT INTO reviews AS r (id, leg_id, direction, author_user_id, subject_user_id, listing_type, listing_id, rating, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (leg_id, direction) DO NOTHING
       RETURNING ${REVIEW_COLUMNS}`,
      [
        review.id,
        review.legId,
        review.direction,
        review.authorUserId,
        review.subjectUserId,
        review.listingType,
        review.listingId,
        review.rating,
        review.body,
        review.createdAt,
      ],
    );
    return parseRows(reviewRow, result.rows)[0];
  }

  /** Stamps the leg's unpublished reviews as published; returns those it stamped. */
  async publishLeg(legId: string, at: Date): Promise<ReviewRow[]> {
    const result = await this.db.query(
      `UPDATE reviews r SET published_at = $2 WHERE r.leg_id = $1 AND r.published_at IS NULL RETURNING ${REVIEW_COLUMNS}`,
      [legId, at],
    );
    return parseRows(reviewRow, result.rows);
  }

  /** The job: unpublished reviews whose window closed by `now`, stamped (one batch, skipping locked rows). */
  async publishClosed(now: Date, limit: number): Promise<ReviewRow[]> {
    const result = await this.db.query(
      `WITH due AS (
         SELECT r.id FROM reviews r JOIN review_windows w ON w.leg_id = r.leg_id
          WHERE r.published_at IS NULL AND w.closes_at <= $1::timestamptz
          ORDER BY w.closes_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED)
       UPDATE reviews r SET published_at = $1 FROM due WHERE r.id = due.id RETURNING ${REVIEW_COLUMNS}`,
      [now, limit],
    );
    return parseRows(reviewRow, result.rows);
  }

  /** A review visible at `now` (the public, a reporter), or undefined. */
  async findVisible(reviewId: string, now: Date): Promise<ReviewRow | undefined> {
    const result = await this.db.query(
      `SELECT ${REVIEW_COLUMNS} FROM reviews r JOIN review_windows w ON w.leg_id = r.leg_id
        WHERE r.id = $1 AND ${VISIBLE}`,
      [reviewId, now],
    );
    return parseRows(reviewRow, result.rows)[0];
  }

  /** Visible client reviews of one listing, newest first. */
  async listingReviews(listingId: string, now: Date, limit: number): Promise<ReviewRow[]> {
    const result = await this.db.query(
      `SELECT ${REVIEW_COLUMNS} FROM reviews r JOIN review_windows w ON w.leg_id = r.leg_id
        WHERE r.listing_id = $1 AND r.direction = 'CLIENT_TO_LISTING' AND ${VISIBLE}
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3`,
      [listingId, now, limit],
    );
    return parseRows(reviewRow, result.rows);
  }

  /** How many visible client reviews of one listing gave each rating (ratings without reviews absent). */
  async listingDistribution(listingId: string, now: Date): Promise<{ rating: number; count: number }[]> {
    const result = await this.db.query(
      `SELECT r.rating, count(*) AS count FROM reviews r JOIN review_windows w ON w.leg_id = r.leg_id
        WHERE r.listing_id = $1 AND r.direction = 'CLIENT_TO_LISTING' AND ${VISIBLE}
        GROUP BY r.rating`,
      [listingId, now],
    );
    return parseRows(summaryRow, result.rows);
  }

  /** One report per reporter and review: a repeat returns the first. */
  async report(input: {
    id: string;
    reviewId: string;
    reporterUserId: string;
    reason: ReportReason;
    note: string;
    createdAt: Date;
  }): Promise<{ row: ReviewReportRow; created: boolean }> {
    const inserted = await this.db.query(
      `INSERT INTO review_reports (id, review_id, reporter_user_id, reason, note, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (review_id, reporter_user_id) DO NOTHING
       RETURNING id, review_id, reason, created_at`,
      [input.id, input.reviewId, input.reporterUserId, input.reason, input.note, input.createdAt],
    );
    if (inserted.rows.length) return { row: parseRows(reportRow, inserted.rows)[0]!, created: true };
    const existing = await this.db.query(
      'SELECT id, review_id, reason, created_at FROM review_reports WHERE review_id = $1 AND reporter_user_id = $2',
      [input.reviewId, input.reporterUserId],
    );
    return { row: parseRows(reportRow, existing.rows)[0]!, created: false };
  }

  /**
   * Account deletion: the account leaves no id or words behind. Its reviews keep their rating
   * (the listing's summary stays honest) with the text erased; windows, reviews about it and its
   * reports lose the id.
   */
  async eraseUser(userId: string): Promise<{ authored: number; windows: number }> {
    const authored = await this.db.query(
      `UPDATE reviews SET author_user_id = NULL, body = '', author_erased = true WHERE author_user_id = $1`,
      [userId],
    );
    await this.db.query('UPDATE reviews SET subject_user_id = NULL WHERE subject_user_id = $1', [userId]);
    const clients = await this.db.query('UPDATE review_windows SET client_user_id = NULL WHERE client_user_id = $1', [
      userId,
    ]);
    const owners = await this.db.query('UPDATE review_windows SET owner_user_id = NULL WHERE owner_user_id = $1', [
      userId,
    ]);
    await this.db.query('UPDATE review_reports SET reporter_user_id = NULL WHERE reporter_user_id = $1', [userId]);
    return { authored: authored.rowCount ?? 0, windows: (clients.rowCount ?? 0) + (owners.rowCount ?? 0) };
  }
}

export type ReviewStore = PortOf<ReviewRepository>;
