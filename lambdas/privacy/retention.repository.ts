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
  // After the delivery log (its finished tasks go first), the events no task refers to. A replay that
  // adds a task for the event while this runs makes the DELETE fail on the foreign key, never leaves
  // a task without its event: expireBatch runs the batch again, whose snapshot then sees the task.
  'partner.events': [
    `DELETE FROM partner.event WHERE event_id IN (
       SELECT event_id FROM partner.event e
        WHERE received_at < $1
          AND NOT EXISTS (SELECT 1 FROM partner.delivery_task t WHERE t.event_id = e.event_id)
        LIMIT $2)`,
  ],
  'events.outbox_published': [
    'DELETE FROM outbox_events WHERE id IN (SELECT id FROM outbox_events WHERE published_at < $1 LIMIT $2)',
  ],
  'events.consumer_dedupe': [
    `DELETE FROM consumer_inbox WHERE (consumer, event_id) IN (
       SELECT consumer, event_id FROM consumer_inbox WHERE processed_at < $1 LIMIT $2)`,
  ],
  // Every stored event was applied in the transaction that stored it: none is waiting.
  'payments.stripe_events': [
    'DELETE FROM stripe_events WHERE id IN (SELECT id FROM stripe_events WHERE received_at < $1 LIMIT $2)',
  ],
  // Only groups never authorised. An authorisation is made within minutes of its request (checkout),
  // and a group's hold could not be made 60 days on: Stripe's idempotency key and the booking's
  // checkout window are long gone, so no authorisation can race this delete.
  'payments.abandoned_intent_requests': [
    `DELETE FROM payment_intent_requests WHERE group_id IN (
       SELECT group_id FROM payment_intent_requests r
        WHERE created_at < $1 AND NOT EXISTS (SELECT 1 FROM payment_authorizations a WHERE a.group_id = r.group_id)
        LIMIT $2)`,
  ],
  // A BUILDING request has no completed_at: only finished receipts are selected.
  'privacy.exports': [
    `DELETE FROM privacy_exports WHERE id IN (
       SELECT id FROM privacy_exports WHERE status IN ('READY', 'FAILED') AND completed_at < $1 LIMIT $2)`,
  ],
};

export class RetentionRepository {
  constructor(private readonly db: Queryable) {}

  /** Runs one batch of `statement`; the number of rows it deleted or pseudonymised. */
  async expireBatch(statement: string, cutoff: Date, batchSize: number, now: Date): Promise<number> {
    const values = statement.includes('$3') ? [cutoff, batchSize, now] : [cutoff, batchSize];
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.db.query(statement, values);
        return result.rowCount ?? 0;
      } catch (error) {
        // A row that gained a reference after this statement's snapshot (foreign_key_violation): the
        // statement did nothing; run again, its new snapshot sees the reference and leaves the row.
        if (attempt >= 3 || !isForeignKeyViolation(error)) throw error;
      }
    }
  }
}

function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';
}
