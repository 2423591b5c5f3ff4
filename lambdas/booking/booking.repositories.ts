/** The booking domain's stores, bound to one `Queryable` (the pool or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { ListingDirectory } from '../profiles/index.ts';
import {
  BookingRepository,
  BookingSettingsRepository,
  type BookingSettingsStore,
  type BookingStore,
} from './booking.repository.ts';
import { CalendarRepository, type CalendarStore } from './calendar.repository.ts';

/** The listing facts booking reads from profiles (through profiles' public module). */
export type ListingStore = Pick<ListingDirectory, 'bookableListings'>;

export interface BookingRepositories {
  readonly bookings: BookingStore;
  readonly settings: BookingSettingsStore;
  readonly listings: ListingStore;
}

export function bookingRepositories(db: Queryable): BookingRepositories {
  return {
    bookings: new BookingRepository(db),
    settings: new BookingSettingsRepository(db),
    listings: new ListingDirectory(db),
  };
}

export type BookingData = UnitOfWork<BookingRepositories>;
export type BookingTx = TransactionScope<BookingRepositories>;

/** The calendar side (calendar.service.ts): feeds, busy blocks, export tokens, plus the listing facts it checks. */
export interface CalendarRepositories {
  readonly calendars: CalendarStore;
  readonly settings: BookingSettingsStore;
  readonly listings: ListingStore;
}

export function calendarRepositories(db: Queryable): CalendarRepositories {
  return {
    calendars: new CalendarRepository(db),
    settings: new BookingSettingsRepository(db),
    listings: new ListingDirectory(db),
  };
}

export type CalendarData = UnitOfWork<CalendarRepositories>;
