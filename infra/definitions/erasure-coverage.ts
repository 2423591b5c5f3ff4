/**
 * Account deletion coverage (NTB-SEC-003): every column of every table whose name says it holds a
 * user id, and what happens to it when an account is deleted. `tests/integration/erasure-coverage.int.test.ts`
 * enumerates the live schema (information_schema) and fails on a column missing here, so a new table
 * with a user column cannot ship without a decision; it then deletes real accounts and checks each
 * entry against the rows.
 *
 *  - `erase`: rows deleted or the column cleared by `by`: the id no longer appears in the column.
 *  - `pseudonymise`: the id replaced by a fresh one that names no account (records the law keeps).
 *  - `tombstone`: the id stays on rows whose personal fields are erased; `erasedWhen` is true of
 *    every such row afterwards (SQL over the table).
 *  - `retained`: kept as is, for the reason given (the id then names a scrubbed `users` row only).
 *  - `notAUser`: the name matches, the value is not a user id.
 *
 * `by` is a consumer of `user.deleted` in infra/definitions/domains.ts, or `auth` (the deleteAccount
 * transaction itself).
 */
export type ErasureAction =
  | { readonly kind: 'erase'; readonly by: string }
  | { readonly kind: 'pseudonymise'; readonly by: string }
  | { readonly kind: 'tombstone'; readonly by: string; readonly erasedWhen: string }
  | { readonly kind: 'retained'; readonly why: string }
  | { readonly kind: 'notAUser'; readonly why: string };

/**
 * Column names that say "a user id" (or look like it), or a third party's handle on the person (a
 * Stripe customer, a saved card): matched against every base table's columns.
 */
export const USER_COLUMN_PATTERN =
  '(^|_)(user|users|actor|author|reporter|client|owner|provider|host|payee|payer|recipient|sender|reviewer|staff|customer|payment_method)(_|$)';

const auth = (): ErasureAction => ({ kind: 'erase', by: 'auth' });
const notAUser = (why: string): ErasureAction => ({ kind: 'notAUser', why });

