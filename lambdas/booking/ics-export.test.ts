import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { newId } from '../core/ids.ts';
import { bookingsCalendar, legUid, type ExportLeg } from './ics-export.ts';
import { busyBlocksFromIcs } from './ics-import.ts';

const leg = (overrides: Partial<ExportLeg> = {}): ExportLeg => ({
  legId: newId('bookingLeg'),
  groupId: newId('booking'),
  resourceType: 'PROFILE',
  startsAt: new Date('2026-11-01T05:30:00Z'), // across the New York fall-back
  endsAt: new Date('2026-11-01T07:00:00Z'),
  status: 'CONFIRMED',
  version: 3,
  updatedAt: new Date('2026-10-20T10:00:00Z'),
  ...overrides,
});

describe('bookingsCalendar', () => {
  it('is RFC 5545 an independent parser (ical.js) reads: stable UIDs, SEQUENCE, LAST-MODIFIED, cancelled legs', () => {
    const confirmed = leg();
    const cancelled = leg({
      status: 'CANCELLED',
      version: 7,
      startsAt: new Date('2026-11-03T15:00:00Z'),
      endsAt: new Date('2026-11-03T16:00:00Z'),
    });
    const text = bookingsCalendar({
      name: 'Bookings',
      legs: [confirmed, cancelled],
      now: new Date('2026-10-25T00:00:00Z'),
    });
    const component = new ICAL.Component(ICAL.parse(text));
    expect(component.name).toBe('vcalendar');
    expect(component.getFirstPropertyValue('version')).toBe('2.0');
    const events = component.getAllSubcomponents('vevent').map((vevent) => new ICAL.Event(vevent));
    expect(events.map((e) => [e.uid, e.sequence, e.component.getFirstPropertyValue('status')])).toEqual([
      [legUid(confirmed.legId), 3, 'CONFIRMED'],
      [legUid(cancelled.legId), 7, 'CANCELLED'],
    ]);
    expect(events[0]!.startDate.toJSDate().toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(events[0]!.endDate.toJSDate().toISOString()).toBe('2026-11-01T07:00:00.000Z');
    expect(String(events[0]!.component.getFirstPropertyValue('last-modified'))).toContain('2026-10-20T10:00:00');
    // No client data: only the booking id and status.
    expect(text).not.toMatch(/@(?!rastup\.bookings)|usr_/);
    // Regenerated later, the UIDs are the same (calendar apps update in place).
    const again = bookingsCalendar({ name: 'Bookings', legs: [confirmed], now: new Date() });
    expect(again).toContain(`UID:${legUid(confirmed.legId)}`);
  });

  it('round-trips through the import: the confirmed legs come back as busy blocks, cancelled ones do not', () => {
    const legs = [
      leg(),
      leg({ startsAt: new Date('2026-11-10T17:00:00Z'), endsAt: new Date('2026-11-10T19:00:00Z') }),
      leg({
        status: 'CANCELLED',
        startsAt: new Date('2026-11-12T17:00:00Z'),
        endsAt: new Date('2026-11-12T18:00:00Z'),
      }),
    ];
    const text = bookingsCalendar({ name: 'Bookings', legs, now: new Date() });
    const blocks = busyBlocksFromIcs(text, {
      from: Date.parse('2026-10-01T00:00:00Z'),
      to: Date.parse('2026-12-01T00:00:00Z'),
      timezone: 'America/New_York',
    });
    expect(blocks).toEqual([
      { start: legs[0]!.startsAt.getTime(), end: legs[0]!.endsAt.getTime() },
      { start: legs[1]!.startsAt.getTime(), end: legs[1]!.endsAt.getTime() },
    ]);
  });
});
