-- Up Migration
-- Accounts and authentication (NTB-AUTH-001 … 010): users, linked social identities, one-time
-- codes, login throttling, TOTP + recovery codes, sessions with rotating refresh tokens, devices,
-- consent records. Secrets are stored only as hashes (passwords: argon2id; codes and tokens:
-- HMAC-SHA256 under a server key) or encrypted (TOTP seeds: AES-256-GCM).

CREATE TABLE users (
  id                 text PRIMARY KEY CHECK (id LIKE 'usr\_%'),
  -- NULL once the account is erased (pseudonymised: the id stays for ledgers and the audit log).
  email              citext UNIQUE,
  email_verified_at  timestamptz,
  password_hash      text,
  password_changed_at timestamptz,
  display_name       text,
  phone              text,
  phone_verified_at  timestamptz,
  roles              text[] NOT NULL DEFAULT ARRAY['client']::text[]
                     CHECK (roles <@ ARRAY['client','provider','host','admin','support','trust','finance']::text[]),
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted')),
  created_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz,
  last_export_at     timestamptz,
  CHECK (status = 'active' OR (email IS NULL AND password_hash IS NULL))
);

-- Google / Apple subjects linked to an account (linked only through a verified email).
CREATE TABLE user_identities (
  provider          text NOT NULL CHECK (provider IN ('google', 'apple')),
  provider_subject  text NOT NULL,
  user_id           text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email             citext,
  private_relay     boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, provider_subject)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

-- One-time codes and links: email verification, password reset, unlock, phone, step-up, MFA
-- login challenges, social sign-in nonces. Single use (consumed_at), short-lived, attempt-capped.
CREATE TABLE auth_codes (
  id           text PRIMARY KEY,
  purpose      text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'unlock', 'verify_phone', 'step_up', 'mfa_challenge', 'oauth_nonce', 'change_email')),
  user_id      text REFERENCES users (id) ON DELETE CASCADE,
  -- What the code is for beyond the user (new email, phone number, challenge amr); never a secret.
  target       text,
  code_hash    text NOT NULL,
  attempts     integer NOT NULL DEFAULT 0,
  expires_at   timestamptz NOT NULL,
  consumed_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_codes_lookup_idx ON auth_codes (purpose, user_id, created_at DESC);
CREATE UNIQUE INDEX auth_codes_hash_idx ON auth_codes (purpose, code_hash) WHERE purpose IN ('unlock', 'mfa_challenge', 'oauth_nonce');

-- Failed sign-ins per login identifier (HMAC of the normalised email), whether or not an account
-- exists: unknown emails lock exactly like known ones, so locking reveals nothing.
CREATE TABLE auth_login_throttle (
  identifier_hash  text PRIMARY KEY,
  failures         integer NOT NULL DEFAULT 0,
  lockout_level    integer NOT NULL DEFAULT 0,
  locked_until     timestamptz,
  last_failure_at  timestamptz
);

CREATE TABLE mfa_totp (
  user_id          text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_enc       bytea NOT NULL,
  confirmed_at     timestamptz,
  -- The last accepted time step: a code is accepted once (RFC 6238 §5.2).
  last_used_step   bigint NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mfa_recovery_codes (
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  text NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE auth_devices (
  id             text PRIMARY KEY CHECK (id LIKE 'dev\_%'),
  user_id        text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash     text NOT NULL UNIQUE,
  user_agent     text,
  first_ip       text,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_devices_user_idx ON auth_devices (user_id);

-- A session is one refresh-token family: every rotation stays in it; reuse revokes all of it.
CREATE TABLE auth_sessions (
  id                   text PRIMARY KEY CHECK (id LIKE 'ses\_%'),
  user_id              text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_id            text REFERENCES auth_devices (id) ON DELETE SET NULL,
  amr                  text[] NOT NULL,
  auth_time            timestamptz NOT NULL,
  step_up_at           timestamptz,
  current_token_hash   text NOT NULL UNIQUE,
  rotated_at           timestamptz NOT NULL DEFAULT now(),
  idle_expires_at      timestamptz NOT NULL,
  absolute_expires_at  timestamptz NOT NULL,
  last_seen_at         timestamptz NOT NULL DEFAULT now(),
  user_agent           text,
  ip                   text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  revoked_at           timestamptz,
  revoke_reason        text
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id, created_at DESC);

-- Refresh tokens a session has rotated away from: presenting one again is reuse.
CREATE TABLE auth_retired_refresh_tokens (
  token_hash  text PRIMARY KEY,
  session_id  text NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
  retired_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consent_records (
  id           bigserial PRIMARY KEY,
  user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('terms', 'privacy', 'marketing')),
  version      text NOT NULL,
  granted      boolean NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  -- Erased with the account (pseudonymised record kept for accountability).
  ip           text,
  user_agent   text
);
CREATE INDEX consent_records_user_idx ON consent_records (user_id, kind, recorded_at DESC);

-- Down Migration
DROP TABLE consent_records;
DROP TABLE auth_retired_refresh_tokens;
DROP TABLE auth_sessions;
DROP TABLE auth_devices;
DROP TABLE mfa_recovery_codes;
DROP TABLE mfa_totp;
DROP TABLE auth_login_throttle;
DROP TABLE auth_codes;
DROP TABLE user_identities;
DROP TABLE users;