/** `schema.table.column` -> action. */
export const erasureCoverage: Readonly<Record<string, ErasureAction>> = {
  // ---- auth (AccountService.deleteAccount, in the transaction that emits user.deleted) ----
  'public.user_identities.user_id': auth(),
  'public.auth_codes.user_id': auth(),
  'public.mfa_totp.user_id': auth(),
  'public.mfa_recovery_codes.user_id': auth(),
  'public.auth_devices.user_id': auth(),
  'public.auth_sessions.user_id': auth(),
  'public.auth_sessions.user_agent': notAUser(
    'the browser string of a session (sessions are deleted with the account)',
  ),
  'public.auth_devices.user_agent': notAUser('the browser string of a device (devices are deleted with the account)'),
  'public.consent_records.user_id': {
    kind: 'tombstone',
    by: 'auth',
    erasedWhen: 'ip IS NULL AND user_agent IS NULL',
  },
  'public.user_identities.provider': notAUser('google / apple (identities are deleted with the account)'),
  'public.user_identities.provider_subject': notAUser(
    "the social provider's subject id (identities are deleted with the account)",
  ),
  'public.consent_records.user_agent': notAUser('the browser string of a consent (erased with the account)'),
  'public.audit_log.actor': {
    kind: 'retained',
    why: 'the tamper-evident audit chain is append-only (hash-linked); the id names a scrubbed users row',
  },
  'public.erased_users.user_id': { kind: 'retained', why: 'the erasure marker itself (blocks stale tokens)' },
  // ---- profiles (profiles-user-deleted) ----
  'public.service_profiles.owner_user_id': {
    kind: 'tombstone',
    by: 'profiles-user-deleted',
    erasedWhen: `owner_status = 'ERASED' AND contact_email IS NULL AND contact_phone IS NULL AND display_name IS NULL AND slug LIKE 'erased-%'`,
  },
  'public.service_profiles.owner_status': notAUser('ACTIVE / ERASED'),
  'public.studios.owner_user_id': {
    kind: 'tombstone',
    by: 'profiles-user-deleted',
    erasedWhen: `owner_status = 'ERASED' AND contact_email IS NULL AND address_line1 IS NULL AND postal_code IS NULL AND slug LIKE 'erased-%'`,
  },
  'public.studios.owner_status': notAUser('ACTIVE / ERASED'),
  'public.notification_preferences.user_id': {
    kind: 'tombstone',
    by: 'profiles-user-deleted',
    erasedWhen: 'NOT nudges_enabled AND NOT digest_enabled',
  },
  'public.notification_log.user_id': {
    kind: 'retained',
    why: 'send-once keys of nudges already sent (kind + period, no content); not yet erased — see the #16 report',
  },
  'public.verifications.owner_user_id': {
    kind: 'retained',
    why: 'trust & safety decision record; its documents are media, tombstoned by media-user-deleted — not yet erased, see the #16 report',
  },
  // ---- media (media-user-deleted) ----
  'public.media.owner_user_id': { kind: 'tombstone', by: 'media-user-deleted', erasedWhen: `status = 'DELETED'` },
  'public.media.owner_type': notAUser('PROFILE / STUDIO / VERIFICATION'),
  'public.media.owner_id': notAUser('the listing or verification the media belongs to'),
  // ---- booking (booking-user-deleted): kept by law, pseudonymised ----
  'public.booking_settings.owner_user_id': { kind: 'erase', by: 'booking-user-deleted' },
  'public.booking_groups.client_user_id': { kind: 'pseudonymise', by: 'booking-user-deleted' },
  'public.booking_legs.owner_user_id': { kind: 'pseudonymise', by: 'booking-user-deleted' },
  'public.booking_transitions.actor': { kind: 'pseudonymise', by: 'booking-user-deleted' },
  // ---- payments (payments-user-deleted): kept by law, pseudonymised ----
  'public.payment_authorizations.client_user_id': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  // Not a user id: the Stripe customer (metadata.user_id) and its saved card. Cleared by the erasure on
  // every settled group; kept on a hold still authorised (a renewal charges them); the erasure test
  // checks the settled ones.
  'public.payment_authorizations.stripe_customer_id': {
    kind: 'tombstone',
    by: 'payments-user-deleted',
    erasedWhen: "status = 'authorized' OR stripe_customer_id IS NULL",
  },
  'public.payment_authorizations.payment_method_id': {
    kind: 'tombstone',
    by: 'payments-user-deleted',
    erasedWhen: "status = 'authorized' OR payment_method_id IS NULL",
  },
  'public.payment_transfers.payee_user_id': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  'public.payout_accounts.user_id': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  'public.payout_account_requests.user_id': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  'public.payment_authorizations.client_secret': notAUser("Stripe's PaymentIntent client secret"),
  // ---- search (search-indexer) ----
  'public.search_documents.owner_user_id': { kind: 'erase', by: 'search-indexer' },
  // ---- dmca ----
  'public.dmca_cases.owner_user_id': {
    kind: 'retained',
    why: 'the §512 record of a takedown and counter notice (the safe harbour rests on it; kept with the audit chain)',
  },
  // ---- messaging deliverables (db/migrations/3210) ----
  'public.message_deliverable_uploads.uploader_user_id': { kind: 'erase', by: 'messaging-user-deleted' },
  'public.message_deliverable_sets.provider_user_id': {
    kind: 'retained',
    why:
      "an immutable deliverables manifest of a booking (what was delivered, its checksums, the client's decision) is the " +
      "other party's record of the contract and dispute evidence; the id names a scrubbed users row",
  },
  'public.message_deliverable_sets.client_user_id': {
    kind: 'retained',
    why:
      "an immutable deliverables manifest of a booking (what was delivered, its checksums, the client's decision) is the " +
      "other party's record of the contract and dispute evidence; the id names a scrubbed users row",
  },
  // ---- reviews (reviews-user-deleted) ----
  'public.review_windows.client_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.review_windows.owner_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.reviews.author_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.reviews.subject_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.review_reports.reporter_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.reviews.author_erased': notAUser('whether the author deleted their account'),
  // ---- partner (its clients are partner applications, not accounts; partner-user-deleted clears the link) ----
  'partner.client.client_id': notAUser('a partner application id (prt_)'),
  'partner.webhook_endpoint.client_id': notAUser('a partner application id (prt_)'),
  'partner.brief.client_id': notAUser('the partner application that posted the brief (prt_)'),
  'partner.invite.client_id': notAUser('the partner application that sent the invite (prt_)'),
  'partner.event.client_id': notAUser('the partner application a brief/invite event belongs to (prt_)'),
  'partner.client.account_user_id': { kind: 'erase', by: 'partner-user-deleted' },
  // ---- booking calendars (ICS feeds and the secret export) ----
  'public.booking_calendar_feeds.owner_user_id': { kind: 'erase', by: 'booking-user-deleted' },
  'public.booking_calendar_exports.owner_user_id': { kind: 'erase', by: 'booking-user-deleted' },
  'public.payment_intent_requests.client_user_id': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  'public.payment_dispute_evidence.author': {
    kind: 'retained',
    why: 'the finance staff member (or "system") behind a version of chargeback evidence sent to the card network: a financial record kept with the dispute',
  },
  // ---- notifications (notifications-account) and staff ----
  'public.notification_settings.user_id': { kind: 'erase', by: 'notifications-account' },
  'public.notification_consents.user_id': { kind: 'erase', by: 'notifications-account' },
  'public.notification_inbox.user_id': { kind: 'erase', by: 'notifications-account' },
  'public.notification_deliveries.user_id': { kind: 'erase', by: 'notifications-account' },
  'public.staff_role_grants.user_id': {
    kind: 'retained',
    why: 'the dual-control record of who was granted a staff role, kept with the audit chain',
  },
  // ---- privacy (privacy-user-deleted): DSAR export receipts; the stored bundles go with them ----
  'public.privacy_exports.user_id': { kind: 'erase', by: 'privacy-user-deleted' },
};

