-- Up Migration
-- One PostgreSQL role per domain Lambda (architecture decision 13; lambdas/core/db/database-roles.ts),
-- each granted only what its code touches. The master user runs migrations and nothing else.
--  * AWS: the roles log in through RDS Proxy with IAM tokens (end-to-end IAM: the proxy also reaches
--    Aurora with IAM, so the roles have no password anywhere); `rds_iam` makes Aurora accept that.
--  * Locally: the same roles log in on loopback (trust auth of the embedded cluster), so a grant
--    missing here fails the integration tests, not production.
-- Every later migration that adds a table grants it here-style to the roles that use it; no default
-- privileges, so a new table is reachable by nobody until a migration says who.
-- Roles are cluster-wide (CREATE ROLE is idempotent here); grants belong to this database.

DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['rastup_platform', 'rastup_auth', 'rastup_profiles', 'rastup_media', 'rastup_relay'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', role_name);
      EXCEPTION WHEN duplicate_object THEN
        NULL; -- created concurrently by a migration of another database in the same cluster
      END;
    END IF;
    -- Aurora / RDS only: IAM authentication for this user (the role does not exist elsewhere).
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
      EXECUTE format('GRANT rds_iam TO %I', role_name);
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), role_name);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', role_name);
  END LOOP;
END
$$;

-- Nobody but the owner (the migrator) creates objects in public (PostgreSQL 15+ default; explicit
-- because Aurora clusters upgraded from older majors keep the old default).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- ---- Shared plumbing (lambdas/core/db) ----------------------------------------------------------
-- Outbox: producers insert only; only the relay reads and marks rows.
GRANT INSERT ON outbox_events TO rastup_platform, rastup_auth, rastup_profiles, rastup_media;
GRANT SELECT, UPDATE (published_at, attempts, available_at, last_error) ON outbox_events TO rastup_relay;
-- Audit log: append only. Appending reads the chain head (seq, hash) and nothing else of it; no role
-- may update or delete (the triggers refuse that even to the owner).
GRANT INSERT ON audit_log TO rastup_platform, rastup_auth, rastup_profiles, rastup_media;
GRANT SELECT (seq, hash) ON audit_log TO rastup_platform, rastup_auth, rastup_profiles, rastup_media;
-- Consumers record each event they applied (consumeOnce); today profiles and media consume.
GRANT INSERT ON consumer_inbox TO rastup_profiles, rastup_media;
-- Account-erasure markers written and checked by both consumers of user.deleted (erased-users.ts).
GRANT SELECT, INSERT ON erased_users TO rastup_profiles, rastup_media;

-- ---- platform: cities and per-city feature flags ------------------------------------------------
GRANT SELECT ON cities TO rastup_platform;
GRANT SELECT, INSERT, UPDATE ON feature_flags TO rastup_platform;

-- ---- auth: accounts, codes, MFA, sessions, devices, consents, signing keys -----------------------
GRANT SELECT, INSERT, UPDATE, DELETE ON
  users, user_identities, auth_codes, auth_login_throttle, mfa_totp, mfa_recovery_codes,
  auth_devices, auth_sessions, auth_retired_refresh_tokens, consent_records
  TO rastup_auth;
GRANT USAGE ON SEQUENCE consent_records_id_seq TO rastup_auth;
-- Signing keys are added and read; retired keys stay (they age out of publication by date).
GRANT SELECT, INSERT ON auth_signing_keys TO rastup_auth;

-- ---- profiles: service profiles, studios, verifications, notifications ---------------------------
GRANT SELECT, INSERT, UPDATE ON service_profiles, studios, verifications, notification_preferences TO rastup_profiles;
GRANT SELECT, INSERT, DELETE ON notification_log TO rastup_profiles;
-- Cross-domain reads that exist today (documented in infra/cdk/README.md, "Database roles"):
--  * city names and time zones for pages and nudge quiet hours (platform's table);
GRANT SELECT ON cities TO rastup_profiles;
--  * portfolios, covers and verification documents: profiles' services read media rows through
--    media's repository (listByOwner, listPublic, findOwned). Read only; media writes them.
GRANT SELECT ON media TO rastup_profiles;

-- ---- media: media items and moderation cases ------------------------------------------------------
GRANT SELECT, INSERT, UPDATE, DELETE ON media TO rastup_media;
GRANT SELECT, INSERT, UPDATE ON moderation_cases TO rastup_media;
-- Cross-domain read: whether the uploader owns the listing an upload is for, and that the listing's
-- owner is not erased (media.repository.ts). Only these three columns.
GRANT SELECT (id, owner_user_id, owner_status) ON service_profiles, studios TO rastup_media;

-- Down Migration
DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['rastup_platform', 'rastup_auth', 'rastup_profiles', 'rastup_media', 'rastup_relay'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
      -- Revokes this database's grants; the role itself may still be used by another database.
      EXECUTE format('DROP OWNED BY %I', role_name);
      EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), role_name);
    END IF;
  END LOOP;
END
$$;
