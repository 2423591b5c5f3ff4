import { describe, expect, it } from 'vitest';
import { BOOKING_STATUSES, mayReschedule, nextActions } from './booking-state.ts';

describe('action cards offer moving a booking exactly where the service allows it', () => {
  it('lets the client move a booking until it starts, and an owner only an unanswered request of their own', () => {
    const clientMay = BOOKING_STATUSES.filter((status) => mayReschedule(status, 'CLIENT'));
    expect(clientMay).toEqual(['REQUESTED', 'HOLD', 'CONFIRMED']);
    expect(BOOKING_STATUSES.filter((status) => mayReschedule(status, 'OWNER'))).toEqual(['REQUESTED']);
    expect(mayReschedule('REQUESTED', 'OWNER', false)).toBe(false);
  });

  it('puts RESCHEDULE on the cards after the transitions', () => {
    expect(nextActions('REQUESTED', 'OWNER')).toEqual(['ACCEPT', 'DECLINE', 'CANCEL', 'RESCHEDULE']);
    expect(nextActions('REQUESTED', 'OWNER', { soleOwner: false })).toEqual(['ACCEPT', 'DECLINE', 'CANCEL']);
    expect(nextActions('REQUESTED', 'OWNER', { ownLegsAccepted: true, soleOwner: false })).toEqual(['CANCEL']);
    expect(nextActions('HOLD', 'CLIENT')).toEqual(['CONFIRM', 'CANCEL', 'RESCHEDULE']);
    expect(nextActions('CONFIRMED', 'OWNER')).toEqual(['CANCEL', 'START']);
    expect(nextActions('COMPLETED', 'CLIENT')).toEqual(['DISPUTE']);
  });
});