// ---- beyond PostgreSQL user columns: JSON payloads and DynamoDB items (#16) ---------------------------

/**
 * Every json/jsonb column of every base table (tests/integration/erasure-e2e.int.test.ts enumerates
 * the live schema and fails on one missing here): what happens to a deleted account's data inside
 * the stored payloads. Whether a payload still names the account in clear is then checked by the
 * whole-database scan of that test, which allows the account's id only in `idRetainedIn`.
 */
export const payloadCoverage: Readonly<Record<string, ErasureAction>> = {
  'public.outbox_events.payload': {
    kind: 'retained',
    why: 'the event log the relay delivers from: catalog payloads carry ids only, never contact details or names (the catalog test keeps them so)',
  },
  'public.audit_log.details': { kind: 'retained', why: 'the append-only, hash-linked audit chain (ids only)' },
  'public.auth_signing_keys.public_jwk': notAUser('a public signing key'),
  'public.service_profiles.links': {
    kind: 'tombstone',
    by: 'profiles-user-deleted',
    erasedWhen: `owner_status <> 'ERASED' OR links = '[]'::jsonb`,
  },
  'public.service_profiles.packages': notAUser('price packages of a listing (no personal data)'),
  'public.service_profiles.availability': notAUser('weekly opening hours'),
  'public.studios.availability': notAUser('weekly opening hours'),
  'public.media.crop': notAUser('crop rectangle'),
  'public.media.moderation_labels': notAUser('moderation classifier labels'),
  'public.media.variants': notAUser('derived image variants (keys of a tombstoned item)'),
  'public.media.public_variants': notAUser('public image variants (withdrawn with the item)'),
  'public.moderation_cases.labels': notAUser('moderation classifier labels'),
  'public.booking_settings.availability': notAUser('weekly opening hours (the row is erased with its owner)'),
  'public.booking_transitions.response': {
    kind: 'retained',
    why: 'the answer replayed for an idempotency key: booking views (ids, times, amounts), pseudonymised with their rows',
  },
  'public.stripe_events.payload': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  'partner.event.payload': {
    kind: 'tombstone',
    by: 'partner-user-deleted',
    erasedWhen: `NOT (payload ?| array['slug','ownerUserId','displayName','name'])`,
  },
  'partner.event.previous_payload': {
    kind: 'tombstone',
    by: 'partner-user-deleted',
    erasedWhen: `previous_payload IS NULL OR NOT (previous_payload ?| array['slug','ownerUserId','displayName','name'])`,
  },
  'public.payment_intent_requests.quote': notAUser('per-leg subtotal, fee and tax of a checkout'),
  'public.payment_money_requests.details': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  'public.payment_dispute_evidence.evidence': {
    kind: 'retained',
    why: 'the chargeback evidence exactly as sent to the card network (assembled without contact details or user ids): a financial and legal-claims record kept with the dispute',
  },
  'public.dmca_notices.notice': {
    kind: 'retained',
    why: 'the §512(c)(3) notice as received (the complainant is not an account): the record the safe harbour rests on',
  },
  'public.dmca_notices.rejected_targets': notAUser('ids of named material that was not public when the notice came'),
  'public.dmca_cases.counter_notice': {
    kind: 'retained',
    why: 'the §512(g)(3) counter notice as filed (forwarded to the complainants; kept as the legal record of the restore)',
  },
  'public.staff_proposals.payload': {
    kind: 'retained',
    why: 'dual-control record (a role grant names the staff member granted), kept with the audit chain',
  },
};

