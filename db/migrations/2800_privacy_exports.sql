-- Up Migration
-- DSAR export across every domain (issue #16, NTB-EXPORT-001). The privacy domain gathers each owning
-- domain's part through that domain's public module (lambdas/<domain>/*-export.query.ts) and logs in
-- as its own role, which may read exactly the columns those queries name: never secrets or hashes
-- (passwords, TOTP secrets, token hashes, Stripe client secrets, webhook secrets, unsubscribe tokens).

-- Receipts of exports: one row per request (the per-day limit counts attempts), completed with the
-- bundle's key and SHA-256. Rows of a deleted account are deleted by privacy-user-deleted with its bundles.
CREATE TABLE privacy_exports (
  id            text PRIMARY KEY CHECK (id LIKE 'dsx\_%'),
  user_id       text NOT NULL CHECK (user_id LIKE 'usr\_%'),
  status        text NOT NULL CHECK (status IN ('BUILDING', 'READY', 'FAILED')),
  object_key    text,
  sha256        text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes    integer CHECK (size_bytes >= 0),
  sections      text[],
  created_at    timestamptz NOT NULL,
  completed_at  timestamptz,
  CHECK (status <> 'READY' OR (object_key IS NOT NULL AND sha256 IS NOT NULL AND size_bytes IS NOT NULL))
);
CREATE INDEX privacy_exports_user_idx ON privacy_exports (user_id, created_at DESC);

-- ---- role ------------------------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_privacy') THEN
    BEGIN
      CREATE ROLE rastup_privacy LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- created concurrently by a migration of another database in the same cluster
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_privacy;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_privacy', current_database());
  GRANT USAGE ON SCHEMA public TO rastup_privacy;
  GRANT USAGE ON SCHEMA partner TO rastup_privacy;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON privacy_exports TO rastup_privacy;
GRANT INSERT ON audit_log TO rastup_privacy;
GRANT SELECT (seq, hash) ON audit_log TO rastup_privacy;
GRANT INSERT ON consumer_inbox TO rastup_privacy;
-- The erasure marker: a deleted account's still-valid token exports nothing.
GRANT SELECT, INSERT ON erased_users TO rastup_privacy;

-- auth (account-export.query.ts); a full export satisfies the deletion gate (last_export_at).
GRANT SELECT (id, email, email_verified_at, display_name, phone, phone_verified_at, roles, status, created_at,
  password_changed_at) ON users TO rastup_privacy;
GRANT UPDATE (last_export_at) ON users TO rastup_privacy;
GRANT SELECT (user_id, provider, email, private_relay, created_at) ON user_identities TO rastup_privacy;
GRANT SELECT (user_id, kind, version, granted, recorded_at, ip, user_agent) ON consent_records TO rastup_privacy;
GRANT SELECT (user_id, id, device_id, amr, auth_time, created_at, last_seen_at, ip, user_agent, revoked_at,
  revoke_reason) ON auth_sessions TO rastup_privacy;
GRANT SELECT (user_id, id, user_agent, first_ip, first_seen_at, last_seen_at) ON auth_devices TO rastup_privacy;
GRANT SELECT (user_id, confirmed_at, created_at) ON mfa_totp TO rastup_privacy;
-- profiles
GRANT SELECT ON service_profiles, studios, verifications, notification_log TO rastup_privacy;
GRANT SELECT (user_id, nudges_enabled, digest_enabled, quiet_start_hour, quiet_end_hour, updated_at)
  ON notification_preferences TO rastup_privacy;
-- media
GRANT SELECT ON media TO rastup_privacy;
-- booking
GRANT SELECT ON booking_settings, booking_groups, booking_legs, booking_calendar_feeds TO rastup_privacy;
GRANT SELECT (id, actor, action, group_id, from_status, to_status, created_at) ON booking_transitions TO rastup_privacy;
GRANT SELECT (owner_user_id, resource_id, created_at, revoked_at) ON booking_calendar_exports TO rastup_privacy;
-- payments
GRANT SELECT (client_user_id, group_id, amount_cents, currency, payment_intent_id, charge_id, status, captured_cents,
  refunded_cents, void_reason, created_at, updated_at) ON payment_authorizations TO rastup_privacy;
GRANT SELECT ON payment_transfers, payout_accounts, payment_intent_requests TO rastup_privacy;
-- reviews
GRANT SELECT ON review_windows, reviews, review_reports TO rastup_privacy;
-- notifications
GRANT SELECT ON notification_settings, notification_consents, notification_inbox, notification_deliveries
  TO rastup_privacy;
-- staff
GRANT SELECT ON staff_role_grants, staff_proposals TO rastup_privacy;
-- partner
GRANT SELECT (client_id, name, status, scopes, created_at, account_user_id) ON partner.client TO rastup_privacy;
GRANT SELECT (endpoint_id, client_id) ON partner.webhook_endpoint TO rastup_privacy;
GRANT SELECT (event_id, type, version, aggregate_id, occurred_at, payload) ON partner.event TO rastup_privacy;
-- Which listings are the account's (profiles' migrator-owned view, as partner's erasure reads it).
GRANT SELECT ON listing_owners_all TO rastup_privacy;
GRANT SELECT (event_id, endpoint_id, state, attempts, replay, created_at) ON partner.delivery_task TO rastup_privacy;

-- Down Migration
REVOKE ALL ON ALL TABLES IN SCHEMA partner FROM rastup_privacy;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM rastup_privacy;
REVOKE USAGE ON SCHEMA partner FROM rastup_privacy;
REVOKE USAGE ON SCHEMA public FROM rastup_privacy;
DROP TABLE privacy_exports;
