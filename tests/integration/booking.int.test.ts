/**
 * Booking over GraphQL against the local stack: availability and the public slot preview, the
 * request → accept → hold → (client pays through Stripe) confirmed → cancel flow with its timeline, action cards, events and audit;
 * provider + studio groups with per-owner visibility; Instant Book; expiry by the scheduled job.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { cachedReads } from '../../infra/definitions/domains.ts';
import { seedPublishedProfile } from '../support/profiles.ts';
import { mintAccessToken } from '../support/tokens.ts';
import { BOOKING_FIELDS, openAllDay, publishedStudio, REQUEST, ACT, hoursFromNow } from '../support/booking.ts';
import { payHold } from '../support/checkout.ts';

let provider: { token: string; userId: string; profileId: string };

beforeAll(async () => {
  const userId = newId('user');
  const token = await mintAccessToken({ userId, roles: ['provider'] });
  const { profileId } = await seedPublishedProfile(token);
  await openAllDay(token, profileId, { cancellationPolicy: 'MODERATE', bufferAfterMinutes: 30 });
  provider = { token, userId, profileId };
}, 120_000);

const client = async () => {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles: ['client'] }) };
};

describe('booking', () => {
  it('shows slots publicly, then request → accept → confirmed → cancel with timeline, cards, events and audit', async () => {
    const terms = await gqlOk(
      null,
      `query($id: ID!) { bookingTerms(resourceId: $id) { instantBook cancellationPolicy cancellationTerms timezone } }`,
      { id: provider.profileId },
    );
    expect(terms.bookingTerms).toMatchObject({ instantBook: false, cancellationPolicy: 'MODERATE' });
    expect(terms.bookingTerms.cancellationTerms[0]).toBe(
      '100% refund when cancelled at least 5 days before the start.',
    );

    const startsAt = hoursFromNow(24 * 8);
    const preview = async () =>
      (
        await gqlOk(
          null,
          `query($input: BookingSlotsInput!) { bookingSlots(input: $input) { timezone slots { startsAt endsAt } } }`,
          { input: { profileId: provider.profileId, durationMinutes: 60 } },
        )
      ).bookingSlots;
    // AppSync keeps slots up to their TTL (cachedReads, 10 s): a booking shows in the preview once the
    // entry read before it has expired (requesting a shown-but-taken slot answers BOOKING_CONFLICT).
    const previewOnce = async (ready: (starts: string[]) => boolean) =>
      eventually(
        async () => {
          const starts = (await preview()).slots.map((s: { startsAt: string }) => s.startsAt) as string[];
          return ready(starts) ? starts : undefined;
        },
        cachedReads['Query.bookingSlots']!.ttlSeconds * 1000 + 10_000,
        500,
      );
    const before = await preview();
    expect(before.timezone).toBe('America/Los_Angeles');
    expect(before.slots.map((s: { startsAt: string }) => s.startsAt)).toContain(startsAt);

    const alice = await client();
    const requested = (
      await gqlOk(alice.token, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          profileId: provider.profileId,
          startsAt,
          durationMinutes: 60,
        },
      })
    ).requestBooking;
    expect(requested).toMatchObject({
      status: 'REQUESTED',
      viewerRole: 'CLIENT',
      myActions: ['CANCEL', 'RESCHEDULE'],
      actionCards: [
        { party: 'CLIENT', actions: ['CANCEL', 'RESCHEDULE'] },
        { party: 'OWNER', actions: ['ACCEPT', 'DECLINE', 'CANCEL', 'RESCHEDULE'] },
      ],
      amountCents: 20000,
      currency: 'USD',
    });
    // The slot and its 30-minute after-buffer are taken: neither that hour nor the next is offered.
    const after = await previewOnce((starts) => !starts.includes(startsAt));
    expect(after).not.toContain(startsAt);
    expect(after).not.toContain(new Date(Date.parse(startsAt) + 3_600_000).toISOString());

    // Nobody else sees it: another client, another provider.
    const mallory = await client();
    const hidden = await gqlAs(mallory.token, `query($id: ID!) { booking(id: $id) { id } }`, { id: requested.id });
    expect(hidden.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
    const hiddenAct = await gqlAs(mallory.token, ACT, {
      input: { idempotencyKey: `act-${newId('request')}`, groupId: requested.id, action: 'CANCEL' },
    });
    expect(hiddenAct.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
    // The client cannot accept their own request.
    const selfAccept = await gqlAs(alice.token, ACT, {
      input: { idempotencyKey: `act-${newId('request')}`, groupId: requested.id, action: 'ACCEPT' },
    });
    expect(selfAccept.errors?.[0]).toMatchObject({ errorInfo: { code: 'BOOKING.INVALID_TRANSITION' } });

    const inbox = (await gqlOk(provider.token, `query { myBookings(as: OWNER) { ${BOOKING_FIELDS} } }`)).myBookings;
    expect(inbox.find((g: { id: string }) => g.id === requested.id)).toMatchObject({
      viewerRole: 'OWNER',
      myActions: ['ACCEPT', 'DECLINE', 'CANCEL', 'RESCHEDULE'],
    });

    const held = (
      await gqlOk(provider.token, ACT, {
        input: { idempotencyKey: `act-${newId('request')}`, groupId: requested.id, action: 'ACCEPT' },
      })
    ).actOnBooking;
    // Booking is wired to Stripe (the stand-in): the hold waits for the client's card.
    expect(held).toMatchObject({ status: 'HOLD', paymentStatus: 'REQUIRES_ACTION' });
    await payHold(alice.token, requested.id);
    const confirmed = (
      await gqlOk(provider.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: requested.id })
    ).booking;
    // Accepted and paid: the owner can no longer move it, the client still can.
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'CAPTURED', myActions: ['CANCEL', 'START'] });
    expect(
      confirmed.timeline.map((e: { action: string; by: string; toStatus: string }) => [e.action, e.by, e.toStatus]),
    ).toEqual([
      ['REQUEST', 'CLIENT', 'REQUESTED'],
      ['ACCEPT', 'OWNER', 'REQUESTED'],
      ['HOLD', 'SYSTEM', 'HOLD'],
      ['CONFIRM', 'CLIENT', 'CONFIRMED'],
      ['CAPTURE', 'SYSTEM', 'CONFIRMED'],
    ]);

    const seen = (
      await gqlOk(alice.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: requested.id })
    ).booking;
    expect(seen.myActions).toEqual(['CANCEL', 'RESCHEDULE']);
    // Eight days ahead under MODERATE: a full refund if cancelled now.
    expect(seen.cancellationQuote).toMatchObject({ refundPercent: 100, refundCents: 20000, retainedCents: 0 });

    const cancelled = (
      await gqlOk(alice.token, ACT, {
        input: { idempotencyKey: `act-${newId('request')}`, groupId: requested.id, action: 'CANCEL' },
      })
    ).actOnBooking;
    expect(cancelled).toMatchObject({
      status: 'CANCELLED',
      refundCents: 20000,
      paymentStatus: 'REFUNDED',
      myActions: [],
    });
    // The time is free again.
    expect(await previewOnce((starts) => starts.includes(startsAt))).toContain(startsAt);

    const events = await sql<{ type: string }>(
      `SELECT type FROM outbox_events WHERE aggregate_type = 'booking' AND aggregate_id = $1 ORDER BY created_at, id`,
      [requested.id],
    );
    expect(events.map((e) => e.type)).toEqual([
      'booking.requested',
      'booking.accepted',
      'booking.held',
      'booking.confirmed',
      'booking.cancelled',
    ]);
    const audit = await sql<{ action: string; actor: string }>(
      `SELECT action, actor FROM audit_log WHERE subject = $1 ORDER BY seq`,
      [requested.id],
    );
    expect(audit).toEqual([
      { action: 'booking.request', actor: alice.userId },
      { action: 'booking.accept', actor: provider.userId },
      { action: 'booking.confirm', actor: alice.userId },
      { action: 'booking.cancel', actor: alice.userId },
    ]);
  });

  it('refuses a slot outside the rules with a typed error, and a taken one with BOOKING.CONFLICT', async () => {
    const alice = await client();
    const offGrid = await gqlAs(alice.token, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        profileId: provider.profileId,
        startsAt: new Date(Date.parse(hoursFromNow(24 * 9)) + 15 * 60_000).toISOString(),
        durationMinutes: 60,
      },
    });
    expect(offGrid.errors?.[0]).toMatchObject({ errorType: 'SLOT_UNAVAILABLE', errorInfo: { reason: 'grid' } });
    const startsAt = hoursFromNow(24 * 9);
    const first = await gqlOk(alice.token, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        profileId: provider.profileId,
        startsAt,
        durationMinutes: 60,
      },
    });
    expect(first.requestBooking.status).toBe('REQUESTED');
    const bob = await client();
    const second = await gqlAs(bob.token, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        profileId: provider.profileId,
        startsAt,
        durationMinutes: 60,
      },
    });
    expect(second.errors?.[0]).toMatchObject({
      errorType: 'BOOKING_CONFLICT',
      errorInfo: { code: 'BOOKING.CONFLICT' },
    });
    // The same key for a different request is refused, not replayed.
    const reused = await gqlAs(alice.token, REQUEST, {
      input: {
        idempotencyKey: 'fixed-key-0001',
        profileId: provider.profileId,
        startsAt: hoursFromNow(24 * 9 + 5),
        durationMinutes: 60,
      },
    });
    expect(reused.errors).toBeUndefined();
    const mismatch = await gqlAs(alice.token, REQUEST, {
      input: {
        idempotencyKey: 'fixed-key-0001',
        profileId: provider.profileId,
        startsAt: hoursFromNow(24 * 9 + 7),
        durationMinutes: 60,
      },
    });
    expect(mismatch.errors?.[0]).toMatchObject({ errorInfo: { code: 'BOOKING.IDEMPOTENCY_KEY_REUSED' } });
  });

  it('books a provider and a studio together; each owner sees and accepts only their leg', async () => {
    const host = { userId: newId('user') };
    const hostToken = await mintAccessToken({ userId: host.userId, roles: ['host'] });
    const studioId = await publishedStudio(host.userId, { instantBook: false });
    await openAllDay(hostToken, studioId, { bufferBeforeMinutes: 60, cancellationPolicy: 'STRICT' });
    const pair = { profileId: provider.profileId, studioId, durationMinutes: 120 };
    const slots = (
      await gqlOk(null, `query($input: BookingSlotsInput!) { bookingSlots(input: $input) { slots { startsAt } } }`, {
        input: { ...pair, from: hoursFromNow(24 * 12), days: 1 },
      })
    ).bookingSlots.slots;
    expect(slots.length).toBeGreaterThan(10);
    const alice = await client();
    const group = (
      await gqlOk(alice.token, REQUEST, {
        input: { idempotencyKey: `req-${newId('request')}`, ...pair, startsAt: slots[3].startsAt },
      })
    ).requestBooking;
    expect(group.legs.map((l: { resourceType: string }) => l.resourceType)).toEqual(['PROFILE', 'STUDIO']);

    const hostView = (
      await gqlOk(hostToken, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: group.id })
    ).booking;
    expect(hostView.legs.map((l: { resourceId: string }) => l.resourceId)).toEqual([studioId]);
    expect(hostView.amountCents).toBe(group.legs[1].amountCents);

    const afterHost = (
      await gqlOk(hostToken, ACT, {
        input: { idempotencyKey: `act-${newId('request')}`, groupId: group.id, action: 'ACCEPT' },
      })
    ).actOnBooking;
    // The host shares the group with the photographer: moving it is the client's call, not the host's.
    expect(afterHost).toMatchObject({ status: 'REQUESTED', myActions: ['CANCEL'] });
    const afterProvider = (
      await gqlOk(provider.token, ACT, {
        input: { idempotencyKey: `act-${newId('request')}`, groupId: group.id, action: 'ACCEPT' },
      })
    ).actOnBooking;
    // Every leg accepted: the group holds its time while the client pays (booking wired to Stripe).
    expect(afterProvider).toMatchObject({ status: 'HOLD', paymentStatus: 'REQUIRES_ACTION' });
    // The studio's 60-minute before-buffer blocks the two-hour slot that ends right at the start. The
    // same query was answered before the booking: AppSync keeps slots up to their TTL (cachedReads,
    // 10 s), so the held time shows as taken once that entry has expired, not necessarily at once.
    const start = Date.parse(slots[3].startsAt);
    const ttlMs = cachedReads['Query.bookingSlots']!.ttlSeconds * 1000;
    const remaining = await eventually(
      async () => {
        const now = (
          await gqlOk(
            null,
            `query($input: BookingSlotsInput!) { bookingSlots(input: $input) { slots { startsAt } } }`,
            {
              input: { ...pair, from: hoursFromNow(24 * 12), days: 1 },
            },
          )
        ).bookingSlots.slots.map((s: { startsAt: string }) => s.startsAt) as string[];
        return now.includes(slots[3].startsAt) ? undefined : now;
      },
      ttlMs + 10_000,
      500,
    );
    expect(remaining).not.toContain(new Date(start - 2 * 3_600_000).toISOString());
    expect(remaining).toContain(new Date(start - 3 * 3_600_000).toISOString());
  });

  it('confirms Instant Book listings at once, and expires unanswered requests by the scheduled job', async () => {
    const host = { userId: newId('user') };
    const hostToken = await mintAccessToken({ userId: host.userId, roles: ['host'] });
    const studioId = await publishedStudio(host.userId, { instantBook: true });
    await openAllDay(hostToken, studioId, {});
    const alice = await client();
    const instant = (
      await gqlOk(alice.token, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          studioId,
          startsAt: hoursFromNow(24 * 5),
          durationMinutes: 60,
        },
      })
    ).requestBooking;
    // No owner step: the group holds at once and confirms as soon as the client's card is through.
    expect(instant).toMatchObject({ status: 'HOLD', instantBook: true, paymentStatus: 'REQUIRES_ACTION' });
    await payHold(alice.token, instant.id);
    const paid = (
      await gqlOk(alice.token, `query($id: ID!) { booking(id: $id) { status paymentStatus } }`, { id: instant.id })
    ).booking;
    expect(paid).toEqual({ status: 'CONFIRMED', paymentStatus: 'CAPTURED' });

    const startsAt = hoursFromNow(24 * 6);
    const pending = (
      await gqlOk(alice.token, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          profileId: provider.profileId,
          startsAt,
          durationMinutes: 60,
        },
      })
    ).requestBooking;
    const later = new Date(Date.parse(pending.respondBy) + 60_000).toISOString();
    const job = await fetch(
      `${stackInfo().endpoints.restUrl}/dev/jobs/booking-expiry?now=${encodeURIComponent(later)}`,
    );
    expect(job.status).toBe(200);
    expect(((await job.json()) as { expired: number }).expired).toBeGreaterThanOrEqual(1);
    const expired = (
      await gqlOk(alice.token, `query($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`, { id: pending.id })
    ).booking;
    expect(expired).toMatchObject({ status: 'EXPIRED', myActions: [] });
    expect(expired.timeline.at(-1)).toMatchObject({ action: 'EXPIRE', by: 'SYSTEM', toStatus: 'EXPIRED' });
    // The time is free again for someone else.
    const bob = await client();
    const rebooked = await gqlOk(bob.token, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        profileId: provider.profileId,
        startsAt,
        durationMinutes: 60,
      },
    });
    expect(rebooked.requestBooking.status).toBe('REQUESTED');
  });
});
