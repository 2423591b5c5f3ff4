/**
 * Booking's part of account deletion, in SQL: the records stay (the law keeps bookings and their
 * timeline), the account's id in them is replaced by a pseudonym that links to nothing, and a
 * deleted owner's availability, external calendar feeds and ICS export tokens go.
 */
import type { Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

export interface BookingErasureCounts {
  readonly groups: number;
  readonly legs: number;
  readonly transitions: number;
  readonly settings: number;
  readonly calendarFeeds: number;
  readonly calendarExports: number;
}

export class BookingErasureRepository {
  constructor(private readonly db: Queryable) {}

  async pseudonymise(userId: string, pseudonym: string): Promise<BookingErasureCounts> {
    const count = async (text: string, values: unknown[]) => (await this.db.query(text, values)).rowCount ?? 0;
    return {
      groups: await count('UPDATE booking_groups SET client_user_id = $2 WHERE client_user_id = $1', [
        userId,
        pseudonym,
      ]),
      legs: await count('UPDATE booking_legs SET owner_user_id = $2 WHERE owner_user_id = $1', [userId, pseudonym]),
      transitions: await count('UPDATE booking_transitions SET actor = $2 WHERE actor = $1', [userId, pseudonym]),
      settings: await count('DELETE FROM booking_settings WHERE owner_user_id = $1', [userId]),
      // Their external calendar URLs (busy blocks cascade) and secret export tokens: a leaked export
      // URL then answers 404, and no feed URL of theirs is kept.
      calendarFeeds: await count('DELETE FROM booking_calendar_feeds WHERE owner_user_id = $1', [userId]),
      calendarExports: await count('DELETE FROM booking_calendar_exports WHERE owner_user_id = $1', [userId]),
    };
  }
}

export type BookingErasureStore = PortOf<BookingErasureRepository>;
