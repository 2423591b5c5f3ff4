/**
 * Whether an email address is on the suppression list (bounced, complained, removed by hand), for
 * domains that mail people who are not accounts (the DMCA complainants) and so cannot send through
 * the notification service: every send honours the list. Reads only channel and address.
 */
import type { Queryable } from '../core/db/database.ts';
import { SuppressionRepository } from './notifications.repository.ts';

export function isEmailSuppressed(db: Queryable, address: string): Promise<boolean> {
  return new SuppressionRepository(db).isSuppressed('EMAIL', address.trim());
}
