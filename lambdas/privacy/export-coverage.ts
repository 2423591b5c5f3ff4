/**
 * DSAR export coverage (NTB-EXPORT-001): for every table and store that holds a user column
 * (the tables of infra/definitions/erasure-coverage.ts, whose test enumerates the live schema),
 * which section of the export carries the account's rows, or why it is not exported.
 * tests/integration/privacy-export.int.test.ts fails on a table of the erasure map missing here,
 * and checks each `section` entry against a real bundle. `excluded` reasons go into the manifest.
 */
/** `parts`: the lists of the section that carry the table's rows of the account. */
export type ExportDecision =
  { readonly section: string; readonly parts: readonly string[] } | { readonly excluded: string };

const section = (name: string, ...parts: string[]): ExportDecision => ({ section: name, parts });

export const exportCoverage: Readonly<Record<string, ExportDecision>> = {
  // auth
  'public.users': section('auth', 'account'),
  'public.user_identities': section('auth', 'linkedIdentities'),
  'public.consent_records': section('auth', 'consents'),
  'public.auth_sessions': section('auth', 'sessions'),
  'public.auth_devices': section('auth', 'devices'),
  'public.mfa_totp': section('auth', 'mfa'),
  'public.auth_codes': { excluded: 'one-time codes (hashes, minutes long): security secrets, not personal content' },
  'public.mfa_recovery_codes': { excluded: 'recovery code hashes: security secrets' },
  'public.audit_log': {
    excluded: 'the platform-wide tamper-evident audit chain (operations by id); it names other accounts and staff',
  },
  'public.erased_users': { excluded: 'erasure markers of deleted accounts (none for an active account)' },
  // profiles
  'public.service_profiles': section('profiles', 'serviceProfiles'),
  'public.studios': section('profiles', 'studios'),
  'public.verifications': section('profiles', 'verifications'),
  'public.notification_preferences': section('profiles', 'notificationPreferences'),
  'public.notification_log': section('profiles', 'nudgesSent'),
  // media
  'public.media': section('media', 'items'),
  // booking
  'public.booking_settings': section('booking', 'settings'),
  'public.booking_groups': section('booking', 'asClient'),
  'public.booking_legs': section('booking', 'asProvider'),
  'public.booking_transitions': section('booking', 'transitions'),
  'public.booking_calendar_feeds': section('booking', 'calendarFeeds'),
  'public.booking_calendar_exports': section('booking', 'calendarExports'),
  // payments
  'public.payment_authorizations': section('payments', 'authorizations'),
  'public.payment_transfers': section('payments', 'transfers'),
  'public.payout_accounts': section('payments', 'payoutAccount'),
  'public.payment_intent_requests': section('payments', 'checkoutRequests'),
  'public.payout_account_requests': {
    excluded:
      'the time payout onboarding was first asked for (an idempotency marker); the account is payments.payoutAccount',
  },
  'public.payment_dispute_evidence': {
    excluded:
      'chargeback evidence versions, authored by finance staff in their role (a work record of the dispute, not data about the author)',
  },
  'public.stripe_events': {
    excluded: "Stripe's raw event objects (the same payments as payments.authorizations/transfers, in Stripe's words)",
  },
  // search: a projection of published listings
  'public.search_documents': { excluded: 'a projection of the published listings exported under profiles' },
  // reviews
  'public.review_windows': section('reviews', 'windows'),
  'public.reviews': section('reviews', 'written', 'received'),
  'public.review_reports': section('reviews', 'reportsFiled'),
  // partner
  'partner.client': section('partner', 'linkedApplications'),
  'partner.event': section('partner', 'webhookDeliveries'),
  // notifications
  'public.notification_settings': section('notifications', 'settings'),
  'public.notification_consents': section('notifications', 'consents'),
  'public.notification_inbox': section('notifications', 'inbox'),
  'public.notification_deliveries': section('notifications', 'deliveries'),
  // dmca: cases about the account's material (the notices are the complainants')
  'public.dmca_cases': section('dmca', 'cases'),
  // staff
  'public.staff_role_grants': section('staff', 'roleGrants'),
  'public.staff_proposals': section('staff', 'proposals'),
  // privacy's own receipts
  'public.privacy_exports': { excluded: 'receipts of earlier exports (id, time, SHA-256): bookkeeping of this export' },
  // outbox
  'public.outbox_events': {
    excluded: 'the event log between domains (ids, no content beyond what the sections hold)',
  },
  // DynamoDB
  'dynamodb.messaging': section('messaging', 'threads'),
  // messaging's deliverable manifests in PostgreSQL (3210)
  'public.message_deliverable_sets': section('messagingDeliverables', 'posted', 'received'),
  'public.message_deliverable_uploads': section('messagingDeliverables', 'unpostedUploads'),
};

export const exportExclusions: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(exportCoverage).flatMap(([table, decision]) =>
    'excluded' in decision ? [[table, decision.excluded]] : [],
  ),
);
