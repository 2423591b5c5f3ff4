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

/** Column names that say "a user id" (or look like it): matched against every base table's columns. */
export const USER_COLUMN_PATTERN =
  '(^|_)(user|users|actor|author|reporter|client|owner|provider|host|payee|payer|recipient|sender|reviewer|staff)(_|$)';

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
  'public.payment_transfers.payee_user_id': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  'public.payout_accounts.user_id': { kind: 'pseudonymise', by: 'payments-user-deleted' },
  'public.payment_authorizations.client_secret': notAUser("Stripe's PaymentIntent client secret"),
  // ---- search (search-indexer) ----
  'public.search_documents.owner_user_id': { kind: 'erase', by: 'search-indexer' },
  // ---- reviews (reviews-user-deleted) ----
  'public.review_windows.client_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.review_windows.owner_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.reviews.author_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.reviews.subject_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.review_reports.reporter_user_id': { kind: 'erase', by: 'reviews-user-deleted' },
  'public.reviews.author_erased': notAUser('whether the author deleted their account'),
  // ---- partner (its clients are partner applications, not accounts) ----
  'partner.client.client_id': notAUser('a partner application id (prt_)'),
  'partner.webhook_endpoint.client_id': notAUser('a partner application id (prt_)'),
  'partner.brief.client_id': notAUser('the partner application that posted the brief (prt_)'),
  'partner.invite.client_id': notAUser('the partner application that sent the invite (prt_)'),
  'partner.client.account_user_id': {
    kind: 'retained',
    why: 'gap: the account a partner application acts for is not yet cleared by a partner consumer of user.deleted',
  },
  // ---- booking calendars (ICS feeds and the secret export) ----
  'public.booking_calendar_feeds.owner_user_id': {
    kind: 'retained',
    why: "gap: booking-user-deleted does not yet delete the owner's feeds (their listings are erased, so nothing reads them)",
  },
  'public.booking_calendar_exports.owner_user_id': {
    kind: 'retained',
    why: "gap: booking-user-deleted does not yet delete the owner's export token (their listings are erased, so it lists nothing)",
  },
  'public.payment_intent_requests.client_user_id': {
    kind: 'retained',
    why: 'gap: payments-user-deleted does not yet pseudonymise the PaymentIntent request log',
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
};
