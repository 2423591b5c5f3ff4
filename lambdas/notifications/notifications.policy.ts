/**
 * Channels, categories and the rules that decide whether a message may go out now (NTB-NOTIF-002):
 * consent per channel and category (with a default when the account never chose), and quiet hours
 * in the recipient's own time zone (core/time-zones.ts, the runtime's tz database, so DST and
 * half-hour zones are right).
 */
import { isValidTimeZone as isKnownTimeZone, localDateAt, wallClockAt } from '../core/time-zones.ts';

export const CHANNELS = ['EMAIL', 'SMS', 'IN_APP'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CATEGORIES = ['ACCOUNT', 'BOOKING', 'PAYMENTS', 'MESSAGES', 'MARKETING'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Without a stored choice: service messages are on, marketing is off (opt-in). ACCOUNT messages
 * (verification codes, security notices) cannot be switched off by email and ignore quiet hours:
 * the person is waiting for them.
 */
export function defaultConsent(_channel: Channel, category: Category): boolean {
  return category !== 'MARKETING';
}

export function consentLocked(channel: Channel, category: Category): boolean {
  return category === 'ACCOUNT' && channel === 'EMAIL';
}

export function respectsQuietHours(category: Category): boolean {
  return category !== 'ACCOUNT';
}

export function isValidTimeZone(zone: string): boolean {
  return isKnownTimeZone(zone);
}

/**
 * Whether `at` falls in the quiet window [start, end) in `zone` (local hours, 0–23). A window may
 * wrap midnight (21 → 8); start == end means no quiet hours.
 */
export function isQuietAt(at: Date, zone: string, startHour: number, endHour: number): boolean {
  if (startHour === endHour) return false;
  const hour = wallClockAt(isValidTimeZone(zone) ? zone : 'UTC', at.getTime()).hour;
  return startHour < endHour ? hour >= startHour && hour < endHour : hour >= startHour || hour < endHour;
}

/** The recipient's local calendar date at `at` (a daily digest's period). */
export function localDate(at: Date, zone: string): string {
  return localDateAt(isValidTimeZone(zone) ? zone : 'UTC', at.getTime());
}
