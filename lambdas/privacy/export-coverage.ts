/**
 * DSAR export coverage (NTB-EXPORT-001): for every table and store that holds a user column
 * (the tables of infra/definitions/erasure-coverage.ts, whose test enumerates the live schema),
 * which section of the export carries the account's rows, or why it is not exported.
 * tests/integration/privacy-export.int.test.ts fails on a table of the erasure map missing here,
 * and checks each `section` entry against a real bundle. `excluded` reasons go into the manifest.
 */
export type ExportDecision = { readonly section: string } | { readonly excluded: string };

const section = (name: string): ExportDecision => ({ section: name });

export const exportCoverage: Readonly<Record<string, ExportDecision>> = {
  // auth
  'public.users': section('auth'),
  'public.user_identities': section('auth'),
  'public.consent_records': section('auth'),
  'public.auth_sessions': section('auth'),
  'public.auth_devices': section('auth'),
  'public.mfa_totp': section('auth'),
  'public.auth_codes': { excluded: 'one-time codes (hashes, minutes long): security secrets, not personal content' },
  'public.mfa_recovery_codes': { excluded: 'recovery code hashes: security secrets' },
  'public.audit_log': {
    excluded: 'the platform-wide tamper-evident audit chain (operations by id); it names other accounts and staff',
  },
  'public.erased_users': { excluded: 'erasure markers of deleted accounts (none for an active account)' },
  // profiles
  'public.service_profiles': section('profiles'),
  'public.studios': section('profiles'),
  'public.verifications': section('profiles'),
  'public.notification_preferences': section('profiles'),
  'public.notification_log': section('profiles'),
  // media
  'public.media': section('media'),
  // booking
  'public.booking_settings': section('booking'),
  'public.booking_groups': section('booking'),
  'public.booking_legs': section('booking'),
  'public.booking_transitions': section('booking'),
  'public.booking_calendar_feeds': section('booking'),
  'public.booking_calendar_exports': section('booking'),
  // payments
  'public.payment_authorizations': section('payments'),
  'public.payment_transfers': section('payments'),
  'public.payout_accounts': section('payments'),
  'public.payment_intent_requests': section('payments'),
  'public.stripe_events': {
    excluded: "Stripe's raw event objects (the same payments as payments.authorizations/transfers, in Stripe's words)",
  },
  // search: a projection of published listings
  'public.search_documents': { excluded: 'a projection of the published listings exported under profiles' },
  // reviews
  'public.review_windows': section('reviews'),
  'public.reviews': section('reviews'),
  'public.review_reports': section('reviews'),
  // partner
  'partner.client': section('partner'),
  'partner.event': section('partner'),
  // notifications
  'public.notification_settings': section('notifications'),
  'public.notification_consents': section('notifications'),
  'public.notification_inbox': section('notifications'),
  'public.notification_deliveries': section('notifications'),
  // staff
  'public.staff_role_grants': section('staff'),
  'public.staff_proposals': section('staff'),
  // privacy's own receipts
  'public.privacy_exports': { excluded: 'receipts of earlier exports (id, time, SHA-256): bookkeeping of this export' },
  // outbox
  'public.outbox_events': {
    excluded: 'the event log between domains (ids, no content beyond what the sections hold)',
  },
  // DynamoDB
  'dynamodb.messaging': section('messaging'),
};

export const exportExclusions: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(exportCoverage).flatMap(([table, decision]) =>
    'excluded' in decision ? [[table, decision.excluded]] : [],
  ),
);
