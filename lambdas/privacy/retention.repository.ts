/**
 * The statements that expire each data class of retention-policy.ts, in batches: each takes
 * `$1` the cutoff (rows older than it expire) and `$2` the batch size (and `$3` now where its rule
 * also looks at the present), and acts on at most `$2` rows. A statement names exactly the rows its class's rule selects, so running it again, or
 * twice at once, acts on nothing more: a row a concurrent run deleted first is skipped by PostgreSQL
 * (the second DELETE re-checks it after the first commits and finds it gone).
 */
import type { Queryable } from '../core/db/database.ts';
import type { ExpiringClassName } from './retention-policy.ts';

/** Statements run in order per class (a parent after the rows that reference it). */
export const retentionStatements: Record<ExpiringClassName, readonly string[]> = {
  'auth.verification_codes': [
    'DELETE FROM auth_codes WHERE id IN (SELECT id FROM auth_codes WHERE expires_at < $1 LIMIT $2)',
  ],
  // A session ends when revoked or at the earlier of its idle and absolute expiry.
  'auth.sessions': [
    `DELETE FROM auth_sessions WHERE id IN (
       SELECT id FROM auth_sessions
        WHERE LEAST(COALESCE(revoked_at, 'infinity'), idle_expires_at, absolute_expires_at) < $1 LIMIT $2)`,
  ],
  // Never while a lockout is still running, however old the last failure.
  'auth.login_throttle': [
    `DELETE FROM auth_login_throttle WHERE identifier_hash IN (
       SELECT identifier_hash FROM auth_login_throttle
        WHERE COALESCE(last_failure_at, '-infinity') < $1 AND (locked_until IS NULL OR locked_until < $3) LIMIT $2)`,
  ],
  'auth.device_first_ip': [
    `UPDATE auth_devices SET first_ip = NULL WHERE id IN (
       SELECT id FROM auth_devices WHERE first_ip IS NOT NULL AND first_seen_at < $1 LIMIT $2)
       AND first_ip IS NOT NULL`,
  ],
  'notifications.read_inbox': [
    'DELETE FROM notification_inbox WHERE id IN (SELECT id FROM notification_inbox WHERE read_at < $1 LIMIT $2)',
  ],
  'notifications.delivery_log': [
    'DELETE FROM notification_deliveries WHERE id IN (SELECT id FROM notification_deliveries WHERE created_at < $1 LIMIT $2)',
  ],
  // Keyed by its claim (user, kind, period): an old period's claim guards nothing any more.
  'notifications.send_log': [
    `DELETE FROM notification_log WHERE (user_id, kind, period) IN (
       SELECT user_id, kind, period FROM notification_log WHERE sent_at < $1 LIMIT $2)`,
  ],
  'partner.webhook_delivery_log': [
    'DELETE FROM partner.delivery WHERE delivery_id IN (SELECT delivery_id FROM partner.delivery WHERE created_at < $1 LIMIT $2)',
    // A finished task whose attempts are gone; a pending one (retries ahead) is never touched.
    `DELETE FROM partner.delivery_task WHERE task_id IN (
       SELECT task_id FROM partner.delivery_task t
        WHERE state IN ('delivered', 'dead', 'cancelled') AND updated_at < $1
          AND NOT EXISTS (SELECT 1 FROM partner.delivery d WHERE d.task_id = t.task_id)
        LIMIT $2)`,
  ],
  'events.outbox_published': [
    'DELETE FROM outbox_events WHERE id IN (SELECT id FROM outbox_events WHERE published_at < $1 LIMIT $2)',
  ],
  'events.consumer_dedupe': [
    `DELETE FROM consumer_inbox WHERE (consumer, event_id) IN (
       SELECT consumer, event_id FROM consumer_inbox WHERE processed_at < $1 LIMIT $2)`,
  ],
};

export class RetentionRepository {
  constructor(private readonly db: Queryable) {}

  /** Runs one batch of `statement`; the number of rows it deleted or pseudonymised. */
  async expireBatch(statement: string, cutoff: Date, batchSize: number, now: Date): Promise<number> {
    const values = statement.includes('$3') ? [cutoff, batchSize, now] : [cutoff, batchSize];
    const result = await this.db.query(statement, values);
    return result.rowCount ?? 0;
  }
}
