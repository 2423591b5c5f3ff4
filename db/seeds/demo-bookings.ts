/**
 * Demo availability and one confirmed booking (issue #11), through the booking domain's own
 * service: the provider's first published profile and the host's published studio get weekday
 * hours, and the demo client books both together for the first feasible two-hour slot three days
 * out, which the provider and the host accept (no money moves until payments lands). Idempotent:
 * availability is set only where none exists, and the booking only while the client has none.
 */
import { createUnitOfWork } from '../../lambdas/core/db/unit-of-work.ts';
import type { Database } from '../../lambdas/core/db/database.ts';
import type { Clock } from '../../lambdas/core/clock.ts';
import type { Caller } from '../../lambdas/core/identity.ts';
import { availabilitySchema } from '../../lambdas/booking/availability.ts';
import { bookingRepositories } from '../../lambdas/booking/booking.repositories.ts';
import { BookingService } from '../../lambdas/booking/booking.service.ts';
import { NoMoneyPayments } from '../../lambdas/booking/payments.port.ts';

interface SeededAccount {
  readonly key: string;
  readonly userId: string;
  readonly listings: readonly { kind: 'profile' | 'studio'; id: string; status: string }[];
}

const caller = (userId: string, clock: Clock): Caller => ({
  kind: 'user',
  userId,
  roles: [],
  amr: ['pwd'],
  authTime: clock.nowSeconds(),
  sessionId: undefined,
  expiresAt: clock.nowSeconds() + 300,
});

export async function seedDemoBookings(
  db: Database,
  accounts: readonly SeededAccount[],
  clock: Clock,
): Promise<string[]> {
  const created: string[] = [];
  const service = new BookingService(createUnitOfWork(db, bookingRepositories), new NoMoneyPayments(), clock);
  const provider = accounts.find((a) => a.key === 'provider');
  const host = accounts.find((a) => a.key === 'host');
  const client = accounts.find((a) => a.key === 'client');
  const profile = provider?.listings.find((l) => l.kind === 'profile' && l.status === 'PUBLISHED');
  const studio = host?.listings.find((l) => l.kind === 'studio' && l.status === 'PUBLISHED');
  if (!provider || !host || !client || !profile || !studio) return created;

  for (const [owner, listing, bufferMinutes] of [
    [provider, profile, 15],
    [host, studio, 30],
  ] as const) {
    if (await service.availability(caller(owner.userId, clock), listing.id)) continue;
    await service.setAvailability(caller(owner.userId, clock), {
      resourceId: listing.id,
      cancellationPolicy: listing.kind === 'studio' ? 'STRICT' : 'MODERATE',
      availability: availabilitySchema.parse({
        timezone: 'America/New_York',
        weekly: [1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '09:00', end: '18:00' })),
        exceptions: [],
        granularityMinutes: 30,
        minDurationMinutes: 60,
        minNoticeMinutes: 24 * 60,
        bufferAfterMinutes: bufferMinutes,
      }),
    });
    created.push(`availability:${listing.id}`);
  }

  if ((await service.myBookings(caller(client.userId, clock), 'CLIENT')).length > 0) return created;
  const from = new Date(clock.nowMs() + 3 * 24 * 3_600_000).toISOString();
  const { slots } = await service.slots({
    profileId: profile.id as `prf_${string}`,
    studioId: studio.id as `std_${string}`,
    durationMinutes: 120,
    from,
    days: 7,
  });
  const slot = slots[0];
  if (!slot) return created;
  const group = await service.requestBooking(caller(client.userId, clock), {
    idempotencyKey: `demo-seed-${client.userId}`,
    profileId: profile.id as `prf_${string}`,
    studioId: studio.id as `std_${string}`,
    startsAt: slot.startsAt,
    durationMinutes: 120,
  });
  const groupId = group.id as `bkg_${string}`;
  for (const owner of [host, provider])
    await service.act(caller(owner.userId, clock), {
      idempotencyKey: `demo-seed-accept-${owner.userId}`,
      groupId,
      action: 'ACCEPT',
    });
  created.push(`booking:${group.id}`);
  return created;
}
