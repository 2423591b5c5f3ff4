/**
 * The per-domain database roles (architecture decision 13) on the local stack's real PostgreSQL:
 * what each role may touch is exactly the matrix below (a grant added or dropped by a migration
 * shows up here for review), every table is granted to somebody on purpose, and the roles cannot
 * reach beyond it. The domain flows themselves run as these roles in every other integration file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createDatabase, type Database } from '../../lambdas/core/db/database.ts';
import { databaseRoles, databaseUser, type DatabaseRole } from '../../lambdas/core/db/database-roles.ts';
import { retentionStatements } from '../../lambdas/privacy/retention.repository.ts';
import { stackInfo } from '../support/clients.ts';
import { newId } from '../../lambdas/core/ids.ts';

/**
 * The staff check every domain with a staff-only operation asks (lambdas/staff/staff-authority.ts,
 * migration 3180): whose roles are in force now, nothing about the proposals behind them.
 */
const staffAuthority = ['expires_at', 'granted_at', 'role', 'user_id'].map(
  (column) => `staff_role_grants(${column}):SELECT`,
);

/** role -> `table:PRIVILEGE` or `table(column):PRIVILEGE`, sorted. */
const expectedGrants: Record<DatabaseRole, readonly string[]> = {
  platform: [
    ...staffAuthority,
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    'cities:SELECT',
    'feature_flags:INSERT',
    'feature_flags:SELECT',
    'feature_flags:UPDATE',
    'outbox_events:INSERT',
  ],
  auth: [
    ...staffAuthority,
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    ...[
      'auth_codes',
      'auth_devices',
      'auth_login_throttle',
      'auth_retired_refresh_tokens',
      'auth_sessions',
      'consent_records',
      'mfa_recovery_codes',
      'mfa_totp',
      'user_identities',
      'users',
    ].flatMap((table) => ['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((p) => `${table}:${p}`)),
    'auth_signing_keys:INSERT',
    'auth_signing_keys:SELECT',
    'consent_records_id_seq:USAGE',
    'outbox_events:INSERT',
  ],
  profiles: [
    ...staffAuthority,
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    'cities:SELECT',
    'consumer_inbox:INSERT',
    'erased_users:INSERT',
    'erased_users:SELECT',
    'media:SELECT',
    'notification_log:DELETE',
    'notification_log:INSERT',
    'notification_log:SELECT',
    ...['notification_preferences', 'service_profiles', 'studios', 'verifications'].flatMap((table) =>
      ['INSERT', 'SELECT', 'UPDATE'].map((p) => `${table}:${p}`),
    ),
    'outbox_events:INSERT',
    // Former slugs of erased pages until evicted (migration 3158): recorded, re-recorded, drained.
    ...['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((p) => `public_page_evictions:${p}`),
  ],
  media: [
    ...staffAuthority,
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    'consumer_inbox:INSERT',
    'erased_users:INSERT',
    'erased_users:SELECT',
    'media:DELETE',
    'media:INSERT',
    'media:SELECT',
    'media:UPDATE',
    'moderation_cases:INSERT',
    'moderation_cases:SELECT',
    'moderation_cases:UPDATE',
    'outbox_events:INSERT',
    // Who owns a listing: profiles' view (db/migrations/0800_profiles_listing_owners.sql), not its tables.
    'listing_owners:SELECT',
  ],
  relay: [
    'outbox_events(attempts):UPDATE',
    'outbox_events(available_at):UPDATE',
    'outbox_events(last_error):UPDATE',
    'outbox_events(published_at):UPDATE',
    'outbox_events:SELECT',
  ],
  payments: [
    ...staffAuthority,
    ...['journal_entries', 'journal_lines', 'ledger_accounts', 'payment_refunds', 'stripe_events'].flatMap((table) =>
      ['INSERT', 'SELECT'].map((p) => `${table}:${p}`),
    ),
    ...[
      'payment_authorizations',
      'payment_disputes',
      'payment_transfers',
      'payout_accounts',
      'payout_account_requests',
    ].flatMap((table) => ['INSERT', 'SELECT', 'UPDATE'].map((p) => `${table}:${p}`)),
    ...['city_code', 'currency', 'id', 'owner_status', 'owner_user_id', 'status'].flatMap((column) => [
      `service_profiles(${column}):SELECT`,
      `studios(${column}):SELECT`,
    ]),
    'payment_refunds(idempotency_key):UPDATE',
    'payment_intent_requests:INSERT',
    'payment_intent_requests:SELECT',
    // No transaction across Stripe (3030); chargebacks' payment.dispute.changed in the outbox.
    ...['INSERT', 'SELECT', 'UPDATE'].map((p) => `payment_money_requests:${p}`),
    // Off-session renewal of lapsing authorisations (3160).
    ...['INSERT', 'SELECT', 'UPDATE'].map((p) => `payment_reauthorizations:${p}`),
    'outbox_events:INSERT',
    ...['client_user_id', 'currency', 'id', 'status'].map((column) => `booking_groups(${column}):SELECT`),
    ...['active', 'group_id', 'id', 'resource_id'].map((column) => `booking_legs(${column}):SELECT`),
    // Account deletion (db/migrations/2000_reviews_privacy.sql): its own user.deleted consumer.
    'consumer_inbox:INSERT',
    'service_profiles(cancellation_policy):SELECT',
    'service_profiles(packages):SELECT',
    'studios(deposit_cents):SELECT',
    'studios(hourly_min_cents):SELECT',
    // Account deletion completeness (db/migrations/2500_erasure_completeness.sql).
    'payment_intent_requests(client_user_id):UPDATE',
    'stripe_events(payload):UPDATE',
    'journal_lines(account_code):UPDATE',
    'ledger_accounts:DELETE',
    // Chargeback evidence packs (db/migrations/3130_dispute_evidence_packs.sql): the packs, and the
    // booking's time, legs and timeline read through lambdas/booking/dispute-evidence.query.ts.
    'payment_dispute_evidence:INSERT',
    'payment_dispute_evidence:SELECT',
    ...['amount_cents', 'cancellation_policy', 'created_at', 'ends_at', 'starts_at'].map(
      (column) => `booking_groups(${column}):SELECT`,
    ),
    ...['amount_cents', 'ends_at', 'owner_user_id', 'resource_type', 'starts_at'].map(
      (column) => `booking_legs(${column}):SELECT`,
    ),
    ...['action', 'actor', 'created_at', 'from_status', 'group_id', 'id', 'to_status'].map(
      (column) => `booking_transitions(${column}):SELECT`,
    ),
  ],
  search: [
    // Booking's availability door (lambdas/booking/search-availability.query.ts): the window filter.
    'booking_busy_blocks(during):SELECT',
    'booking_busy_blocks(resource_id):SELECT',
    'booking_legs(active):SELECT',
    'booking_legs(blocked):SELECT',
    'booking_legs(resource_id):SELECT',
    'booking_settings(availability):SELECT',
    'booking_settings(resource_id):SELECT',
    'cities:SELECT',
    'consumer_inbox:INSERT',
    ...['search_documents', 'search_reindex_runs'].flatMap((table) =>
      ['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((p) => `${table}:${p}`),
    ),
    // The ranking projection (db/migrations/2300_search_rank.sql), written by triggers as the writer.
    ...['DELETE', 'INSERT', 'SELECT'].map((p) => `search_rank:${p}`),
    // Profiles' search door (lambdas/profiles/search-source.ts): public columns of published listings.
    ...[
      'id',
      'owner_user_id',
      'role',
      'slug',
      'status',
      'owner_status',
      'display_name',
      'headline',
      'tags',
      'city_code',
      'price_min_cents',
      'price_max_cents',
      'currency',
      'instant_book',
      'completed_steps',
      'version',
      'published_at',
      'latitude',
      'longitude',
    ].map((column) => `service_profiles(${column}):SELECT`),
    ...[
      'id',
      'owner_user_id',
      'slug',
      'status',
      'owner_status',
      'name',
      'city_code',
      'amenities',
      'hourly_min_cents',
      'hourly_max_cents',
      'currency',
      'instant_book',
      'completed_steps',
      'version',
      'published_at',
      'latitude',
      'longitude',
    ].map((column) => `studios(${column}):SELECT`),
    ...['id', 'owner_type', 'owner_id', 'status', 'nsfw_band', 'public_variants', 'is_cover', 'sort_order'].map(
      (column) => `media(${column}):SELECT`,
    ),
    ...['subject_type', 'subject_id', 'owner_user_id', 'status', 'created_at'].map(
      (column) => `verifications(${column}):SELECT`,
    ),
  ],
  booking: [
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    ...['booking_groups', 'booking_legs', 'booking_settings', 'booking_transitions'].flatMap((table) =>
      ['INSERT', 'SELECT', 'UPDATE'].map((p) => `${table}:${p}`),
    ),
    'booking_transitions_id_seq:USAGE',
    // The payments adapter of booking's port (migration 1500).
    ...['journal_entries', 'journal_lines', 'ledger_accounts', 'payment_intent_requests', 'payment_refunds'].flatMap(
      (table) => ['INSERT', 'SELECT'].map((p) => `${table}:${p}`),
    ),
    'payment_transfers:INSERT',
    'payment_transfers:SELECT',
    ...['INSERT', 'SELECT', 'UPDATE'].map((p) => `payment_authorizations:${p}`),
    'payment_refunds(idempotency_key):UPDATE',
    'payout_accounts:SELECT',
    // No transaction across Stripe (3030): refunds and transfers recorded before the call; payouts
    // held while a chargeback is open.
    ...['INSERT', 'SELECT', 'UPDATE'].map((p) => `payment_money_requests:${p}`),
    // A capture or void finishes a renewal under way first (3160).
    ...['INSERT', 'SELECT', 'UPDATE'].map((p) => `payment_reauthorizations:${p}`),
    'payment_disputes:SELECT',
    ...['booking_calendar_feeds', 'booking_busy_blocks'].flatMap((table) =>
      ['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((p) => `${table}:${p}`),
    ),
    ...['INSERT', 'SELECT', 'UPDATE'].map((p) => `booking_calendar_exports:${p}`),
    // Account deletion (db/migrations/2000_reviews_privacy.sql): its own user.deleted consumer.
    'booking_settings:DELETE',
    'consumer_inbox:INSERT',
    'erased_users:INSERT',
    'erased_users:SELECT',
    'cities(code):SELECT',
    'cities(timezone):SELECT',
    'outbox_events:INSERT',
    ...[
      'id',
      'owner_user_id',
      'status',
      'owner_status',
      'instant_book',
      'city_code',
      'price_min_cents',
      'currency',
    ].map((column) => `service_profiles(${column}):SELECT`),
    ...[
      'id',
      'owner_user_id',
      'status',
      'owner_status',
      'instant_book',
      'city_code',
      'hourly_min_cents',
      'currency',
    ].map((column) => `studios(${column}):SELECT`),
    // Account deletion completeness (db/migrations/2500_erasure_completeness.sql).
    'booking_calendar_exports:DELETE',
  ],
  partner: [
    'auth_signing_keys:INSERT',
    'auth_signing_keys:SELECT',
    ...['code', 'country_code', 'name'].map((column) => `cities(${column}):SELECT`),
    ...[
      'alt_text',
      'created_at',
      'height',
      'id',
      'is_cover',
      'nsfw_band',
      'owner_id',
      'owner_type',
      'public_variants',
      'sort_order',
      'status',
      'updated_at',
      'width',
    ].map((column) => `media(${column}):SELECT`),
    ...[
      'bio',
      'city_code',
      'currency',
      'display_name',
      'headline',
      'id',
      'instant_book',
      'languages',
      'owner_status',
      'price_max_cents',
      'price_min_cents',
      'published_at',
      'role',
      'slug',
      'status',
      'tags',
      'updated_at',
    ].map((column) => `service_profiles(${column}):SELECT`),
    ...[
      'address_line1',
      'address_line2',
      'amenities',
      'city_code',
      'currency',
      'deposit_cents',
      'description',
      'hourly_max_cents',
      'hourly_min_cents',
      'id',
      'instant_book',
      'name',
      'owner_status',
      'postal_code',
      'published_at',
      'slug',
      'status',
      'updated_at',
    ].map((column) => `studios(${column}):SELECT`),
    // Orders and payouts (1800), through booking's and payments' query modules.
    ...[
      'amount_cents',
      'cancellation_policy',
      'client_user_id',
      'created_at',
      'currency',
      'ends_at',
      'id',
      'instant_book',
      'payment_status',
      'starts_at',
      'status',
      'updated_at',
    ].map((column) => `booking_groups(${column}):SELECT`),
    ...['accepted', 'amount_cents', 'ends_at', 'group_id', 'id', 'resource_id', 'resource_type', 'starts_at'].map(
      (column) => `booking_legs(${column}):SELECT`,
    ),
    ...['amount_cents', 'created_at', 'group_id', 'id', 'leg_id', 'payee_user_id', 'reversed_cents'].map(
      (column) => `payment_transfers(${column}):SELECT`,
    ),
    ...['currency', 'group_id'].map((column) => `payment_authorizations(${column}):SELECT`),
    // Account deletion completeness (db/migrations/2500_erasure_completeness.sql).
    'consumer_inbox:INSERT',
    'listing_owners_all:SELECT',
    // Brief and invite events (db/migrations/2600_partner_brief_events.sql).
    'outbox_events:INSERT',
  ],
  // Messaging lives in DynamoDB; PostgreSQL only answers who may be contacted (profiles' view).
  messaging: [
    'consumer_inbox:INSERT',
    'contactable_listings:SELECT',
    // Action cards (2900), through booking's query module.
    ...['client_user_id', 'id', 'status'].map((column) => `booking_groups(${column}):SELECT`),
    ...['accepted', 'group_id', 'owner_user_id'].map((column) => `booking_legs(${column}):SELECT`),
    // Deliverable manifests (3210): insert-only sets and files, the decision columns the only update;
    // decisions audited in their transaction.
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    'message_deliverable_files:INSERT',
    'message_deliverable_files:SELECT',
    'message_deliverable_sets:INSERT',
    'message_deliverable_sets:SELECT',
    ...['decided_at', 'decision_key', 'decision_note', 'status'].map(
      (column) => `message_deliverable_sets(${column}):UPDATE`,
    ),
    'message_deliverable_uploads:DELETE',
    'message_deliverable_uploads:INSERT',
    'message_deliverable_uploads:SELECT',
  ],
  reviews: [
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    'consumer_inbox:INSERT',
    'erased_users:INSERT',
    'erased_users:SELECT',
    'outbox_events:INSERT',
    ...['review_reports', 'review_windows', 'reviews'].flatMap((table) =>
      ['INSERT', 'SELECT', 'UPDATE'].map((p) => `${table}:${p}`),
    ),
  ],
  // Staff back-office: its proposals and grants; payments' refundable_payments view (checks a refund).
  staff: [
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    'outbox_events:INSERT',
    'refundable_payments:SELECT',
    'staff_proposals:INSERT',
    'staff_proposals:SELECT',
    'staff_proposals:UPDATE',
    'staff_role_grants:INSERT',
    'staff_role_grants:SELECT',
  ],
  // Notifications: its tables, the consumer inbox, and auth's door (an active account's email).
  notifications: [
    'consumer_inbox:INSERT',
    ...['notification_consents', 'notification_inbox', 'notification_settings'].flatMap((table) =>
      ['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((p) => `${table}:${p}`),
    ),
    'notification_deliveries:DELETE',
    'notification_deliveries:INSERT',
    'notification_deliveries:SELECT',
    'notification_suppressions:INSERT',
    'notification_suppressions:SELECT',
    'notification_suppressions:UPDATE',
    // The email of an active account, through auth's view (3142), not the users table.
    'contact_directory:SELECT',
  ],
  // DSAR export (db/migrations/2800_privacy_exports.sql): its receipts, the audit chain, and read access
  // to exactly the columns each domain's export query names (no secrets, hashes or tokens).
  privacy: [
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    'consumer_inbox:INSERT',
    // An export request and its privacy.export.requested event commit together (3141).
    'outbox_events:INSERT',
    'erased_users:INSERT',
    'erased_users:SELECT',
    'listing_owners_all:SELECT',
    ...['DELETE', 'INSERT', 'SELECT', 'UPDATE'].map((p) => `privacy_exports:${p}`),
    ...[
      'created_at',
      'display_name',
      'email',
      'email_verified_at',
      'id',
      'password_changed_at',
      'phone',
      'phone_verified_at',
      'roles',
      'status',
    ].map((column) => `users(${column}):SELECT`),
    'users(last_export_at):UPDATE',
    ...['created_at', 'email', 'private_relay', 'provider', 'user_id'].map(
      (column) => `user_identities(${column}):SELECT`,
    ),
    ...['granted', 'ip', 'kind', 'recorded_at', 'user_agent', 'user_id', 'version'].map(
      (column) => `consent_records(${column}):SELECT`,
    ),
    ...[
      'amr',
      'auth_time',
      'created_at',
      'device_id',
      'id',
      'ip',
      'last_seen_at',
      'revoke_reason',
      'revoked_at',
      'user_agent',
      'user_id',
    ].map((column) => `auth_sessions(${column}):SELECT`),
    ...['first_ip', 'first_seen_at', 'id', 'last_seen_at', 'user_agent', 'user_id'].map(
      (column) => `auth_devices(${column}):SELECT`,
    ),
    ...['confirmed_at', 'created_at', 'user_id'].map((column) => `mfa_totp(${column}):SELECT`),
    ...['digest_enabled', 'nudges_enabled', 'quiet_end_hour', 'quiet_start_hour', 'updated_at', 'user_id'].map(
      (column) => `notification_preferences(${column}):SELECT`,
    ),
    ...['action', 'actor', 'created_at', 'from_status', 'group_id', 'id', 'to_status'].map(
      (column) => `booking_transitions(${column}):SELECT`,
    ),
    ...['created_at', 'owner_user_id', 'resource_id', 'revoked_at'].map(
      (column) => `booking_calendar_exports(${column}):SELECT`,
    ),
    ...[
      'amount_cents',
      'captured_cents',
      'charge_id',
      'client_user_id',
      'created_at',
      'currency',
      'group_id',
      'payment_intent_id',
      'payment_method_id',
      'refunded_cents',
      'status',
      'stripe_customer_id',
      'updated_at',
      'void_reason',
    ].map((column) => `payment_authorizations(${column}):SELECT`),
    ...[
      'booking_calendar_feeds',
      'booking_groups',
      'booking_legs',
      'booking_settings',
      'media',
      'notification_consents',
      'notification_deliveries',
      'notification_inbox',
      'notification_log',
      'notification_settings',
      'payment_intent_requests',
      'payment_transfers',
      'payout_accounts',
      'review_reports',
      'review_windows',
      'reviews',
      'service_profiles',
      'staff_proposals',
      'staff_role_grants',
      'studios',
      'verifications',
    ].map((table) => `${table}:SELECT`),
    // DMCA cases about the account's material (db/migrations/3010_dmca.sql), not the complainants' notices.
    ...[
      'closed_at',
      'counter_notice',
      'counter_noticed_at',
      'id',
      'owner_user_id',
      'restore_by',
      'restore_from',
      'status',
      'taken_down_at',
      'target_id',
      'target_kind',
    ].map((column) => `dmca_cases(${column}):SELECT`),
    // Messaging's deliverable manifests (3210): no storage or idempotency keys.
    ...[
      'booking_group_id',
      'client_user_id',
      'created_at',
      'decided_at',
      'decision_note',
      'id',
      'note',
      'provider_user_id',
      'status',
      'thread_id',
      'version',
    ].map((column) => `message_deliverable_sets(${column}):SELECT`),
    ...['content_type', 'name', 'position', 'set_id', 'sha256', 'size_bytes'].map(
      (column) => `message_deliverable_files(${column}):SELECT`,
    ),
    ...['content_type', 'created_at', 'id', 'name', 'size_bytes', 'thread_id', 'uploader_user_id'].map(
      (column) => `message_deliverable_uploads(${column}):SELECT`,
    ),
  ],
  // DMCA (db/migrations/3010_dmca.sql): notices and cases are legal records, never deleted.
  dmca: [
    ...staffAuthority,
    'audit_log(hash):SELECT',
    'audit_log(seq):SELECT',
    'audit_log:INSERT',
    // The complainants' copy of a counter notice, consumed once (3143).
    'consumer_inbox:INSERT',
    'dmca_cases:INSERT',
    'dmca_cases:SELECT',
    'dmca_cases:UPDATE',
    'dmca_notices:INSERT',
    'dmca_notices:SELECT',
    // Complainant emails honour the suppression list (3144): whether an address is listed, nothing more.
    ...['address', 'channel'].map((column) => `notification_suppressions(${column}):SELECT`),
    // Takedown and restore of a public item through media's SQL (3140): these columns only.
    ...['id', 'nsfw_band', 'owner_id', 'owner_type', 'owner_user_id', 'public_variants', 'status', 'variants'].map(
      (column) => `media(${column}):SELECT`,
    ),
    ...['public_variants', 'status', 'updated_at'].map((column) => `media(${column}):UPDATE`),
    'outbox_events:INSERT',
    // Takedown and restore of a whole listing through profiles' SQL (3185): resolve a slug, read whether
    // it is public and whose, flip its status.
    ...['city_code', 'id', 'owner_status', 'owner_user_id', 'role', 'slug', 'status', 'version'].map(
      (column) => `service_profiles(${column}):SELECT`,
    ),
    ...['city_code', 'id', 'owner_status', 'owner_user_id', 'slug', 'status', 'version'].map(
      (column) => `studios(${column}):SELECT`,
    ),
    ...['service_profiles', 'studios'].flatMap((table) =>
      ['status', 'updated_at'].map((column) => `${table}(${column}):UPDATE`),
    ),
  ],
  // The retention job (3055, its own role since review of issue 17): delete or clear exactly the classes
  // lambdas/privacy/retention-policy.ts expires, reading only the columns its statements name.
  retention: [
    ...[
      'auth_codes',
      'auth_login_throttle',
      'auth_sessions',
      'consumer_inbox',
      'notification_deliveries',
      'notification_inbox',
      'notification_log',
      'outbox_events',
      'payment_intent_requests',
      'privacy_exports',
      'stripe_events',
    ].map((table) => `${table}:DELETE`),
    ...['expires_at', 'id'].map((column) => `auth_codes(${column}):SELECT`),
    ...['absolute_expires_at', 'id', 'idle_expires_at', 'revoked_at'].map(
      (column) => `auth_sessions(${column}):SELECT`,
    ),
    ...['identifier_hash', 'last_failure_at', 'locked_until'].map((column) => `auth_login_throttle(${column}):SELECT`),
    ...['first_ip', 'first_seen_at', 'id'].map((column) => `auth_devices(${column}):SELECT`),
    'auth_devices(first_ip):UPDATE',
    ...['id', 'read_at'].map((column) => `notification_inbox(${column}):SELECT`),
    ...['created_at', 'id'].map((column) => `notification_deliveries(${column}):SELECT`),
    ...['kind', 'period', 'sent_at', 'user_id'].map((column) => `notification_log(${column}):SELECT`),
    ...['id', 'published_at'].map((column) => `outbox_events(${column}):SELECT`),
    ...['consumer', 'event_id', 'processed_at'].map((column) => `consumer_inbox(${column}):SELECT`),
    // 3155: Stripe payloads, abandoned intent requests, finished export receipts.
    ...['id', 'received_at'].map((column) => `stripe_events(${column}):SELECT`),
    ...['created_at', 'group_id'].map((column) => `payment_intent_requests(${column}):SELECT`),
    'payment_authorizations(group_id):SELECT',
    ...['completed_at', 'id', 'status'].map((column) => `privacy_exports(${column}):SELECT`),
  ],
};

/** Tables only the migrator (master user) touches. */
const masterOnlyTables = ['schema_migrations'];

let admin: Database;
const asRole = new Map<DatabaseRole, Database>();

beforeAll(() => {
  admin = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 2 });
  const env = { DATABASE_URL: stackInfo().endpoints.databaseUrl };
  for (const role of databaseRoles) {
    const connection = databaseConnection(role, env);
    if (connection.kind !== 'url') throw new Error('expected a local URL connection');
    asRole.set(role, createDatabase({ connectionString: connection.connectionString, max: 1 }));
  }
});
afterAll(async () => {
  await Promise.all([admin.close(), ...[...asRole.values()].map((db) => db.close())]);
});

const role = (name: DatabaseRole) => asRole.get(name)!;

async function grantsOf(user: string): Promise<string[]> {
  const { rows } = await admin.query<{ grant: string }>(
    `SELECT c.relname || ':' || a.privilege_type AS grant
       FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
      WHERE c.relnamespace = 'public'::regnamespace AND a.grantee = $1::regrole
     UNION ALL
     SELECT c.relname || '(' || att.attname || '):' || a.privilege_type
       FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid
            CROSS JOIN LATERAL aclexplode(att.attacl) a
      WHERE c.relnamespace = 'public'::regnamespace AND a.grantee = $1::regrole`,
    [user],
  );
  return rows.map((row) => row.grant).sort();
}

describe('database roles', () => {
  it('each domain logs in as its own unprivileged role, which cannot create objects', async () => {
    for (const name of databaseRoles) {
      const { rows } = await role(name).query<{ user: string; create: boolean }>(
        `SELECT current_user AS user, has_schema_privilege('public', 'CREATE') AS create`,
      );
      expect(rows[0]).toEqual({ user: databaseUser(name), create: false });
      const attributes = await admin.query(
        'SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1',
        [databaseUser(name)],
      );
      expect(attributes.rows[0], name).toEqual({
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
        rolreplication: false,
        rolbypassrls: false,
      });
    }
  });

  it('grants each role exactly its matrix (review a change here like a change of permissions)', async () => {
    for (const name of databaseRoles) {
      expect(await grantsOf(databaseUser(name)), name).toEqual([...expectedGrants[name]].sort());
    }
  });

  it("the export Lambda's role cannot delete what the retention job expires; only the job's role can", async () => {
    // Review of issue 17: the job once ran as rastup_privacy, so the internet-facing export Lambda could
    // delete sessions, codes, the outbox, webhook logs and notifications. Partner tables included (the
    // matrix above reads only the public schema).
    const expiring = [
      'auth_codes',
      'auth_sessions',
      'auth_login_throttle',
      'notification_inbox',
      'notification_deliveries',
      'notification_log',
      'outbox_events',
      'consumer_inbox',
      'partner.delivery',
      'partner.delivery_task',
      'partner.event',
      'stripe_events',
      'payment_intent_requests',
      // (privacy_exports is not here: the privacy domain deletes its own receipts on erasure.)
    ];
    const can = async (user: string, table: string, privilege: string) =>
      (await admin.query<{ ok: boolean }>('SELECT has_table_privilege($1, $2, $3) AS ok', [user, table, privilege]))
        .rows[0]!.ok;
    for (const table of expiring) {
      expect(await can(databaseUser('privacy'), table, 'DELETE'), `privacy DELETE ${table}`).toBe(false);
      expect(await can(databaseUser('retention'), table, 'DELETE'), `retention DELETE ${table}`).toBe(true);
      // Nothing else of those tables is the job's to change.
      for (const privilege of ['INSERT', 'UPDATE', 'TRUNCATE'])
        expect(await can(databaseUser('retention'), table, privilege), `retention ${privilege} ${table}`).toBe(false);
      await expect(role('privacy').query(`DELETE FROM ${table} WHERE false`), table).rejects.toMatchObject({
        code: '42501',
      });
    }
    expect(await can(databaseUser('privacy'), 'auth_devices', 'UPDATE')).toBe(false);
    await expect(role('privacy').query('UPDATE auth_devices SET first_ip = NULL WHERE false')).rejects.toMatchObject({
      code: '42501',
    });
    // The job's own statements run as its role (each acting on nothing: the cutoff is the epoch).
    for (const statements of Object.values(retentionStatements))
      for (const statement of statements) {
        const values = statement.includes('$3') ? [new Date(0), 1, new Date(0)] : [new Date(0), 1];
        await role('retention').query(statement, values);
      }
    // The audit log and the ledger stay out of the job's reach.
    for (const table of ['audit_log', 'journal_entries', 'journal_lines'])
      expect(await can(databaseUser('retention'), table, 'DELETE'), table).toBe(false);
  });

  it('grants every table to at least one role on purpose (a new table needs a migration saying who uses it)', async () => {
    const { rows } = await admin.query<{ relname: string }>(
      // Partitions are reached through their parent, whose grants apply (search_rank, 2300).
      `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
          AND NOT relispartition ORDER BY relname`,
    );
    const granted = new Set(
      Object.values(expectedGrants).flatMap((grants) => grants.map((grant) => grant.split(/[(:]/)[0]!)),
    );
    const orphans = rows.map((row) => row.relname).filter((t) => !granted.has(t) && !masterOnlyTables.includes(t));
    expect(orphans).toEqual([]);
  });

  it("refuses another domain's data and the audit log's history", async () => {
    const denied = async (db: Database, sql: string) =>
      expect(db.query(sql), sql).rejects.toMatchObject({ code: '42501' }); // insufficient_privilege
    await denied(role('profiles'), 'SELECT count(*) FROM users');
    await denied(role('media'), 'SELECT count(*) FROM auth_sessions');
    await denied(role('media'), 'SELECT contact_email FROM service_profiles LIMIT 1');
    await denied(role('media'), 'SELECT id, owner_user_id FROM service_profiles LIMIT 1');
    await denied(role('media'), 'SELECT id, owner_user_id FROM studios LIMIT 1');
    await denied(role('media'), `UPDATE service_profiles SET status = 'DRAFT' WHERE false`);
    await denied(role('profiles'), `UPDATE media SET status = 'READY' WHERE false`);
    await denied(role('platform'), 'SELECT count(*) FROM media');
    await denied(role('auth'), 'SELECT count(*) FROM service_profiles');
    await denied(role('auth'), 'SELECT details FROM audit_log LIMIT 1');
    await denied(role('auth'), 'DELETE FROM audit_log WHERE false');
    await denied(
      role('relay'),
      `INSERT INTO outbox_events (id, type, aggregate_type, aggregate_id, payload)
                                 VALUES ('evt_x', 'a.b', 'x', 'x', '{}')`,
    );
    await denied(role('relay'), `UPDATE outbox_events SET payload = '{}' WHERE false`);
    await denied(role('profiles'), 'CREATE TABLE sneaky (id int)');
    // Notifications reads addresses through contact_directory only (3142), never the users table.
    await denied(role('notifications'), 'SELECT email FROM users LIMIT 1');
  });

  it('the notifications role sees the address of an active account, and no other account at all', async () => {
    const ids = { active: newId('user'), deleted: newId('user') };
    await admin.query(`INSERT INTO users (id, email, status) VALUES ($1, $2, 'active')`, [
      ids.active,
      `${ids.active.toLowerCase()}@contact.example`,
    ]);
    // A deleted account keeps its id as a pseudonym; the old grant let this role list it and its status.
    await admin.query(`INSERT INTO users (id, email, status) VALUES ($1, NULL, 'deleted')`, [ids.deleted]);
    const { rows } = await role('notifications').query<{ id: string }>(
      'SELECT id FROM contact_directory WHERE id = ANY($1)',
      [Object.values(ids)],
    );
    expect(rows.map((row) => row.id)).toEqual([ids.active]);
  });

  it("lets the narrow grants do what the code does (media's ownership check through profiles' view, relay claim)", async () => {
    await expect(
      role('media').query(
        'SELECT 1 FROM listing_owners WHERE listing_type = $1 AND listing_id = $2 AND owner_user_id = $3',
        ['PROFILE', 'prf_none', 'usr_none'],
      ),
    ).resolves.toMatchObject({ rowCount: 0 });
    await role('relay').transaction(async (tx) => {
      await tx.query(
        `SELECT id FROM outbox_events WHERE published_at IS NULL AND available_at <= now() LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
    });
  });
});
