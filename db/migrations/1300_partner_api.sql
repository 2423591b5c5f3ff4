-- Up Migration
-- Partner API registry and webhooks (seed 000 §1.27.7, NTB-API-001), in the `partner` schema the seed
-- names. Partner clients authenticate with OAuth 2.0 client credentials (secret stored as a SHA-256
-- hash: it is 256 random bits, so a slow hash buys nothing); webhook endpoints keep their signing
-- secret (it must be used to sign) and, during a rotation, the previous one until it expires.
CREATE SCHEMA IF NOT EXISTS partner;

CREATE TABLE partner.client (
  client_id              text PRIMARY KEY CHECK (client_id LIKE 'prt\_%'),
  name                   text NOT NULL,
  -- DPA contact (§1.27.9 "partner registry tracks processor status and contact"); never in an answer.
  contact_email          text NOT NULL,
  processor_status       text NOT NULL DEFAULT 'pending' CHECK (processor_status IN ('pending', 'signed')),
  status                 text NOT NULL CHECK (status IN ('active', 'suspended')),
  scopes                 text[] NOT NULL,
  secret_hash            text NOT NULL,
  -- Tokens issued before this instant are refused (secret rotation, revocation).
  tokens_valid_after     timestamptz NOT NULL DEFAULT '-infinity',
  requests_per_minute    integer NOT NULL DEFAULT 600 CHECK (requests_per_minute > 0),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partner.webhook_endpoint (
  endpoint_id                 text PRIMARY KEY CHECK (endpoint_id LIKE 'whk\_%'),
  client_id                   text NOT NULL REFERENCES partner.client (client_id),
  url                         text NOT NULL,
  secret                      text NOT NULL, -- HMAC secret (whsec_…, Standard Webhooks)
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  version                     text NOT NULL DEFAULT '1',
  event_types                 text[] NOT NULL,
  status                      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'deleted')),
  disabled_reason             text,
  consecutive_failures        integer NOT NULL DEFAULT 0,
  failing_since               timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX webhook_endpoint_client_url_idx ON partner.webhook_endpoint (client_id, url) WHERE status <> 'deleted';

-- Catalog events partners may receive, kept for fan-out and for the replayer (date, type, aggregate).
CREATE TABLE partner.event (
  event_id        text PRIMARY KEY,
  type            text NOT NULL,
  version         smallint NOT NULL,
  aggregate_type  text NOT NULL,
  aggregate_id    text NOT NULL,
  occurred_at     timestamptz NOT NULL,
  payload         jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_event_occurred_idx ON partner.event (occurred_at);
CREATE INDEX partner_event_aggregate_idx ON partner.event (aggregate_id, occurred_at);

-- One message to one endpoint, retried until delivered or dead (the webhook DLQ: state 'dead').
CREATE TABLE partner.delivery_task (
  task_id          bigserial PRIMARY KEY,
  message_id       text NOT NULL UNIQUE, -- the `webhook-id` header: the same on every retry
  endpoint_id      text NOT NULL REFERENCES partner.webhook_endpoint (endpoint_id),
  event_id         text NOT NULL REFERENCES partner.event (event_id),
  replay           boolean NOT NULL DEFAULT false,
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
-- A redelivered event (SQS at-least-once) fans out once; replays are new messages on purpose.
CREATE UNIQUE INDEX delivery_task_once_idx ON partner.delivery_task (endpoint_id, event_id) WHERE NOT replay;
CREATE INDEX delivery_task_due_idx ON partner.delivery_task (next_attempt_at) WHERE state = 'pending';

-- The delivery log (§1.27.7 partner.delivery): one row per attempt.
CREATE TABLE partner.delivery (
  delivery_id    bigserial PRIMARY KEY,
  endpoint_id    text NOT NULL REFERENCES partner.webhook_endpoint (endpoint_id),
  event_id       text NOT NULL,
  task_id        bigint NOT NULL REFERENCES partner.delivery_task (task_id),
  attempt        integer NOT NULL DEFAULT 1,
  status         text NOT NULL CHECK (status IN ('delivered', 'failed', 'pending')),
  response_code  integer,
  response_ms    integer,
  error          text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_endpoint_created_idx ON partner.delivery (endpoint_id, created_at);

-- ---- the partner role ------------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_partner') THEN
    BEGIN
      CREATE ROLE rastup_partner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL;
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_partner;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_partner', current_database());
END
$$;
GRANT USAGE ON SCHEMA public, partner TO rastup_partner;
GRANT SELECT, INSERT, UPDATE ON partner.client, partner.webhook_endpoint, partner.delivery_task TO rastup_partner;
GRANT SELECT, INSERT ON partner.event, partner.delivery TO rastup_partner;
GRANT USAGE ON SEQUENCE partner.delivery_task_task_id_seq, partner.delivery_delivery_id_seq TO rastup_partner;
-- Access tokens are signed with the issuer's keys (auth's SigningKeyStore, exported by lambdas/auth):
-- read, and create the first key when none exists yet (as the discovery function may).
GRANT SELECT, INSERT ON auth_signing_keys TO rastup_partner;
-- Public inventory, read through the query modules profiles and media export (lambdas/*/index.ts).
-- Column grants: contact emails and phones are unreachable to this role by construction (§1.27.9).
GRANT SELECT (id, role, slug, status, display_name, headline, bio, tags, city_code, price_min_cents, price_max_cents,
  currency, languages, instant_book, published_at, updated_at, owner_status) ON service_profiles TO rastup_partner;
GRANT SELECT (id, slug, status, name, description, city_code, amenities, hourly_min_cents, hourly_max_cents,
  deposit_cents, currency, instant_book, published_at, updated_at, owner_status,
  address_line1, address_line2, postal_code) ON studios TO rastup_partner;
GRANT SELECT (id, owner_type, owner_id, status, nsfw_band, public_variants, alt_text, width, height, sort_order,
  is_cover, created_at, updated_at) ON media TO rastup_partner;
GRANT SELECT (code, name, country_code) ON cities TO rastup_partner;

-- Down Migration
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_partner') THEN
    EXECUTE 'DROP OWNED BY rastup_partner';
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM rastup_partner', current_database());
  END IF;
END
$$;
DROP SCHEMA partner CASCADE;
