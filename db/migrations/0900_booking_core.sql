-- Up Migration
-- Booking (issue #11; NTB-CAL-001…004, NTB-BOOK-001…003, NTB-STUDIO-003): per-resource availability
-- and terms, booking groups (what a client checks out, pays, cancels as one) and their legs (one
-- resource — a service profile or a studio — for one time range), and the transitions that are the
-- order timeline, the idempotency record of every state change, and the audit's subject.
--
-- Double booking is impossible by construction: `booking_legs_no_overlap` excludes two active legs of
-- the same resource whose blocked ranges (the booked time widened by the resource's buffers) overlap.
-- The feasibility engine (lambdas/booking/feasibility.ts) compares exactly the same ranges.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- One row per bookable resource, written by its owner. `availability` is the document validated by
-- lambdas/booking/availability.ts (zone, weekly rules, dated exceptions, blackouts, settings).
CREATE TABLE booking_settings (
  resource_id          text PRIMARY KEY CHECK (resource_id LIKE 'prf\_%' OR resource_id LIKE 'std\_%'),
  resource_type        text NOT NULL CHECK (resource_type IN ('PROFILE', 'STUDIO')),
  owner_user_id        text NOT NULL CHECK (owner_user_id LIKE 'usr\_%'),
  availability         jsonb NOT NULL,
  cancellation_policy  text NOT NULL DEFAULT 'MODERATE' CHECK (cancellation_policy IN ('FLEXIBLE', 'MODERATE', 'STRICT')),
  version              integer NOT NULL DEFAULT 1,
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_settings_owner_idx ON booking_settings (owner_user_id);

CREATE TABLE booking_groups (
  id                   text PRIMARY KEY CHECK (id LIKE 'bkg\_%'),
  client_user_id       text NOT NULL CHECK (client_user_id LIKE 'usr\_%'),
  status               text NOT NULL CHECK (status IN
                         ('REQUESTED', 'HOLD', 'CONFIRMED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED', 'DECLINED', 'EXPIRED', 'DISPUTED')),
  instant_book         boolean NOT NULL,
  starts_at            timestamptz NOT NULL,
  ends_at              timestamptz NOT NULL CHECK (ends_at > starts_at),
  amount_cents         integer NOT NULL CHECK (amount_cents >= 0),
  currency             char(3) NOT NULL,
  cancellation_policy  text NOT NULL CHECK (cancellation_policy IN ('FLEXIBLE', 'MODERATE', 'STRICT')),
  -- REQUESTED: the owners answer by then; HOLD: the payment step completes by then. Past it, expired.
  respond_by           timestamptz,
  hold_expires_at      timestamptz,
  payment_status       text NOT NULL DEFAULT 'NONE' CHECK (payment_status IN
                         ('NONE', 'AUTHORIZED', 'REQUIRES_ACTION', 'DECLINED', 'CAPTURED', 'VOIDED', 'REFUNDED')),
  payment_ref          text,
  refund_cents         integer CHECK (refund_cents >= 0),
  version              integer NOT NULL DEFAULT 1,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_groups_client_idx ON booking_groups (client_user_id, starts_at DESC);
-- The hold sweep: open groups by their deadline.
CREATE INDEX booking_groups_due_idx ON booking_groups ((COALESCE(hold_expires_at, respond_by))) WHERE status IN ('REQUESTED', 'HOLD');

CREATE TABLE booking_legs (
  id              text PRIMARY KEY CHECK (id LIKE 'bkl\_%'),
  group_id        text NOT NULL REFERENCES booking_groups (id),
  resource_type   text NOT NULL CHECK (resource_type IN ('PROFILE', 'STUDIO')),
  resource_id     text NOT NULL,
  owner_user_id   text NOT NULL CHECK (owner_user_id LIKE 'usr\_%'),
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
  -- The booked time widened by the resource's before/after buffers at booking time.
  blocked         tstzrange NOT NULL,
  amount_cents    integer NOT NULL CHECK (amount_cents >= 0),
  accepted        boolean NOT NULL DEFAULT false,
  -- Requested, held, confirmed, in progress, completed, disputed: the time is taken. Declined,
  -- cancelled, expired: it is free again.
  active          boolean NOT NULL DEFAULT true,
  CHECK (blocked @> tstzrange(starts_at, ends_at)),
  CONSTRAINT booking_legs_no_overlap EXCLUDE USING gist (resource_id WITH =, blocked WITH &&) WHERE (active)
);
CREATE INDEX booking_legs_group_idx ON booking_legs (group_id);
CREATE INDEX booking_legs_owner_idx ON booking_legs (owner_user_id, starts_at DESC);

-- Every state change: the order timeline (NTB-BOOK-003) and the idempotency record. A client's
-- replay with the same key finds its row and gets `response` back; a concurrent replay waits on the
-- unique index until the first commits (or rolls back and lets it through).
CREATE TABLE booking_transitions (
  id               bigserial PRIMARY KEY,
  actor            text NOT NULL,
  idempotency_key  text NOT NULL,
  request_hash     text NOT NULL,
  action           text NOT NULL,
  group_id         text REFERENCES booking_groups (id),
  from_status      text,
  to_status        text,
  response         jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (actor, idempotency_key)
);
CREATE INDEX booking_transitions_group_idx ON booking_transitions (group_id, id);

-- ---- role ------------------------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_booking') THEN
    BEGIN
      CREATE ROLE rastup_booking LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- created concurrently by a migration of another database in the same cluster
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_booking;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_booking', current_database());
  GRANT USAGE ON SCHEMA public TO rastup_booking;
END
$$;

GRANT SELECT, INSERT, UPDATE ON booking_settings, booking_groups, booking_legs, booking_transitions TO rastup_booking;
GRANT USAGE ON SEQUENCE booking_transitions_id_seq TO rastup_booking;
GRANT INSERT ON outbox_events TO rastup_booking;
GRANT INSERT ON audit_log TO rastup_booking;
GRANT SELECT (seq, hash) ON audit_log TO rastup_booking;
-- Cross-domain reads through profiles' listing directory (lambdas/profiles/listing-directory.ts,
-- exported from lambdas/profiles/index.ts): who owns a listing, whether it is bookable, Instant Book,
-- its rate and currency, and its city's time zone. Only these columns.
GRANT SELECT (id, owner_user_id, status, owner_status, instant_book, city_code, price_min_cents, currency)
  ON service_profiles TO rastup_booking;
GRANT SELECT (id, owner_user_id, status, owner_status, instant_book, city_code, hourly_min_cents, currency)
  ON studios TO rastup_booking;
GRANT SELECT (code, timezone) ON cities TO rastup_booking;

-- Down Migration
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_booking') THEN
    EXECUTE 'DROP OWNED BY rastup_booking';
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM rastup_booking', current_database());
  END IF;
END
$$;
DROP TABLE booking_transitions;
DROP TABLE booking_legs;
DROP TABLE booking_groups;
DROP TABLE booking_settings;
