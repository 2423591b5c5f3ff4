/** Helpers for booking integration tests and benchmarks. */
import { newId } from '../../lambdas/core/ids.ts';
import { gqlOk, sql } from './graphql.ts';

export const BOOKING_FIELDS = `id viewerRole status instantBook startsAt endsAt amountCents currency cancellationPolicy
  respondBy holdExpiresAt paymentStatus refundCents myActions
  legs { id resourceType resourceId startsAt endsAt amountCents accepted }
  timeline { at action by fromStatus toStatus }
  actionCards { party actions }
  cancellationQuote { policy refundPercent refundCents retainedCents explanation }`;

export const REQUEST = `mutation($input: RequestBookingInput!) { requestBooking(input: $input) { ${BOOKING_FIELDS} } }`;
export const ACT = `mutation($input: BookingActionInput!) { actOnBooking(input: $input) { ${BOOKING_FIELDS} } }`;

/** A whole hour this many hours from now (UTC), as ISO. */
export function hoursFromNow(hours: number): string {
  const now = Date.now();
  return new Date(Math.ceil(now / 3_600_000) * 3_600_000 + hours * 3_600_000).toISOString();
}

/** Opens a listing every day, all day, on an hourly grid in Los Angeles (no notice, 90-day horizon). */
export async function openAllDay(
  token: string,
  resourceId: string,
  options: { bufferBeforeMinutes?: number; bufferAfterMinutes?: number; cancellationPolicy?: string },
) {
  return gqlOk(
    token,
    `mutation($input: SetAvailabilityInput!) { setAvailability(input: $input) { resourceId version } }`,
    {
      input: {
        resourceId,
        cancellationPolicy: options.cancellationPolicy ?? 'FLEXIBLE',
        availability: {
          timezone: 'America/Los_Angeles',
          weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
          granularityMinutes: 60,
          minDurationMinutes: 60,
          minNoticeMinutes: 0,
          maxHorizonDays: 90,
          bufferBeforeMinutes: options.bufferBeforeMinutes ?? 0,
          bufferAfterMinutes: options.bufferAfterMinutes ?? 0,
        },
      },
    },
  );
}

/**
 * A published studio row owned by `ownerUserId` (fixture through the master connection: the host
 * wizard with media and verification is covered by studios.int.test.ts; booking needs only a
 * published listing). Instant Book is set directly for the same reason.
 */
export async function publishedStudio(ownerUserId: string, options: { instantBook: boolean }): Promise<string> {
  const id = newId('studio');
  await sql(
    `INSERT INTO studios (id, owner_user_id, slug, status, name, city_code, hourly_min_cents, currency, instant_book, published_at)
     VALUES ($1, $2, $3, 'PUBLISHED', 'Test Loft', 'us-lax', 5000, 'USD', $4, now())`,
    [id, ownerUserId, `loft-${id.slice(-12).toLowerCase()}`, options.instantBook],
  );
  return id;
}

/**
 * A published photographer profile row (fixture through the master connection, for tests where the
 * publishing flow itself is not under test: it needs the media pipeline, which is slow on a loaded
 * machine). 200.00 USD per hour.
 */
export async function publishedProfile(ownerUserId: string): Promise<string> {
  const id = newId('profile');
  await sql(
    `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, city_code, price_min_cents, currency, published_at)
     VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Race Lens', 'us-lax', 20000, 'USD', now())`,
    [id, ownerUserId, `lens-${id.slice(-12).toLowerCase()}`],
  );
  return id;
}
