/**
 * Calendars of a listing (NTB-CAL-003/004): external calendars imported as read-only busy blocks,
 * refreshed on a schedule, and a secret, revocable ICS export of its bookings. Takes its ports in
 * the constructor; no environment, no driver, no SDK.
 *
 *  - An owner adds feed URLs per listing (the SSRF guard checks each at add time; the fetcher again
 *    at connect time). Adding stores the feed PENDING; the refresh job fetches it.
 *  - The refresh job fetches every feed not fetched for `refreshEveryMinutes`, a few at a time. A
 *    bad feed (HTTP error, timeout, garbage, oversized, refused address) is recorded on the feed as
 *    ERROR with the reason and keeps its last good busy blocks; nothing it does stops the others.
 *  - The export token is shown once; only its SHA-256 is stored; rotating revokes the previous one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { requireUser, type Caller, type UserCaller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import type { CalendarData } from './booking.repositories.ts';
import type { CalendarFeed } from './calendar.repository.ts';
import { checkFeedUrl, FeedUrlRefused } from './feed-url.ts';
import { bookingsCalendar } from './ics-export.ts';
import type { CalendarFetcher } from './ics-feed-fetcher.ts';
import { busyBlocksFromIcs, IcsParseError } from './ics-import.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface CalendarPolicy {
  readonly allowLoopback: boolean;
  /** This API's public origin, for the export URL (absent: the URL is returned as a path). */
  readonly publicBaseUrl?: string;
  readonly maxFeedsPerListing: number;
  readonly refreshEveryMinutes: number;
  /** Feeds fetched at once by the refresh job. */
  readonly concurrency: number;
}

export const DEFAULT_CALENDAR_POLICY: CalendarPolicy = {
  allowLoopback: false,
  maxFeedsPerListing: 10,
  refreshEveryMinutes: 15,
  concurrency: 4,
};

export interface CalendarFeedView {
  readonly id: string;
  readonly resourceId: string;
  readonly url: string;
  readonly status: CalendarFeed['status'];
  readonly lastError: string | null;
  readonly busyCount: number;
  readonly lastFetchedAt: string | null;
  readonly lastSuccessAt: string | null;
}

export interface CalendarExportView {
  readonly resourceId: string;
  /** Shown once: the secret URL a calendar app subscribes to. */
  readonly url: string;
}

export interface RefreshSummary {
  readonly fetched: number;
  readonly ok: number;
  readonly failed: number;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const iso = (date: Date | null) => (date ? date.toISOString() : null);

const toView = (feed: CalendarFeed): CalendarFeedView => ({
  id: feed.id,
  resourceId: feed.resourceId,
  url: feed.url,
  status: feed.status,
  lastError: feed.lastError,
  busyCount: feed.busyCount,
  lastFetchedAt: iso(feed.lastFetchedAt),
  lastSuccessAt: iso(feed.lastSuccessAt),
});

export class CalendarService {
  constructor(
    private readonly db: CalendarData,
    private readonly fetcher: CalendarFetcher,
    private readonly clock: Clock,
    private readonly policy: CalendarPolicy = DEFAULT_CALENDAR_POLICY,
  ) {}

  // ---- import -------------------------------------------------------------------------------------

  async addFeed(caller: Caller, input: { resourceId: string; url: string }): Promise<CalendarFeedView> {
    const user = requireUser(caller);
    await this.ownedListing(user, input.resourceId);
    let url: URL;
    try {
      url = checkFeedUrl(input.url, this.policy.allowLoopback);
    } catch (error) {
      if (error instanceof FeedUrlRefused)
        throw new ValidationError(`This calendar URL cannot be used: ${error.message}`, [
          { path: 'input.url', message: error.message },
        ]);
      throw error;
    }
    return this.db.transaction(async (tx) => {
      // One writer per listing at a time, so the per-listing limit holds under concurrent adds.
      await tx.calendars.lockListing(input.resourceId);
      const existing = await tx.calendars.feedsOf(input.resourceId);
      const same = existing.find((feed) => feed.url === url.href);
      if (same) return toView(same);
      if (existing.length >= this.policy.maxFeedsPerListing)
        throw new ValidationError(`A listing can import at most ${this.policy.maxFeedsPerListing} calendars`, [
          { path: 'input.url', message: 'too many calendars' },
        ]);
      const feed = await tx.calendars.addFeed({
        id: newId('calendarFeed'),
        resourceId: input.resourceId,
        ownerUserId: user.userId,
        url: url.href,
      });
      await appendAudit(
        tx,
        // The URL may itself be a secret (many calendar services put a token in it): not in the audit.
        {
          actor: user.userId,
          action: 'booking.calendar_feed.add',
          subject: input.resourceId,
          details: { feedId: feed.id },
        },
        this.clock.now(),
      );
      return toView(feed);
    });
  }

