import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { Caller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { fakeUnitOfWork } from '../core/testing/fakes.ts';
import { availabilitySchema } from './availability.ts';
import type { CalendarRepositories } from './booking.repositories.ts';
import type { BookingSettings } from './booking.repository.ts';
import type { CalendarFeed, CalendarStore } from './calendar.repository.ts';
import { CalendarService, DEFAULT_CALENDAR_POLICY } from './calendar.service.ts';
import type { Interval } from './feasibility.ts';
import type { CalendarFetcher, FetchOutcome } from './ics-feed-fetcher.ts';
import type { ExportLeg } from './ics-export.ts';

const user = (userId: string): Caller => ({
  kind: 'user',
  userId,
  roles: [],
  amr: ['pwd'],
  authTime: undefined,
  sessionId: undefined,
  expiresAt: 0,
});

/** In-memory calendar store with the repository's semantics (unique URL per listing, replace on success). */
function setup(answers: Record<string, FetchOutcome | 'throw'>) {
  const owner = newId('user');
  const profileId = newId('profile');
  const feeds = new Map<string, CalendarFeed>();
  const busy = new Map<string, Interval[]>();
  const exports = new Map<string, { resourceId: string; ownerUserId: string; revoked: boolean }>();
  const legs: ExportLeg[] = [];
  const calendars: CalendarStore = {
    lockListing: async () => undefined,
    feedsOf: async (resourceId) => [...feeds.values()].filter((f) => f.resourceId === resourceId),
    findFeed: async (id) => feeds.get(id) ?? null,
    addFeed: async (feed) => {
      const existing = [...feeds.values()].find((f) => f.resourceId === feed.resourceId && f.url === feed.url);
      if (existing) return existing;
      const row: CalendarFeed = {
        ...feed,
        status: 'PENDING',
        lastError: null,
        busyCount: 0,
        lastFetchedAt: null,
        lastSuccessAt: null,
        createdAt: new Date(),
      };
      feeds.set(feed.id, row);
      return row;
    },
    countFeeds: async (resourceId) => [...feeds.values()].filter((f) => f.resourceId === resourceId).length,
    removeFeed: async (id) => feeds.delete(id),
    dueFeeds: async (limit, before, except = []) =>
      [...feeds.values()]
        .filter((f) => (!f.lastFetchedAt || f.lastFetchedAt < before) && !except.includes(f.id))
        .slice(0, limit),
    replaceBusyBlocks: async (feed, blocks, at) => {
      busy.set(feed.id, [...blocks]);
      feeds.set(feed.id, {
        ...feeds.get(feed.id)!,
        status: 'OK',
        lastError: null,
        busyCount: blocks.length,
        lastFetchedAt: at,
        lastSuccessAt: at,
      });
    },
    recordFailure: async (id, error, at) => {
      feeds.set(id, { ...feeds.get(id)!, status: 'ERROR', lastError: error, lastFetchedAt: at });
    },
    busyBlocksOf: async () => [],
    rotateExport: async (resourceId, ownerUserId, hash) => {
      for (const entry of exports.values()) if (entry.resourceId === resourceId) entry.revoked = true;
      exports.set(hash, { resourceId, ownerUserId, revoked: false });
    },
    revokeExport: async (resourceId) => {
      let revoked = false;
      for (const entry of exports.values())
        if (entry.resourceId === resourceId && !entry.revoked) revoked = entry.revoked = true;
      return revoked;
    },
    exportByHash: async (hash) => {
      const entry = exports.get(hash);
      return entry && !entry.revoked ? { resourceId: entry.resourceId, ownerUserId: entry.ownerUserId } : null;
    },
    exportLegs: async () => legs,
  };
  const settings: BookingSettings = {
    resourceId: profileId,
    resourceType: 'PROFILE',
    ownerUserId: owner,
    availability: availabilitySchema.parse({ timezone: 'Europe/London', weekly: [], maxHorizonDays: 30 }),
    cancellationPolicy: 'MODERATE',
    version: 1,
  };
  const repos: CalendarRepositories = {
    calendars,
    settings: { find: async () => [settings], upsert: async () => 1 },
    listings: {
      bookableListings: async (ids) =>
        ids.includes(profileId)
          ? [
              {
                id: profileId,
                type: 'PROFILE',
                ownerUserId: owner,
                bookable: true,
                instantBook: false,
                hourlyRateCents: 0,
                currency: 'USD',
                timezone: null,
              },
            ]
          : [],
    },
  };
  const fetched: string[] = [];
  const fetcher: CalendarFetcher = {
    fetch: async (url) => {
      fetched.push(url);
      const answer = answers[url];
      if (answer === 'throw') throw new Error('socket exploded');
      return answer ?? { ok: false, error: 'HTTP 404' };
    },
  };
  const clock = new ManualClock(Date.parse('2026-11-01T00:00:00Z'));
  const uow = fakeUnitOfWork(repos);
  const service = new CalendarService(uow, fetcher, clock, {
    ...DEFAULT_CALENDAR_POLICY,
    publicBaseUrl: 'https://api.example.com',
  });
  return { service, uow, owner, profileId, feeds, busy, legs, fetched, clock };
}

const GOOD = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//t//t//EN',
  'BEGIN:VEVENT',
  'UID:a@x',
  'DTSTAMP:20261001T000000Z',
  'DTSTART:20261105T100000Z',
  'DTEND:20261105T120000Z',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:far@x',
  'DTSTAMP:20261001T000000Z',
  'DTSTART:20270105T100000Z',
  'DTEND:20270105T120000Z',
  'END:VEVENT',
  'END:VCALENDAR',
].join('\r\n');

