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

/** The status transitions, taken with `transitionBooking`. */
export const BOOKING_ACTIONS = ['ACCEPT', 'DECLINE', 'CONFIRM', 'CANCEL', 'START', 'COMPLETE', 'DISPUTE'] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

/**
 * What an action card may offer: the transitions plus moving the booking, which keeps the status and
 * is taken with `rescheduleBooking` (it needs a new time, so it is not a transition).
 */
export type CardAction = BookingAction | 'RESCHEDULE';
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

/**
 * Who may move a booking, and from which status. Once the owners have accepted, only the client may
 * move it (the owners agreed to a time; moving it on them is a cancellation). The policy's time rule
 * is `decideReschedule`'s; this is only the state part, shared by the service and the cards.
 */
const RESCHEDULE_FROM: Readonly<Record<Party, readonly BookingStatus[]>> = {
  CLIENT: ['REQUESTED', 'HOLD', 'CONFIRMED'],
  OWNER: ['REQUESTED'],
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
 * Whether a party may move a booking in this status. An owner may move only a booking made of their
 * own listings alone: a studio host cannot move the photographer's leg.
 */
export function mayReschedule(status: BookingStatus, party: Party, soleOwner = true): boolean {
  return RESCHEDULE_FROM[party].includes(status) && (party === 'CLIENT' || soleOwner);
}

/**
 * What a party may do next. An owner whose legs are all accepted has nothing to accept or decline
 * while the other owners answer; `soleOwner` says whether every leg is that owner's (see mayReschedule).
 */
export function nextActions(
  status: BookingStatus,
  party: Party,
  options: { readonly ownLegsAccepted?: boolean; readonly soleOwner?: boolean } = {},
): CardAction[] {
  const { ownLegsAccepted = false, soleOwner = true } = options;
  const transitions: CardAction[] = BOOKING_ACTIONS.filter(
    (action) =>
      mayAct(action, status, party) &&
      !(party === 'OWNER' && ownLegsAccepted && (action === 'ACCEPT' || action === 'DECLINE')),
  );
  return mayReschedule(status, party, soleOwner) ? [...transitions, 'RESCHEDULE'] : transitions;
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
