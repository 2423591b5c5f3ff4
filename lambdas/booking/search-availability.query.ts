/**
 * Booking's door for search's availability-window filter (NTB-SEARCH-003): which of a page of
 * listings has at least one free slot inside a window, by the same feasibility rules booking itself
 * applies (feasibility.ts: open hours in the listing's zone, notice, horizon, buffers, blackouts,
 * active legs and imported busy blocks). The slot length is the listing's own minimum booking
 * duration. Exported through lambdas/booking/index.ts; the search role is granted only the columns
 * read here (db/migrations/3040_search_availability.sql).
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import { availabilitySchema } from './availability.ts';
import { firstFeasibleSlot, type Interval } from './feasibility.ts';

const DAY = 24 * 60 * 60_000;

const row = z.object({
  resource_id: z.string(),
  availability: availabilitySchema,
  blocked: z.array(z.tuple([z.number(), z.number()])),
});

export interface AvailabilityWindow {
  readonly start: Date;
  readonly end: Date;
}

export interface ListingAvailability {
  /** Of `listingIds`, those bookable for at least their minimum duration within [start, end). */
  availableAmong(listingIds: readonly string[], window: AvailabilityWindow, now: Date): Promise<ReadonlySet<string>>;
}

export function listingAvailability(db: Queryable): ListingAvailability {
  return {
    async availableAmong(listingIds, window, now) {
      if (listingIds.length === 0 || window.end <= window.start) return new Set();
      // One round trip for the page: each listing's document and what blocks it in the window (a
      // listing without settings has no bookable time: it is not available).
      const result = await db.query(
        `SELECT s.resource_id, s.availability,
                coalesce((SELECT json_agg(json_build_array(
                                   date_part('epoch', lower(x.r)) * 1000, date_part('epoch', upper(x.r)) * 1000))
                            FROM (SELECT l.blocked AS r FROM booking_legs l
                                   WHERE l.active AND l.resource_id = s.resource_id AND l.blocked && $2::tstzrange
                                  UNION ALL
                                  SELECT b.during FROM booking_busy_blocks b
                                   WHERE b.resource_id = s.resource_id AND b.during && $2::tstzrange) x),
                         '[]'::json) AS blocked
           FROM booking_settings s
          WHERE s.resource_id = ANY($1::text[])`,
        [
          listingIds,
          // Widened by a day each side: a buffer around a leg just outside the window still blocks.
          `[${new Date(window.start.getTime() - DAY).toISOString()},${new Date(window.end.getTime() + DAY).toISOString()})`,
        ],
      );
      const available = new Set<string>();
      for (const listing of parseRows(row, result.rows)) {
        const blocked: Interval[] = listing.blocked.map(([start, end]) => ({ start, end }));
        const slot = firstFeasibleSlot([{ availability: listing.availability, blocked }], {
          now: now.getTime(),
          from: window.start.getTime(),
          days: (window.end.getTime() - window.start.getTime()) / DAY,
          durationMinutes: listing.availability.minDurationMinutes,
        });
        if (slot) available.add(listing.resource_id);
      }
      return available;
    },
  };
}
