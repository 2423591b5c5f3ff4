/** SQL of booking's calendars: imported feeds and their busy blocks, export tokens, exported legs. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { BOOKING_STATUSES } from './booking-state.ts';
import type { ExportLeg } from './ics-export.ts';
import type { Interval } from './feasibility.ts';

export const FEED_STATUSES = ['PENDING', 'OK', 'ERROR'] as const;
export type FeedStatus = (typeof FEED_STATUSES)[number];

const feedRow = z.object({
  id: z.string(),
  resource_id: z.string(),
  owner_user_id: z.string(),
  url: z.string(),
  status: z.enum(FEED_STATUSES),
  last_error: z.string().nullable(),
  busy_count: z.number().int(),
  last_fetched_at: z.date().nullable(),
  last_success_at: z.date().nullable(),
  created_at: z.date(),
});

export interface CalendarFeed {
  readonly id: string;
  readonly resourceId: string;
  readonly ownerUserId: string;
  readonly url: string;
  readonly status: FeedStatus;
  readonly lastError: string | null;
  readonly busyCount: number;
  readonly lastFetchedAt: Date | null;
  readonly lastSuccessAt: Date | null;
  readonly createdAt: Date;
}

const FEED_COLUMNS =
  'id, resource_id, owner_user_id, url, status, last_error, busy_count, last_fetched_at, last_success_at, created_at';

const toFeed = (row: z.infer<typeof feedRow>): CalendarFeed => ({
  id: row.id,
  resourceId: row.resource_id,
  ownerUserId: row.owner_user_id,
  url: row.url,
  status: row.status,
  lastError: row.last_error,
  busyCount: row.busy_count,
  lastFetchedAt: row.last_fetched_at,
  lastSuccessAt: row.last_success_at,
  createdAt: row.created_at,
});

const exportLegRow = z.object({
  leg_id: z.string(),
  group_id: z.string(),
  resource_type: z.enum(['PROFILE', 'STUDIO']),
  starts_at: z.date(),
  ends_at: z.date(),
  status: z.enum(BOOKING_STATUSES),
  version: z.number().int(),
  updated_at: z.date(),
});

export class CalendarRepository {
  constructor(private readonly db: Queryable) {}

  /** Serialises writers of one listing's calendars (feed limit, token rotation) for this transaction. */
  async lockListing(resourceId: string): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`booking-calendars:${resourceId}`]);
  }

  async feedsOf(resourceId: string): Promise<CalendarFeed[]> {
    const result = await this.db.query(
      `SELECT ${FEED_COLUMNS} FROM booking_calendar_feeds WHERE resource_id = $1 ORDER BY created_at, id`,
      [resourceId],
    );
    return parseRows(feedRow, result.rows).map(toFeed);
  }

  async findFeed(id: string): Promise<CalendarFeed | null> {
    const result = await this.db.query(`SELECT ${FEED_COLUMNS} FROM booking_calendar_feeds WHERE id = $1`, [id]);
    return parseRows(feedRow, result.rows).map(toFeed)[0] ?? null;
  }

  /** Adds a feed; the same URL twice on one listing answers the existing feed (idempotent). */
  async addFeed(feed: { id: string; resourceId: string; ownerUserId: string; url: string }): Promise<CalendarFeed> {
    const result = await this.db.query(
      `WITH inserted AS (
         INSERT INTO booking_calendar_feeds (id, resource_id, owner_user_id, url) VALUES ($1, $2, $3, $4)
         ON CONFLICT (resource_id, url) DO NOTHING RETURNING ${FEED_COLUMNS})
       SELECT ${FEED_COLUMNS} FROM inserted
       UNION ALL SELECT ${FEED_COLUMNS} FROM booking_calendar_feeds WHERE resource_id = $2 AND url = $4
       LIMIT 1`,
      [feed.id, feed.resourceId, feed.ownerUserId, feed.url],
    );
    return parseRows(feedRow, result.rows).map(toFeed)[0]!;
  }

  async countFeeds(resourceId: string): Promise<number> {
    const result = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM booking_calendar_feeds WHERE resource_id = $1',
      [resourceId],
    );
    return result.rows[0]!.n;
  }

  /** Removes a feed and (cascade) its busy blocks; false when it was not there. */
  async removeFeed(id: string): Promise<boolean> {
    const result = await this.db.query('DELETE FROM booking_calendar_feeds WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Feeds least recently fetched first (never fetched first of all), except those this run already did. */
  async dueFeeds(limit: number, fetchedBefore: Date, except: readonly string[] = []): Promise<CalendarFeed[]> {
    const result = await this.db.query(
      `SELECT ${FEED_COLUMNS} FROM booking_calendar_feeds
        WHERE (last_fetched_at IS NULL OR last_fetched_at < $2) AND NOT (id = ANY($3::text[]))
        ORDER BY last_fetched_at NULLS FIRST, id LIMIT $1`,
      [limit, fetchedBefore, except],
    );
    return parseRows(feedRow, result.rows).map(toFeed);
  }

  /** A successful refresh: the feed's busy blocks replaced as a whole (call inside a transaction). */
  async replaceBusyBlocks(
    feed: { id: string; resourceId: string },
    blocks: readonly Interval[],
    at: Date,
  ): Promise<void> {
    await this.db.query('DELETE FROM booking_busy_blocks WHERE feed_id = $1', [feed.id]);
    if (blocks.length > 0)
      await this.db.query(
        `INSERT INTO booking_busy_blocks (feed_id, resource_id, during)
         SELECT $1, $2, tstzrange(s, e, '[)') FROM unnest($3::timestamptz[], $4::timestamptz[]) AS b(s, e)`,
        [
          feed.id,
          feed.resourceId,
          blocks.map((block) => new Date(block.start)),
          blocks.map((block) => new Date(block.end)),
        ],
      );
    await this.db.query(
      `UPDATE booking_calendar_feeds SET status = 'OK', last_error = NULL, busy_count = $2,
         last_fetched_at = $3, last_success_at = $3 WHERE id = $1`,
      [feed.id, blocks.length, at],
    );
  }

  /** A failed refresh: the error recorded; the last good busy blocks stay (a flaky feed frees nothing). */
  async recordFailure(feedId: string, error: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE booking_calendar_feeds SET status = 'ERROR', last_error = $2, last_fetched_at = $3 WHERE id = $1`,
      [feedId, error.slice(0, 500), at],
    );
  }

  async busyBlocksOf(resourceId: string): Promise<Interval[]> {
    const result = await this.db.query<{ s: Date; e: Date }>(
      `SELECT lower(during) AS s, upper(during) AS e FROM booking_busy_blocks WHERE resource_id = $1 ORDER BY 1`,
      [resourceId],
    );
    return result.rows.map((row) => ({ start: row.s.getTime(), end: row.e.getTime() }));
  }

  // ---- export tokens ----------------------------------------------------------------------------

  /** Revokes the live token of the listing (if any) and stores the new one's hash. */
  async rotateExport(resourceId: string, ownerUserId: string, tokenHash: string): Promise<void> {
    await this.db.query(
      'UPDATE booking_calendar_exports SET revoked_at = now() WHERE resource_id = $1 AND revoked_at IS NULL',
      [resourceId],
    );
    await this.db.query(
      'INSERT INTO booking_calendar_exports (token_hash, resource_id, owner_user_id) VALUES ($1, $2, $3)',
      [tokenHash, resourceId, ownerUserId],
    );
  }

  async revokeExport(resourceId: string): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE booking_calendar_exports SET revoked_at = now() WHERE resource_id = $1 AND revoked_at IS NULL',
      [resourceId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** The listing a live token exports, or null (unknown or revoked). */
  async exportByHash(tokenHash: string): Promise<{ resourceId: string; ownerUserId: string } | null> {
    const result = await this.db.query<{ resource_id: string; owner_user_id: string }>(
      'SELECT resource_id, owner_user_id FROM booking_calendar_exports WHERE token_hash = $1 AND revoked_at IS NULL',
      [tokenHash],
    );
    const row = result.rows[0];
    return row ? { resourceId: row.resource_id, ownerUserId: row.owner_user_id } : null;
  }

  /**
   * The listing's legs a calendar shows: confirmed, in progress or completed, and cancelled ones
   * that had been confirmed (so subscribers remove them), ending after `since`.
   */
  async exportLegs(resourceId: string, since: Date): Promise<ExportLeg[]> {
    const result = await this.db.query(
      `SELECT l.id AS leg_id, l.group_id, l.resource_type, l.starts_at, l.ends_at, g.status, g.version, g.updated_at
         FROM booking_legs l JOIN booking_groups g ON g.id = l.group_id
        WHERE l.resource_id = $1 AND l.ends_at > $2
          AND (g.status IN ('CONFIRMED', 'IN_PROGRESS', 'COMPLETED')
               OR (g.status = 'CANCELLED' AND EXISTS (
                     SELECT 1 FROM booking_transitions t WHERE t.group_id = g.id AND t.to_status = 'CONFIRMED')))
        ORDER BY l.starts_at, l.id
        LIMIT 2000`,
      [resourceId, since],
    );
    return parseRows(exportLegRow, result.rows).map((row) => ({
      legId: row.leg_id,
      groupId: row.group_id,
      resourceType: row.resource_type,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      status: row.status,
      version: row.version,
      updatedAt: row.updated_at,
    }));
  }
}

export type CalendarStore = PortOf<CalendarRepository>;