describe('calendar service', () => {
  it('refreshes every feed: good ones store busy blocks within the horizon, bad ones are recorded and stop nothing', async () => {
    const s = setup({
      'https://good.example.com/a.ics': { ok: true, body: GOOD },
      'https://garbage.example.com/a.ics': { ok: true, body: '<html>hello</html>' },
      'https://slow.example.com/a.ics': { ok: false, error: 'timed out after 10000 ms' },
      'https://boom.example.com/a.ics': 'throw',
    });
    const urls = ['boom', 'garbage', 'good', 'slow', 'missing'].map((host) => `https://${host}.example.com/a.ics`);
    for (const url of urls) await s.service.addFeed(user(s.owner), { resourceId: s.profileId, url });
    const summary = await s.service.refresh();
    expect(summary).toEqual({ fetched: 5, ok: 1, failed: 4 });
    const feeds = await s.service.feeds(user(s.owner), s.profileId);
    expect(
      Object.fromEntries(
        feeds.map((f) => [new URL(f.url).hostname.split('.')[0], [f.status, f.lastError, f.busyCount]]),
      ),
    ).toEqual({
      boom: ['ERROR', 'refresh failed (internal error)', 0],
      garbage: ['ERROR', expect.stringContaining('unreadable calendar'), 0],
      good: ['OK', null, 1],
      slow: ['ERROR', 'timed out after 10000 ms', 0],
      missing: ['ERROR', 'HTTP 404', 0],
    });
    // Only the event inside the 30-day horizon became busy.
    const good = feeds.find((f) => f.url.includes('good'))!;
    expect(s.busy.get(good.id)).toEqual([
      { start: Date.parse('2026-11-05T10:00:00Z'), end: Date.parse('2026-11-05T12:00:00Z') },
    ]);
    // Not due again until 15 minutes later.
    expect(await s.service.refresh()).toEqual({ fetched: 0, ok: 0, failed: 0 });
    s.clock.advance(15 * 60_000);
    expect((await s.service.refresh()).fetched).toBe(5);
  });

  it('refuses private and non-https URLs, others\u2019 listings and feeds answer NOT_FOUND, the same URL twice is one feed', async () => {
    const s = setup({});
    await expect(
      s.service.addFeed(user(s.owner), { resourceId: s.profileId, url: 'https://169.254.169.254/latest' }),
    ).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    await expect(
      s.service.addFeed(user(s.owner), { resourceId: s.profileId, url: 'http://calendar.example.com/a.ics' }),
    ).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    const stranger = user(newId('user'));
    await expect(
      s.service.addFeed(stranger, { resourceId: s.profileId, url: 'https://calendar.example.com/a.ics' }),
    ).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    const first = await s.service.addFeed(user(s.owner), {
      resourceId: s.profileId,
      url: 'https://calendar.example.com/a.ics',
    });
    const again = await s.service.addFeed(user(s.owner), {
      resourceId: s.profileId,
      url: 'https://calendar.example.com/a.ics',
    });
    expect(again.id).toBe(first.id);
    await expect(s.service.removeFeed(stranger, first.id)).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    expect(await s.service.removeFeed(user(s.owner), first.id)).toBe(true);
    expect(s.uow.kernel.auditActions()).toEqual(['booking.calendar_feed.add', 'booking.calendar_feed.remove']);
    // The feed URL (which may carry the other service's secret) is not in the audit entries.
    expect(JSON.stringify(s.uow.kernel.audit)).not.toContain('calendar.example.com');
  });

  it('exports through a secret token shown once; rotating revokes the old one, revoking stops it', async () => {
    const s = setup({});
    const first = await s.service.rotateExport(user(s.owner), s.profileId);
    expect(first.url).toMatch(/^https:\/\/api\.example\.com\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    const file = (url: string) => url.slice(url.lastIndexOf('/') + 1);
    expect(await s.service.exportCalendar(file(first.url))).toContain('BEGIN:VCALENDAR');
    const second = await s.service.rotateExport(user(s.owner), s.profileId);
    await expect(s.service.exportCalendar(file(first.url))).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    expect(await s.service.exportCalendar(file(second.url))).toContain('BEGIN:VCALENDAR');
    expect(await s.service.revokeExport(user(s.owner), s.profileId)).toBe(true);
    await expect(s.service.exportCalendar(file(second.url))).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    await expect(s.service.exportCalendar('../../etc/passwd')).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    await expect(s.service.rotateExport(user(newId('user')), s.profileId)).rejects.toMatchObject({
      code: 'RESOURCE.NOT_FOUND',
    });
  });
});