  async removeFeed(caller: Caller, feedId: string): Promise<boolean> {
    const user = requireUser(caller);
    return this.db.transaction(async (tx) => {
      const feed = await tx.calendars.findFeed(feedId);
      if (!feed || feed.ownerUserId !== user.userId) throw new NotFoundError('Calendar not found');
      await tx.calendars.removeFeed(feedId);
      await appendAudit(
        tx,
        { actor: user.userId, action: 'booking.calendar_feed.remove', subject: feed.resourceId, details: { feedId } },
        this.clock.now(),
      );
      return true;
    });
  }

  async feeds(caller: Caller, resourceId: string): Promise<CalendarFeedView[]> {
    const user = requireUser(caller);
    await this.ownedListing(user, resourceId);
    return (await this.db.calendars.feedsOf(resourceId)).map(toView);
  }

  /** The scheduled refresh: every feed not fetched since `asOf − refreshEveryMinutes`. */
  async refresh(asOf: Date = this.clock.now()): Promise<RefreshSummary> {
    const cutoff = new Date(asOf.getTime() - this.policy.refreshEveryMinutes * MINUTE + MINUTE);
    const summary = { fetched: 0, ok: 0, failed: 0 };
    const seen = new Set<string>();
    for (;;) {
      const due = await this.db.calendars.dueFeeds(50, cutoff, [...seen]);
      if (due.length === 0) return summary;
      for (let i = 0; i < due.length; i += this.policy.concurrency) {
        const batch = due.slice(i, i + this.policy.concurrency);
        const outcomes = await Promise.all(batch.map((feed) => this.refreshOne(feed)));
        for (const [index, ok] of outcomes.entries()) {
          seen.add(batch[index]!.id);
          summary.fetched++;
          if (ok) summary.ok++;
          else summary.failed++;
        }
      }
    }
  }

  /** One feed: fetched, parsed within the listing's horizon, stored; any failure recorded on the feed. */
  private async refreshOne(feed: CalendarFeed): Promise<boolean> {
    const at = this.clock.now();
    try {
      const fetched = await this.fetcher.fetch(feed.url);
      if (!fetched.ok) {
        await this.db.calendars.recordFailure(feed.id, fetched.error, at);
        return false;
      }
      const settings = (await this.db.settings.find([feed.resourceId]))[0];
      const timezone = settings?.availability.timezone ?? 'UTC';
      const horizonDays = settings?.availability.maxHorizonDays ?? 90;
      const now = this.clock.nowMs();
      const blocks = busyBlocksFromIcs(fetched.body, { from: now - DAY, to: now + (horizonDays + 1) * DAY, timezone });
      await this.db.transaction((tx) => tx.calendars.replaceBusyBlocks(feed, blocks, at));
      return true;
    } catch (error) {
      const reason =
        error instanceof IcsParseError ? `unreadable calendar: ${error.message}` : 'refresh failed (internal error)';
      try {
        await this.db.calendars.recordFailure(feed.id, reason, at);
      } catch {
        // The feed was removed meanwhile, or the database is away: the next run tries again.
      }
      return false;
    }
  }

  // ---- export -------------------------------------------------------------------------------------

  /** A new secret export URL for the listing; the previous one stops working. Shown once. */
  async rotateExport(caller: Caller, resourceId: string): Promise<CalendarExportView> {
    const user = requireUser(caller);
    await this.ownedListing(user, resourceId);
    const token = randomBytes(32).toString('base64url');
    await this.db.transaction(async (tx) => {
      await tx.calendars.lockListing(resourceId);
      await tx.calendars.rotateExport(resourceId, user.userId, hashToken(token));
      await appendAudit(
        tx,
        { actor: user.userId, action: 'booking.calendar_export.rotate', subject: resourceId, details: {} },
        this.clock.now(),
      );
    });
    return { resourceId, url: `${this.policy.publicBaseUrl ?? ''}/calendar/${token}.ics` };
  }

  async revokeExport(caller: Caller, resourceId: string): Promise<boolean> {
    const user = requireUser(caller);
    await this.ownedListing(user, resourceId);
    return this.db.transaction(async (tx) => {
      const revoked = await tx.calendars.revokeExport(resourceId);
      if (revoked)
        await appendAudit(
          tx,
          { actor: user.userId, action: 'booking.calendar_export.revoke', subject: resourceId, details: {} },
          this.clock.now(),
        );
      return revoked;
    });
  }

  /** The calendar behind a secret token (`<token>.ics`); unknown, malformed or revoked: NOT_FOUND. */
  async exportCalendar(file: string): Promise<string> {
    const token = file.endsWith('.ics') ? file.slice(0, -4) : file;
    if (!TOKEN.test(token)) throw new NotFoundError('Calendar not found');
    const target = await this.db.calendars.exportByHash(hashToken(token));
    if (!target) throw new NotFoundError('Calendar not found');
    const now = this.clock.now();
    const legs = await this.db.calendars.exportLegs(target.resourceId, new Date(now.getTime() - 30 * DAY));
    return bookingsCalendar({ name: `RastUp bookings ${target.resourceId}`, legs, now });
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private async ownedListing(user: UserCaller, resourceId: string): Promise<void> {
    const listing = (await this.db.listings.bookableListings([resourceId]))[0];
    if (!listing || listing.ownerUserId !== user.userId) throw new NotFoundError('Listing not found');
  }
}
