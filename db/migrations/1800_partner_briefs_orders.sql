-- Up Migration
-- Partner API, second part (issue #15; seed 000 §1.27): briefs (a partner client's request for a
-- shoot), invites of providers to a brief, and the reads of orders and payouts.
--
-- A partner client may act for one RastUp account (`account_user_id`): the booking groups that
-- account created as client are the partner's orders, the transfers paid to it are its payouts.
-- A client without one has no orders or payouts (404 / empty page), never someone else's.
ALTER TABLE partner.client
  ADD COLUMN account_user_id text CHECK (account_user_id LIKE 'usr\_%');

CREATE TABLE partner.brief (
  brief_id          text PRIMARY KEY CHECK (brief_id LIKE 'brf\_%'),
  client_id         text NOT NULL REFERENCES partner.client (client_id),
  role              text NOT NULL CHECK (role IN ('MODEL', 'PHOTOGRAPHER', 'VIDEOGRAPHER', 'CONTENT_CREATOR')),
  city_code         text NOT NULL,
  date_from         date NOT NULL,
  date_to           date NOT NULL,
  budget_min_cents  integer NOT NULL CHECK (budget_min_cents >= 0),
  budget_max_cents  integer NOT NULL,
  currency          char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  description       text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (date_to >= date_from),
  CHECK (budget_max_cents >= budget_min_cents)
);
CREATE INDEX partner_brief_client_idx ON partner.brief (client_id, brief_id);

CREATE TABLE partner.invite (
  invite_id    text PRIMARY KEY CHECK (invite_id LIKE 'inv\_%'),
  brief_id     text NOT NULL REFERENCES partner.brief (brief_id),
  client_id    text NOT NULL REFERENCES partner.client (client_id),
  profile_id   text NOT NULL CHECK (profile_id LIKE 'prf\_%'),
  message      text CHECK (length(message) <= 2000),
  status       text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'accepted', 'declined')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- One invite per provider and brief, however many concurrent requests.
  UNIQUE (brief_id, profile_id)
);

GRANT SELECT, INSERT ON partner.brief, partner.invite TO rastup_partner;

-- Compat payloads (§1.27.6): an event whose type has an older version is also kept as that version
-- (the catalog's downgrade, projected like the current one), for endpoints registered on it.
ALTER TABLE partner.event
  ADD COLUMN previous_version smallint,
  ADD COLUMN previous_payload jsonb,
  ADD CONSTRAINT partner_event_previous_pair CHECK ((previous_version IS NULL) = (previous_payload IS NULL));
-- Orders, read through booking's query module (lambdas/booking/partner-orders.query.ts): the
-- columns it selects, nothing else (no transition log, no payment references).
GRANT SELECT (id, client_user_id, status, instant_book, starts_at, ends_at, amount_cents, currency, cancellation_policy,
  payment_status, created_at, updated_at) ON booking_groups TO rastup_partner;
GRANT SELECT (id, group_id, resource_type, resource_id, starts_at, ends_at, amount_cents, accepted) ON booking_legs
  TO rastup_partner;
-- Payouts, read through payments' query module (lambdas/payments/partner-payouts.query.ts).
GRANT SELECT (id, group_id, leg_id, payee_user_id, amount_cents, reversed_cents, created_at) ON payment_transfers
  TO rastup_partner;
GRANT SELECT (group_id, currency) ON payment_authorizations TO rastup_partner;

-- Down Migration
REVOKE SELECT (group_id, currency) ON payment_authorizations FROM rastup_partner;
REVOKE SELECT (id, group_id, leg_id, payee_user_id, amount_cents, reversed_cents, created_at) ON payment_transfers
  FROM rastup_partner;
REVOKE SELECT (id, group_id, resource_type, resource_id, starts_at, ends_at, amount_cents, accepted) ON booking_legs
  FROM rastup_partner;
REVOKE SELECT (id, client_user_id, status, instant_book, starts_at, ends_at, amount_cents, currency, cancellation_policy,
  payment_status, created_at, updated_at) ON booking_groups FROM rastup_partner;
ALTER TABLE partner.event DROP CONSTRAINT partner_event_previous_pair, DROP COLUMN previous_payload,
  DROP COLUMN previous_version;
DROP TABLE partner.invite;
DROP TABLE partner.brief;
ALTER TABLE partner.client DROP COLUMN account_user_id;
