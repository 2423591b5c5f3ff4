/**
 * Retention per data class (seed 001 Appendices N/O/S, NTB-GOV-001): the one definition of how long
 * each class of stored data lives and what happens when it expires. The retention job
 * (retention.service.ts, scheduled as `data-retention` in infra/definitions/domains.ts, locally
 * `GET /dev/jobs/data-retention[?now=ISO]`) runs the statement retention.repository.ts holds for
 * every class whose action is not `keep`; a class added here without a statement fails to compile.
 *
 * The seed asks for automated retention but names no periods; these are the product's choices: as
 * short as each class's purpose allows (a code is useless once expired; a session's metadata is
 * kept a month past its end for abuse investigations; logs a partner or support may ask about, a
 * few months), and never touching the records the seed says are kept (the audit log, the ledger).
 */
export type RetentionAction =
  /** The rows are deleted. */
  | 'delete'
  /** The rows stay (their facts are needed) but the personal fields are cleared. */
  | 'pseudonymise'
  /** Not expired by age: said here so the table covers it on purpose, with the reason. */
  | 'keep';

export interface DataClass {
  readonly table: string;
  readonly owner: string;
  /** Days after the class's own clock (`from`) before the action applies; null for `keep`. */
  readonly days: number | null;
  /** Which instant the period counts from. */
  readonly from: string;
  readonly action: RetentionAction;
  readonly why: string;
}

export const retentionPolicy = {
  'auth.verification_codes': {
    table: 'auth_codes',
    owner: 'auth',
    days: 7,
    from: 'expires_at',
    action: 'delete',
    why: 'one-time codes (email, reset, phone, step-up, MFA) are useless once expired; a week leaves room for support questions',
  },
  'auth.sessions': {
    table: 'auth_sessions (+ auth_retired_refresh_tokens by cascade)',
    owner: 'auth',
    days: 30,
    from: 'the end of the session: revoked_at, or the earlier of idle_expires_at and absolute_expires_at',
    action: 'delete',
    why: 'IP and user agent of ended sessions serve abuse investigations for a month, then nothing',
  },
  'auth.login_throttle': {
    table: 'auth_login_throttle',
    owner: 'auth',
    days: 30,
    from: 'last_failure_at (and only once any lockout ended)',
    action: 'delete',
    why: 'failure counters are for lockout escalation; a month without failures resets them anyway',
  },
  'auth.device_first_ip': {
    table: 'auth_devices.first_ip',
    owner: 'auth',
    days: 90,
    from: 'first_seen_at',
    action: 'pseudonymise',
    why: 'the device stays (remembered-device sign-in), the IP it was first seen from is personal data needed only while recent',
  },
  'notifications.read_inbox': {
    table: 'notification_inbox',
    owner: 'notifications',
    days: 90,
    from: 'read_at',
    action: 'delete',
    why: 'an in-app notification the user has read has done its job; unread ones stay',
  },
  'notifications.delivery_log': {
    table: 'notification_deliveries',
    owner: 'notifications',
    days: 180,
    from: 'created_at',
    action: 'delete',
    why: 'what was sent to whom, for support and complaints; events are never redelivered after months, so the dedupe keys can go too',
  },
  'notifications.send_log': {
    table: 'notification_log',
    owner: 'profiles, notifications',
    days: 180,
    from: 'sent_at',
    action: 'delete',
    why: 'nudge and digest pacing looks back days, not months',
  },
  'partner.webhook_delivery_log': {
    table: 'partner.delivery, then finished partner.delivery_task rows without attempts left',
    owner: 'partner',
    days: 30,
    from: 'created_at (tasks: updated_at, once delivered, dead or cancelled)',
    action: 'delete',
    why: 'the per-attempt log a partner inspects when debugging an endpoint; pending retries are never touched',
  },
  'partner.events': {
    table: 'partner.event',
    owner: 'partner',
    days: 90,
    from: 'received_at (and only once no delivery task refers to the event)',
    action: 'delete',
    why: 'catalog events kept for fan-out and for partners to replay (listing data, incl. pseudonymised owners); replay reaches back 90 days, and an event a task still points at (a pending retry, a recent log) stays',
  },
  'events.outbox_published': {
    table: 'outbox_events',
    owner: 'platform (relay)',
    days: 30,
    from: 'published_at',
    action: 'delete',
    why: 'a relayed event lives on with its consumers; unpublished events are never deleted',
  },
  'events.consumer_dedupe': {
    table: 'consumer_inbox',
    owner: 'every consumer',
    days: 30,
    from: 'processed_at',
    action: 'delete',
    why: 'deduplicates at-least-once redelivery, which happens within hours; kept as long as the outbox rows',
  },
  'payments.stripe_events': {
    table: 'stripe_events',
    owner: 'payments',
    days: 180,
    from: 'received_at',
    action: 'delete',
    why: "Stripe's raw webhook payloads (billing names, emails, card metadata): stored and applied in one transaction, so none waits to be processed; the dedupe needs 3 days (Stripe's retry horizon), the copy serves dispute investigations (chargebacks arrive up to 120 days after a charge); the facts live on in payment_* and the ledger",
  },
  'payments.abandoned_intent_requests': {
    table: 'payment_intent_requests (groups never authorised)',
    owner: 'payments',
    days: 60,
    from: 'created_at (and only while the group has no authorisation)',
    action: 'delete',
    why: "a checkout that never reached Stripe's authorisation; reconciliation looks 35 days back for an intent a crash left unrecorded (and Stripe's hold ends in 7), so 60 days; a request with an authorisation carries the split payouts use and is kept with the ledger",
  },
  'privacy.exports': {
    table: 'privacy_exports (finished: READY or FAILED)',
    owner: 'privacy',
    days: 30,
    from: 'completed_at',
    action: 'delete',
    why: 'receipts of DSAR exports; the rate limit reads 24 hours back and the bundle itself is gone after a day (privacy.export_bundles); a request still BUILDING is never touched',
  },
  'privacy.export_bundles': {
    table: 'S3 privacy-exports bucket, exports/ prefix',
    owner: 'privacy',
    days: null,
    from: '-',
    action: 'keep',
    why: "expired by the bucket's lifecycle rule after 1 day (infra/definitions/buckets.ts privacyExportsBucket), not by this job: the presigned download link is short-lived and the user can ask again",
  },
  'audit.log': {
    table: 'audit_log',
    owner: 'platform',
    days: null,
    from: '-',
    action: 'keep',
    why: 'hash-chained and anchored (WORM): deleting a row would break the chain; personal data in it is erased by the erasure flow, not by age',
  },
  'payments.ledger': {
    table: 'journal_entries, journal_lines and payment_* (payment_intent_requests of authorised groups included)',
    owner: 'payments',
    days: null,
    from: '-',
    action: 'keep',
    why: 'financial records are kept for the statutory period (years), beyond any retention job',
  },
  'idempotency.records': {
    table: 'DynamoDB idempotency table',
    owner: 'core',
    days: null,
    from: '-',
    action: 'keep',
    why: 'expired by DynamoDB TTL (24 h, lambdas/core/idempotency.ts), not by this job',
  },
} as const satisfies Record<string, DataClass>;

export type DataClassName = keyof typeof retentionPolicy;
/** The classes the job acts on. */
export type ExpiringClassName = {
  [K in DataClassName]: (typeof retentionPolicy)[K]['action'] extends 'keep' ? never : K;
}[DataClassName];

export const DAY_MS = 24 * 3600 * 1000;
