-- Up Migration
-- Foundation: transactional outbox, consumer inbox, hash-chained audit log, cities and flags.

CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Events commit with the state change that caused them; the relay publishes them later.
CREATE TABLE outbox_events (
  id              text PRIMARY KEY CHECK (id LIKE 'evt\_%'),
  type            text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  aggregate_type  text NOT NULL,
  aggregate_id    text NOT NULL,
  payload         jsonb NOT NULL,
  correlation_id  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  available_at    timestamptz NOT NULL DEFAULT now(),
  published_at    timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text
);
-- The relay's hot query: unpublished rows in order. Partial, so it stays small.
CREATE INDEX outbox_events_pending_idx ON outbox_events (created_at, id) WHERE published_at IS NULL;

-- Consumers record each event they applied, in the same transaction as the effect.
CREATE TABLE consumer_inbox (
  consumer     text NOT NULL,
  event_id     text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Append-only audit trail; each row's hash covers the previous row's hash and its own content.
CREATE TABLE audit_log (
  seq          bigint PRIMARY KEY,
  occurred_at  timestamptz NOT NULL,
  actor        text NOT NULL,
  action       text NOT NULL,
  subject      text,
  details      jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash    char(64) NOT NULL,
  hash         char(64) NOT NULL UNIQUE
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, seq);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- The product ships city by city.
CREATE TABLE cities (
  code          text PRIMARY KEY CHECK (code ~ '^[a-z]{2}-[a-z0-9-]{2,30}$'),
  name          text NOT NULL,
  country_code  char(2) NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
  timezone      text NOT NULL,
  status        text NOT NULL CHECK (status IN ('PLANNED', 'BETA', 'LIVE', 'PAUSED')),
  launched_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (status = 'PLANNED' OR launched_at IS NOT NULL)
);

CREATE TABLE feature_flags (
  city_code    text NOT NULL REFERENCES cities (code) ON DELETE CASCADE,
  flag_key     text NOT NULL CHECK (flag_key ~ '^[a-z][a-z0-9_.]{1,63}$'),
  enabled      boolean NOT NULL DEFAULT false,
  description  text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_code, flag_key)
);

-- Down Migration
DROP TABLE feature_flags;
DROP TABLE cities;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_no_update ON audit_log;
DROP TABLE audit_log;
DROP FUNCTION audit_log_is_append_only();
DROP TABLE consumer_inbox;
DROP TABLE outbox_events;
