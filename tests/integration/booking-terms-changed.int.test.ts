/**
 * Stale terms do not bind a client: Query.bookingTerms is cached (up to 60 s, longer if an eviction
 * failed), so requestBooking takes the terms the client was shown and refuses with TERMS_CHANGED, before
 * any card hold, when they are no longer the listing's (policy, Instant Book).
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { gqlAs, sql } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';
import { openAllDay, publishedStudio, REQUEST, hoursFromNow } from '../support/booking.ts';

const client = async () => {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles: ['client'] }) };
};

describe('requestBooking with the terms the client was shown', () => {
  it('refuses a request whose shown terms are no longer current (TERMS_CHANGED) before any card hold', async () => {
    const host = { userId: newId('user') };
    const hostToken = await mintAccessToken({ userId: host.userId, roles: ['host'] });
    const studioId = await publishedStudio(host.userId, { instantBook: false });
    await openAllDay(hostToken, studioId, { cancellationPolicy: 'FLEXIBLE' });
    // What a client was shown (and what a cache may keep showing past the change): FLEXIBLE, request only.
    const shown = { expectedCancellationPolicy: 'FLEXIBLE', expectedInstantBook: false };
    // The owner switches to STRICT and turns Instant Book on (a fixture write, as publishedStudio does).
    await openAllDay(hostToken, studioId, { cancellationPolicy: 'STRICT' });
    await sql('UPDATE studios SET instant_book = true WHERE id = $1', [studioId]);

    const alice = await client();
    const startsAt = hoursFromNow(24 * 9);
    const ask = (terms: Record<string, unknown>) =>
      gqlAs(alice.token, REQUEST, {
        input: { idempotencyKey: `req-${newId('request')}`, studioId, startsAt, durationMinutes: 60, ...terms },
      });
    for (const stale of [
      shown,
      { ...shown, expectedInstantBook: true },
      { ...shown, expectedCancellationPolicy: 'STRICT' },
    ]) {
      const refused = await ask(stale);
      expect(refused.data?.requestBooking ?? null).toBeNull();
      expect(refused.errors?.[0]).toMatchObject({
        errorType: 'TERMS_CHANGED',
        errorInfo: { code: 'BOOKING.TERMS_CHANGED', cancellationPolicy: 'STRICT', instantBook: true },
      });
    }
    // Nothing was booked or held: no group, no PaymentIntent asked of Stripe.
    expect(await sql('SELECT 1 FROM booking_groups WHERE client_user_id = $1', [alice.userId])).toHaveLength(0);
    expect(await sql('SELECT 1 FROM payment_intent_requests WHERE client_user_id = $1', [alice.userId])).toHaveLength(
      0,
    );

    // With the current terms (or none sent, as older clients do) the request goes through and holds.
    const booked = await ask({ expectedCancellationPolicy: 'STRICT', expectedInstantBook: true });
    expect(booked.errors).toBeUndefined();
    expect(booked.data?.requestBooking).toMatchObject({
      status: 'HOLD',
      instantBook: true,
      cancellationPolicy: 'STRICT',
    });
    expect(await sql('SELECT 1 FROM payment_intent_requests WHERE client_user_id = $1', [alice.userId])).toHaveLength(
      1,
    );
  });
});
