/**
 * A listing's bookings as an RFC 5545 calendar (pure; ical-generator writes the text). One VEVENT
 * per leg: its UID is the leg id (stable across every regeneration, so calendar clients update the
 * event in place), SEQUENCE is the group's version and LAST-MODIFIED its last change (both grow on
 * every transition and reschedule), a cancelled booking stays as STATUS:CANCELLED so subscribers
 * remove it. Only what the owner already sees: the booking id, the time, the status — no client
 * name, e-mail or message.
 */
import ical, { ICalCalendarMethod, ICalEventStatus, ICalEventTransparency } from 'ical-generator';
import type { BookingStatus } from './booking-state.ts';

export interface ExportLeg {
  readonly legId: string;
  readonly groupId: string;
  readonly resourceType: 'PROFILE' | 'STUDIO';
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly status: BookingStatus;
  /** booking_groups.version: the event's SEQUENCE. */
  readonly version: number;
  readonly updatedAt: Date;
}

export const EXPORT_PRODID = { company: 'RastUp', product: 'Bookings', language: 'EN' } as const;

/** The UID of a leg's event, the same in every export. */
export const legUid = (legId: string) => `${legId}@rastup.bookings`;

export function bookingsCalendar(input: {
  readonly name: string;
  readonly legs: readonly ExportLeg[];
  readonly now: Date;
}): string {
  const calendar = ical({ prodId: EXPORT_PRODID, name: input.name, method: ICalCalendarMethod.PUBLISH, ttl: 15 * 60 });
  for (const leg of input.legs) {
    const cancelled = leg.status === 'CANCELLED';
    calendar.createEvent({
      id: legUid(leg.legId),
      start: leg.startsAt,
      end: leg.endsAt,
      stamp: input.now,
      lastModified: leg.updatedAt,
      sequence: leg.version,
      summary: `${cancelled ? 'Cancelled: ' : ''}RastUp booking ${leg.groupId}`,
      description: `${leg.resourceType === 'STUDIO' ? 'Studio' : 'Service'} booking ${leg.groupId}, status ${leg.status.toLowerCase().replace('_', ' ')}.`,
      status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      transparency: cancelled ? ICalEventTransparency.TRANSPARENT : ICalEventTransparency.OPAQUE,
    });
  }
  return calendar.toString();
}
