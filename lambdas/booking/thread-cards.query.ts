/**
 * What messaging may read about a booking to show its action cards in a thread (seed 004 §1.4):
 * the booking's status and what the viewer may do next, computed here with booking's own rules
 * (`nextActions`, the same call that gives `BookingGroup.myActions`), from the rows as they are now.
 * Exported through lambdas/booking/index.ts. Only the selected columns are granted to the messaging
 * role (db/migrations/2900_messaging_action_cards.sql).
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import { BOOKING_STATUSES, nextActions, type CardAction, type Party } from './booking-state.ts';

const groupRow = z.object({ id: z.string(), status: z.enum(BOOKING_STATUSES), client_user_id: z.string() });
const legRow = z.object({ owner_user_id: z.string(), accepted: z.boolean() });

export interface BookingCardsView {
  readonly groupId: string;
  readonly status: (typeof BOOKING_STATUSES)[number];
  readonly viewerRole: Party;
  /** What the viewer may do now; acted on through booking's own mutations (actOnBooking, rescheduleBookingGroup). */
  readonly actions: CardAction[];
}

export interface BookingCards {
  /** The viewer's cards on booking group `groupId`; null when they are not a party to it (or it does not exist). */
  forViewer(groupId: string, viewerUserId: string): Promise<BookingCardsView | null>;
}

export function bookingCards(db: Queryable): BookingCards {
  return {
    async forViewer(groupId, viewerUserId) {
      const group = parseRows(
        groupRow,
        (await db.query(`SELECT id, status, client_user_id FROM booking_groups WHERE id = $1`, [groupId])).rows,
      )[0];
      if (!group) return null;
      const legs = parseRows(
        legRow,
        (await db.query(`SELECT owner_user_id, accepted FROM booking_legs WHERE group_id = $1`, [groupId])).rows,
      );
      const own = legs.filter((leg) => leg.owner_user_id === viewerUserId);
      const viewerRole: Party | null =
        group.client_user_id === viewerUserId ? 'CLIENT' : own.length > 0 ? 'OWNER' : null;
      if (!viewerRole) return null;
      const actions =
        viewerRole === 'CLIENT'
          ? nextActions(group.status, 'CLIENT')
          : nextActions(group.status, 'OWNER', {
              ownLegsAccepted: own.every((leg) => leg.accepted),
              soleOwner: legs.every((leg) => leg.owner_user_id === viewerUserId),
            });
      return { groupId: group.id, status: group.status, viewerRole, actions };
    },
  };
}
