/** Helpers for reviews integration tests: completed bookings driven through booking's GraphQL. */
import { newId } from '../../lambdas/core/ids.ts';
import { ACT, REQUEST } from './booking.ts';
import { eventually, gqlOk, sql } from './graphql.ts';
import { payHold } from './checkout.ts';

/**
 * Opens a listing all day on a 5-minute grid with 15-minute sessions and no notice, so sessions can
 * start (booking allows START from an hour before the start) within the hour.
 */
export async function openForQuickSessions(token: string, resourceId: string) {
  return gqlOk(token, `mutation($input: SetAvailabilityInput!) { setAvailability(input: $input) { resourceId } }`, {
    input: {
      resourceId,
      cancellationPolicy: 'FLEXIBLE',
      availability: {
        timezone: 'America/Los_Angeles',
        weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
        granularityMinutes: 5,
        minDurationMinutes: 15,
        minNoticeMinutes: 0,
        maxHorizonDays: 30,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
      },
    },
  });
}

/** The start of the `index`-th 15-minute session from the next 5-minute boundary (index 0..3 start within the hour). */
export function quickSlot(index: number): string {
  const next = Math.ceil((Date.now() + 60_000) / 300_000) * 300_000;
  return new Date(next + index * 15 * 60_000).toISOString();
}

const act = (token: string, groupId: string, action: string) =>
  gqlOk(token, ACT, { input: { idempotencyKey: `act-${newId('request')}`, groupId, action } });

/**
 * request (client) → accept (owner: confirmed, no money moves) → start → complete (owner), all over
 * GraphQL; waits until reviews consumed booking.completed (the window exists). Returns the leg id.
 */
export async function completedLeg(input: {
  ownerToken: string;
  clientToken: string;
  profileId: string;
  startsAt: string;
}): Promise<{ groupId: string; legId: string }> {
  const requested = (
    await gqlOk(input.clientToken, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        profileId: input.profileId,
        startsAt: input.startsAt,
        durationMinutes: 15,
      },
    })
  ).requestBooking;
  await act(input.ownerToken, requested.id, 'ACCEPT');
  // Booking is wired to Stripe (the stand-in): the client's card confirms the hold.
  await payHold(input.clientToken, requested.id);
  await act(input.ownerToken, requested.id, 'START');
  const done = (await act(input.ownerToken, requested.id, 'COMPLETE')).actOnBooking;
  if (done.status !== 'COMPLETED') throw new Error(`booking ${requested.id} is ${done.status}`);
  const legId: string = done.legs[0].id;
  await eventually(
    async () => (await sql('SELECT 1 FROM review_windows WHERE leg_id = $1', [legId])).length > 0,
    20_000,
  );
  return { groupId: requested.id, legId };
}

export const SUBMIT = `mutation($input: SubmitReviewInput!) { submitReview(input: $input) { id legId direction rating body visible authorErased } }`;
export const BOOKING_REVIEWS = `query($legId: ID!) { bookingReviews(legId: $legId) {
  legId listingType listingId viewerRole closesAt windowOpen canReview
  mine { id rating body visible } theirs { id rating body visible } } }`;
export const LISTING_REVIEWS = `query($id: ID!) { listingReviews(listingId: $id) {
  listingId count average distribution { rating count } reviews { id rating body createdAt } } }`;