/**
 * Where a deleted account's id may still appear in clear after every consumer ran (the whole-database
 * scan allows it in these tables only). Its email, phone and name may appear nowhere.
 */
export const idRetainedIn: Readonly<Record<string, string>> = {
  'public.users': 'the scrubbed account row (status deleted, every personal field null) that old references name',
  'public.erased_users': 'the erasure marker (refuses still-valid tokens)',
  'public.audit_log': 'the append-only audit chain (actor/subject ids)',
  'public.outbox_events': 'the event log (user.* events and earlier events carry the id; ids only, no PII)',
  'public.consent_records': 'the consent trail, tombstoned (ip and user agent erased)',
  'public.service_profiles': 'the erased listing row (owner_status ERASED, contact and name fields null)',
  'public.studios': 'the erased listing row (owner_status ERASED, contact and name fields null)',
  'public.media': 'tombstoned items (status DELETED, objects withdrawn)',
  'public.notification_preferences': 'tombstoned preferences (everything off)',
  'public.notification_log': 'send-once keys of nudges already sent (kind + period, no content)',
};

/** An item family of a DynamoDB table: its key shape, the attributes it may hold, and the decision. */
export interface DynamoFamily {
  /** Logical table id (infra/definitions/tables.ts). */
  readonly table: 'messaging' | 'presence' | 'control';
  /** Regular expression over `pk` and `sk` joined by a space (`sk` is empty for tables without one). */
  readonly key: string;
  readonly attributes: readonly string[];
  readonly action: ErasureAction | { readonly kind: 'expires' };
  readonly why: string;
}

const threadAttributes = [
  'pk',
  'sk',
  'threadId',
  'kind',
  'status',
  'buyerUserId',
  'sellerUserId',
  'participants',
  'listingType',
  'listingId',
  'city',
  'lbgId',
  'legId',
  'bookingId',
  'cardBookingId',
  'cardEventAt',
  'cardEventId',
  'createdAt',
  'updatedAt',
  'lastMessageAt',
  'messageCount',
  'contactRedaction',
  'safeModeRequired',
  'GSI2PK',
  'GSI2SK',
];
const participantAttributes = [
  'pk',
  'sk',
  'threadId',
  'userId',
  'roleContext',
  'counterpartUserId',
  'kind',
  'threadStatus',
  'listingType',
  'listingId',
  'contactRedaction',
  'createdAt',
  'lastMessageAt',
  'lastMessagePreview',
  'unreadCount',
  'lastReadSk',
  'lastReadMsgId',
  'lastReadAt',
  'muted',
  'archived',
  'blocked',
  'blockedUntil',
  'strikes',
  // A counter of the member's attachment reservations (the unsent-attachment cap's concurrency check).
  'attachmentSeq',
  'GSI1PK',
  'GSI1SK',
];
const messageAttributes = [
  'pk',
  'sk',
  'threadId',
  'messageId',
  'type',
  'body',
  'redactedBody',
  'authorUserId',
  'createdAt',
  'nsfwBand',
  'flags',
  'card',
  'attachments',
];
const byMessaging: ErasureAction = { kind: 'pseudonymise', by: 'messaging-user-deleted' };
const erasedByMessaging: ErasureAction = { kind: 'erase', by: 'messaging-user-deleted' };
const expires = { kind: 'expires' } as const;

/**
 * Every DynamoDB item family (tests/integration/erasure-e2e.int.test.ts lists the tables and scans
 * every item: an undeclared table, key shape or attribute fails it).
 */
