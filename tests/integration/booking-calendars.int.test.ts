/**
 * Booking calendars and rescheduling against the local stack: the secret ICS export over REST
 * (validated by ical.js, an independent parser), fed back into the import of another listing by its
 * URL (the same busy blocks come back, and they block slots and bookings), bad feeds recorded on the
 * feed without stopping the refresh, the SSRF guard at add time, token rotation/revocation, and
 * `rescheduleBookingGroup` (atomic move, conflict, idempotent replay, event, export SEQUENCE bump).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlAs, gqlOk, sql } from '../support/graphql.ts';
import {
  ACT,
  BOOKING_FIELDS,
  REQUEST,
  hoursFromNow,
  openAllDay,
  publishedProfile,
  publishedStudio,
} from '../support/booking.ts';
import { mintAccessToken } from '../support/tokens.ts';
import { payHold } from '../support/checkout.ts';

const RESCHEDULE = `mutation($input: RescheduleBookingGroupInput!) { rescheduleBookingGroup(input: $input) { ${BOOKING_FIELDS} } }`;
const FEEDS = `query($id: ID!) { calendarFeeds(resourceId: $id) { id url status lastError busyCount lastFetchedAt } }`;
const ADD_FEED = `mutation($input: AddCalendarFeedInput!) { addCalendarFeed(input: $input) { id status } }`;
const key = () => `k-${newId('request')}`;

let owner: { token: string; userId: string; profileId: string; studioId: string };
let client: { token: string; userId: string };
let feedServer: Server;
let feedBase: string;

beforeAll(async () => {
  const userId = newId('user');
  const token = await mintAccessToken({ userId, roles: ['provider'] });
  const profileId = await publishedProfile(userId);
  const studioId = await publishedStudio(userId, { instantBook: true });
  await openAllDay(token, profileId, { cancellationPolicy: 'FLEXIBLE' });
  await openAllDay(token, studioId, { cancellationPolicy: 'FLEXIBLE' });
  owner = { token, userId, profileId, studioId };
  const clientId = newId('user');
  client = { userId: clientId, token: await mintAccessToken({ userId: clientId, roles: ['client'] }) };
  // External calendars that misbehave, on loopback (allowed in the local stage only).
  feedServer = createServer((request, response) => {
    if (request.url === '/missing.ics') return response.writeHead(404).end('no');
    if (request.url === '/garbage.ics')
      return response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi</html>');
    if (request.url === '/huge.ics') {
      response.writeHead(200, { 'content-type': 'text/calendar' });
      response.write('BEGIN:VCALENDAR\r\n');
      const line = `X-PAD:${'x'.repeat(1000)}\r\n`;
      for (let i = 0; i < 1200; i++) response.write(line);
      return response.end('END:VCALENDAR\r\n');
    }
    if (request.url === '/hang.ics') return; // never answers: the fetch times out
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
  feedBase = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  feedServer?.closeAllConnections();
  await new Promise((resolve) => feedServer?.close(resolve));
});

async function confirmedBooking(startsAt: string) {
  const requested = (
    await gqlOk(client.token, REQUEST, {
      input: { idempotencyKey: key(), profileId: owner.profileId, startsAt, durationMinutes: 60 },
    })
  ).requestBooking;
  await gqlOk(owner.token, ACT, { input: { idempotencyKey: key(), groupId: requested.id, action: 'ACCEPT' } });
  // Booking is wired to Stripe (the stand-in): the client's card confirms the hold.
  await payHold(client.token, requested.id);
  return (
    await gqlOk(owner.token, `query($id: ID!) { booking(id: $id) { id status startsAt legs { id } } }`, {
      id: requested.id,
    })
  ).booking;
}

async function fetchExport(url: string) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

function exportedEvents(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: String(vevent.getFirstPropertyValue('status')),
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    };
  });
}

async function refreshCalendars() {
  const job = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/booking-calendar-refresh`);
  expect(job.status).toBe(200);
  return (await job.json()) as { fetched: number; ok: number; failed: number };
}

describe('booking calendars', () => {
  it('exports confirmed and cancelled legs as valid ICS, reschedules atomically, and round-trips into another listing as busy blocks', async () => {
    const first = await confirmedBooking(hoursFromNow(24 * 6));
    const cancelled = await confirmedBooking(hoursFromNow(24 * 6 + 3));
    await gqlOk(client.token, ACT, { input: { idempotencyKey: key(), groupId: cancelled.id, action: 'CANCEL' } });
    const requested = (
      await gqlOk(client.token, REQUEST, {
        input: {
          idempotencyKey: key(),
          profileId: owner.profileId,
          startsAt: hoursFromNow(24 * 7),
          durationMinutes: 60,
        },
      })
    ).requestBooking;

    // ---- export: shown once, validated by ical.js ---------------------------------------------------
    const { rotateCalendarExport: exported } = await gqlOk(
      owner.token,
      `mutation($id: ID!) { rotateCalendarExport(resourceId: $id) { resourceId url } }`,
      { id: owner.profileId },
    );
    expect(exported.url).toMatch(/\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    const before = await fetchExport(exported.url);
    expect(before.status).toBe(200);
    expect(before.type).toContain('text/calendar');
    const legOf = (group: { legs: { id: string }[] }) => `${group.legs[0]!.id}@rastup.bookings`;
    const events = exportedEvents(before.text);
    expect(events.map((e) => [e.uid, e.status, e.start])).toEqual([
      [legOf(first), 'CONFIRMED', first.startsAt],
      [legOf(cancelled), 'CANCELLED', cancelled.startsAt],
    ]);
    // The request that was never confirmed is not there; neither is anything about the client.
    expect(before.text).not.toContain(requested.id);
    expect(before.text).not.toContain(client.userId);

    // ---- reschedule: atomic, idempotent, a conflict refused, the export follows -----------------------
    const moveKey = key();
    const target = hoursFromNow(24 * 8);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        gqlAs(client.token, RESCHEDULE, { input: { idempotencyKey: moveKey, groupId: first.id, startsAt: target } }),
      ),
    );
    for (const reply of replies) expect(reply.errors).toBeUndefined();
    const moved = replies[0]!.data.rescheduleBookingGroup;
    expect(replies.every((reply) => JSON.stringify(reply.data) === JSON.stringify(replies[0]!.data))).toBe(true);
    expect(moved).toMatchObject({ status: 'CONFIRMED', startsAt: target, legs: [{ startsAt: target }] });
    expect(moved.timeline.at(-1)).toMatchObject({ action: 'RESCHEDULE', by: 'CLIENT', toStatus: 'CONFIRMED' });
    const rescheduledEvents = await sql(
      `SELECT payload FROM outbox_events WHERE type = 'booking.rescheduled' AND aggregate_id = $1`,
      [first.id],
    );
    expect(rescheduledEvents).toHaveLength(1);
    expect(rescheduledEvents[0].payload).toMatchObject({ previousStartsAt: first.startsAt, startsAt: target });
    // Onto the open request's hour: the exclusion constraint's answer, nothing moved.
    const clash = await gqlAs(client.token, RESCHEDULE, {
      input: { idempotencyKey: key(), groupId: first.id, startsAt: requested.startsAt },
    });
    expect(clash.errors?.[0]).toMatchObject({ errorType: 'BOOKING_CONFLICT' });
    // A stranger's attempt: NOT_FOUND.
    const strangerId = newId('user');
    const stranger = await mintAccessToken({ userId: strangerId, roles: ['client'] });
    const hidden = await gqlAs(stranger, RESCHEDULE, {
      input: { idempotencyKey: key(), groupId: first.id, startsAt: target },
    });
    expect(hidden.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });

    const after = exportedEvents((await fetchExport(exported.url)).text);
    const movedEvent = after.find((e) => e.uid === legOf(first))!;
    const oldEvent = events.find((e) => e.uid === legOf(first))!;
    expect(movedEvent.start).toBe(target);
    expect(movedEvent.sequence).toBeGreaterThan(oldEvent.sequence);

    // ---- import: the export URL fed into the studio, beside feeds that misbehave ---------------------
    const urls = [exported.url, ...['missing', 'garbage', 'huge', 'hang'].map((name) => `${feedBase}/${name}.ics`)];
    for (const url of urls) {
      const added = (await gqlOk(owner.token, ADD_FEED, { input: { resourceId: owner.studioId, url } }))
        .addCalendarFeed;
      expect(added.status).toBe('PENDING');
    }
    const summary = await refreshCalendars();
    expect(summary.ok).toBeGreaterThanOrEqual(1);
    expect(summary.failed).toBeGreaterThanOrEqual(4);
    const feeds = (await gqlOk(owner.token, FEEDS, { id: owner.studioId })).calendarFeeds as {
      url: string;
      status: string;
      lastError: string | null;
      busyCount: number;
    }[];
    const byUrl = (url: string) => feeds.find((feed) => feed.url === url)!;
    expect(byUrl(exported.url)).toMatchObject({ status: 'OK', lastError: null, busyCount: 1 });
    expect(byUrl(`${feedBase}/missing.ics`)).toMatchObject({ status: 'ERROR', lastError: 'HTTP 404' });
    expect(byUrl(`${feedBase}/garbage.ics`).lastError).toContain('unreadable calendar');
    expect(byUrl(`${feedBase}/huge.ics`).lastError).toContain('too large');
    expect(byUrl(`${feedBase}/hang.ics`).lastError).toContain('timed out');

    // The same busy blocks as the exported confirmed legs (the cancelled one is not busy).
    const busy = await sql<{ s: Date; e: Date }>(
      'SELECT lower(during) AS s, upper(during) AS e FROM booking_busy_blocks WHERE resource_id = $1 ORDER BY 1',
      [owner.studioId],
    );
    expect(busy.map((row) => [row.s.toISOString(), row.e.toISOString()])).toEqual([[moved.startsAt, moved.endsAt]]);

    // Busy blocks feed the slots and the booking conflict check.
    const slots = (
      await gqlOk(null, `query($input: BookingSlotsInput!) { bookingSlots(input: $input) { slots { startsAt } } }`, {
        input: { studioId: owner.studioId, durationMinutes: 60 },
      })
    ).bookingSlots.slots.map((slot: { startsAt: string }) => slot.startsAt);
    expect(slots).not.toContain(target);
    expect(slots).toContain(first.startsAt);
    const blocked = await gqlAs(client.token, REQUEST, {
      input: { idempotencyKey: key(), studioId: owner.studioId, startsAt: target, durationMinutes: 60 },
    });
    expect(blocked.errors?.[0]).toMatchObject({ errorType: 'BOOKING_CONFLICT' });

    // ---- rotation and revocation ------------------------------------------------------------------
    const { rotateCalendarExport: rotated } = await gqlOk(
      owner.token,
      `mutation($id: ID!) { rotateCalendarExport(resourceId: $id) { url } }`,
      { id: owner.profileId },
    );
    expect((await fetchExport(exported.url)).status).toBe(404);
    expect((await fetchExport(rotated.url)).status).toBe(200);
    expect(
      (
        await gqlOk(owner.token, `mutation($id: ID!) { revokeCalendarExport(resourceId: $id) }`, {
          id: owner.profileId,
        })
      ).revokeCalendarExport,
    ).toBe(true);
    expect((await fetchExport(rotated.url)).status).toBe(404);
    // The hashed token is all the database holds.
    const token = rotated.url.slice(rotated.url.lastIndexOf('/') + 1, -4);
    expect(await sql('SELECT 1 FROM booking_calendar_exports WHERE token_hash = $1', [token])).toHaveLength(0);
  }, 180_000);

  it('refuses private and non-https feed URLs, and others’ listings and feeds answer NOT_FOUND', async () => {
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/cal.ics',
      'http://calendar.example.com/a.ics',
    ]) {
      const refused = await gqlAs(owner.token, ADD_FEED, { input: { resourceId: owner.studioId, url } });
      expect(refused.errors?.[0], url).toMatchObject({ errorType: 'BAD_REQUEST' });
    }
    const strangerId = newId('user');
    const stranger = await mintAccessToken({ userId: strangerId, roles: ['provider'] });
    const list = await gqlAs(stranger, FEEDS, { id: owner.studioId });
    expect(list.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
    const feed = (
      await gqlOk(owner.token, ADD_FEED, { input: { resourceId: owner.studioId, url: `${feedBase}/other.ics` } })
    ).addCalendarFeed as { id: string };
    const removal = await gqlAs(stranger, `mutation($id: ID!) { removeCalendarFeed(feedId: $id) }`, { id: feed.id });
    expect(removal.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
    const removed = await gqlOk(owner.token, `mutation($id: ID!) { removeCalendarFeed(feedId: $id) }`, { id: feed.id });
    expect(removed.removeCalendarFeed).toBe(true);
    const exported = await gqlAs(stranger, `mutation($id: ID!) { rotateCalendarExport(resourceId: $id) { url } }`, {
      id: owner.profileId,
    });
    expect(exported.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
  });
});
