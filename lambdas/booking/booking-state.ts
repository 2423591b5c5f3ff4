/**
 * The booking state machine (pure): which action each party may take in each status, and the
 * action card a party sees next (NTB-BOOK-003). The service applies it; nothing else decides it.
 *
 *   request ─▶ REQUESTED ─accept (all legs)─▶ HOLD ─payment─▶ CONFIRMED ─start─▶ IN_PROGRESS ─complete─▶ COMPLETED
 *   Instant Book: request ─▶ HOLD ─▶ CONFIRMED in one step.
 *   REQUESTED ─decline─▶ DECLINED; REQUESTED/HOLD past their deadline ─▶ EXPIRED;
 *   REQUESTED/HOLD/CONFIRMED ─cancel─▶ CANCELLED; IN_PROGRESS/COMPLETED ─dispute─▶ DISPUTED.
 */
export const BOOKING_STATUSES = [
  'REQUESTED',
  'HOLD',
  'CONFIRMED',
  'IN_PROGRESS',
  'COMPLETED',
  'CANCELLED',
  'DECLINED',
  'EXPIRED',
  'DISPUTED',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const BOOKING_ACTIONS = ['ACCEPT', 'DECLINE', 'CONFIRM', 'CANCEL', 'START', 'COMPLETE', 'DISPUTE'] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];
export type Party = 'CLIENT' | 'OWNER';

const RULES: Readonly<Record<BookingAction, { from: readonly BookingStatus[]; by: readonly Party[] }>> = {
  ACCEPT: { from: ['REQUESTED'], by: ['OWNER'] },
  DECLINE: { from: ['REQUESTED'], by: ['OWNER'] },
  CONFIRM: { from: ['HOLD'], by: ['CLIENT'] },
  CANCEL: { from: ['REQUESTED', 'HOLD', 'CONFIRMED'], by: ['CLIENT', 'OWNER'] },
  START: { from: ['CONFIRMED'], by: ['OWNER'] },
  COMPLETE: { from: ['IN_PROGRESS'], by: ['OWNER'] },
  DISPUTE: { from: ['IN_PROGRESS', 'COMPLETED'], by: ['CLIENT', 'OWNER'] },
};

/** Statuses whose legs still take their time. */
export const ACTIVE_STATUSES: readonly BookingStatus[] = [
  'REQUESTED',
  'HOLD',
  'CONFIRMED',
  'IN_PROGRESS',
  'COMPLETED',
  'DISPUTED',
];

export function isActive(status: BookingStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export function mayAct(action: BookingAction, status: BookingStatus, party: Party): boolean {
  const rule = RULES[action];
  return rule.from.includes(status) && rule.by.includes(party);
}

/**
 * What a party may do next. An owner whose legs are all accepted has nothing to accept or decline
 * while the other owners answer.
 */
export function nextActions(status: BookingStatus, party: Party, ownLegsAccepted = false): BookingAction[] {
  return BOOKING_ACTIONS.filter(
    (action) =>
      mayAct(action, status, party) &&
      !(party === 'OWNER' && ownLegsAccepted && (action === 'ACCEPT' || action === 'DECLINE')),
  );
}

/** The event type of entering a status. */
export function eventTypeFor(status: BookingStatus) {
  return (
    {
      REQUESTED: 'booking.requested',
      HOLD: 'booking.held',
      CONFIRMED: 'booking.confirmed',
      IN_PROGRESS: 'booking.started',
      COMPLETED: 'booking.completed',
      CANCELLED: 'booking.cancelled',
      DECLINED: 'booking.declined',
      EXPIRED: 'booking.expired',
      DISPUTED: 'booking.disputed',
    } as const
  )[status];
}