export const dynamoCoverage: Readonly<Record<string, DynamoFamily>> = {
  'messaging.thread': {
    table: 'messaging',
    key: '^THR#[^ ]+ THR$',
    attributes: threadAttributes,
    action: byMessaging,
    why: 'buyer/seller/participants name the pseudonym; the thread is locked',
  },
  'messaging.participant': {
    table: 'messaging',
    key: '^THR#[^ ]+ PART#[^ ]+$',
    attributes: participantAttributes,
    action: byMessaging,
    why: "the erased member's row re-keyed to the pseudonym without an inbox entry; others' counterpart renamed",
  },
  'messaging.message': {
    table: 'messaging',
    key: '^THR#[^ ]+ MSG#[^ ]+$',
    attributes: messageAttributes,
    action: byMessaging,
    why: 'bodies of the erased author become a tombstone, the author the pseudonym',
  },
  'messaging.request': {
    table: 'messaging',
    key: '^THR#[^ ]+ REQ#[^ ]+$',
    attributes: ['pk', 'sk', 'messageSk', 'fingerprint'],
    action: erasedByMessaging,
    why: "the erased member's send tokens (idempotent sends) are deleted",
  },
  'messaging.report': {
    table: 'messaging',
    key: '^THR#[^ ]+ REPORT#[^ ]+$',
    attributes: ['pk', 'sk', 'threadId', 'reportId', 'reporterUserId', 'messageId', 'reason', 'note', 'createdAt'],
    action: byMessaging,
    why: 'kept for trust & safety under the pseudonym, without the note',
  },
  'messaging.tab': {
    table: 'messaging',
    key: '^THR#[^ ]+ TAB#[^ ]+$',
    attributes: [
      'pk',
      'sk',
      'threadId',
      'tab',
      'version',
      'brief',
      'shotList',
      'moodboard',
      'references',
      'expenses',
      'updatedBy',
      'updatedAt',
    ],
    action: byMessaging,
    why: 'a project panel tab is a document shared by both members: kept, its last editor renamed to the pseudonym',
  },
  'messaging.attachment': {
    table: 'messaging',
    key: '^THR#[^ ]+ ATT#[^ ]+$',
    attributes: [
      'pk',
      'sk',
      'threadId',
      'attachmentId',
      'uploaderUserId',
      'status',
      'contentType',
      'declaredBytes',
      'incomingKey',
      'previewKey',
      'width',
      'height',
      'previewWidth',
      'previewHeight',
      'nsfwBand',
      'refusal',
      'messageId',
      'createdAt',
      'expiresAt',
    ],
    action: byMessaging,
    why: 'an image shared in the thread stays with the other member (as the message does); its uploader becomes the pseudonym. Unsent ones (no message) are deleted with their msg-previews objects',
  },
  'messaging.pair': {
    table: 'messaging',
    key: '^PAIR#[^ ]+ PAIR$',
    attributes: ['pk', 'sk', 'threadId'],
    action: erasedByMessaging,
    why: 'the pair item names both accounts in its key: deleted (the thread is locked)',
  },
  'presence.member': {
    table: 'presence',
    key: '^presence#[^ ]+ [^ ]+$',
    attributes: ['pk', 'sk', 'threadId', 'userId', 'typing', 'lastSeen', 'expiresAt', 'status'],
    action: erasedByMessaging,
    why: "the erased member's presence in each thread is deleted (it would expire within 60 s)",
  },
  'control.rate-bucket': {
    table: 'control',
    key: '^RL#[^ ]+ $',
    // `tat` (the GCRA bucket's theoretical arrival time); tokens/refilledAt/version on buckets written before it.
    attributes: ['pk', 'tat', 'tokens', 'refilledAt', 'version', 'expiresAt'],
    action: expires,
    why: 'token buckets (counts and times only) expire by TTL once full again (minutes)',
  },
  'control.rate-window': {
    table: 'control',
    key: '^RW#[^ ]+ $',
    attributes: ['pk', 'count', 'expiresAt'],
    action: expires,
    why: 'window counters (counts only) expire by TTL with their window (at most a day)',
  },
  'control.partner-verdict': {
    table: 'control',
    key: '^PV#[^ ]+ $',
    attributes: ['pk', 'value', 'expiresAt'],
    action: expires,
    why: 'cached partner token verdicts (partner applications, not accounts)',
  },
  'control.idempotency': {
    table: 'control',
    key: '^IDEM#[^ ]+ $',
    attributes: ['pk', 'state', 'fingerprint', 'leaseUntil', 'result', 'expiresAt'],
    action: expires,
    why: 'Idempotency-Key replay records of REST routes, expiring by TTL (hours)',
  },
};
