-- Up Migration
-- Staff back-office (NTB-ADMIN-001) and notifications (NTB-NOTIF-001…003), issue #16.
--
-- Staff: dual control. A sensitive operation is a proposal one staff member makes and another
-- approves; the proposer can never approve their own (a CHECK backs the service's rule). Role grants
-- approved this way live in staff_role_grants; a grant with an expiry is a just-in-time elevation.
--
-- Notifications: per-user settings (time zone, quiet hours), consent per channel and category,
-- the suppression list (SES bounces and complaints), one delivery row per (dedupe key) so a job
-- retried or run twice never sends twice, and the in-app inbox.

DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['rastup_staff', 'rastup_notifications'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', role_name);
      EXCEPTION WHEN duplicate_object THEN
        NULL; -- created concurrently by a migration of another database in the same cluster
      END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
      EXECUTE format('GRANT rds_iam TO %I', role_name);
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), role_name);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', role_name);
  END LOOP;
END
$$;

-- ---- staff ---------------------------------------------------------------------------------------
CREATE TABLE staff_proposals (
  id             text PRIMARY KEY CHECK (id LIKE 'spr\_%'),
  kind           text NOT NULL CHECK (kind IN ('REFUND', 'ROLE_GRANT')),
  status         text NOT NULL CHECK (status IN ('PROPOSED', 'APPROVED', 'REJECTED')),
  -- Below the threshold a finance member's refund needs no second person.
  dual_control   boolean NOT NULL,
  proposed_by    text NOT NULL,
  decided_by     text,
  reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  decision_note  text CHECK (length(decision_note) <= 500),
  -- REFUND: { paymentGroupId, amountCents, currency }; ROLE_GRANT: { userId, role, durationMinutes }.
  payload        jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  decided_at     timestamptz,
  CHECK (decided_by IS NULL OR decided_by <> proposed_by OR NOT dual_control),
  CHECK ((status = 'PROPOSED') = (decided_at IS NULL))
);
CREATE INDEX staff_proposals_status_idx ON staff_proposals (status, created_at DESC);

CREATE TABLE staff_role_grants (
  id            text PRIMARY KEY CHECK (id LIKE 'sgr\_%'),
  user_id       text NOT NULL,
  role          text NOT NULL CHECK (role IN ('support', 'trust', 'finance', 'admin')),
  proposal_id   text NOT NULL UNIQUE REFERENCES staff_proposals (id),
  granted_at    timestamptz NOT NULL,
  -- NULL: standing grant; otherwise a just-in-time elevation that stops counting at this instant.
  expires_at    timestamptz,
  CHECK (expires_at IS NULL OR expires_at > granted_at)
);
CREATE INDEX staff_role_grants_user_idx ON staff_role_grants (user_id, expires_at);

-- Owned by payments (lambdas/payments/refundable-payments.ts reads it): what can still be refunded.
CREATE VIEW refundable_payments AS
  SELECT a.group_id, a.currency, a.status,
         a.captured_cents - COALESCE((SELECT sum(r.amount_cents) FROM payment_refunds r WHERE r.group_id = a.group_id), 0)
           AS refundable_cents
    FROM payment_authorizations a;

GRANT SELECT, INSERT, UPDATE ON staff_proposals TO rastup_staff;
GRANT SELECT, INSERT ON staff_role_grants TO rastup_staff;
GRANT SELECT ON refundable_payments TO rastup_staff;
GRANT INSERT ON outbox_events TO rastup_staff;
GRANT INSERT ON audit_log TO rastup_staff;
GRANT SELECT (seq, hash) ON audit_log TO rastup_staff;

-- ---- notifications -------------------------------------------------------------------------------
-- One row per account (created by the user.registered consumer, or at the first preferences change):
-- where and when the account may be reached. Quiet hours are local hours in `time_zone`.
CREATE TABLE notification_settings (
  user_id           text PRIMARY KEY CHECK (user_id LIKE 'usr\_%'),
  time_zone         text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
  quiet_start_hour  smallint NOT NULL DEFAULT 21 CHECK (quiet_start_hour BETWEEN 0 AND 23),
  quiet_end_hour    smallint NOT NULL DEFAULT 8 CHECK (quiet_end_hour BETWEEN 0 AND 23),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Consent per channel and category; no row = the category's default (notifications.policy.ts).
CREATE TABLE notification_consents (
  user_id     text NOT NULL REFERENCES notification_settings (user_id) ON DELETE CASCADE,
  channel     text NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'IN_APP')),
  category    text NOT NULL CHECK (category IN ('ACCOUNT', 'BOOKING', 'PAYMENTS', 'MESSAGES', 'MARKETING')),
  allowed     boolean NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, channel, category)
);

-- Addresses we must not send to (SES permanent bounces and complaints, or by hand).
CREATE TABLE notification_suppressions (
  channel     text NOT NULL CHECK (channel IN ('EMAIL', 'SMS')),
  address     text NOT NULL CHECK (address = lower(address) AND length(address) BETWEEN 3 AND 320),
  reason      text NOT NULL CHECK (reason IN ('BOUNCE', 'COMPLAINT', 'MANUAL')),
  source_id   text CHECK (length(source_id) <= 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, address)
);

-- Every send decision, claimed once per dedupe key before sending: a rerun or retry never repeats it.
CREATE TABLE notification_deliveries (
  id          text PRIMARY KEY CHECK (id LIKE 'ntf\_%'),
  user_id     text NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'IN_APP')),
  category    text NOT NULL,
  template    text NOT NULL,
  dedupe_key  text NOT NULL UNIQUE CHECK (length(dedupe_key) <= 300),
  status      text NOT NULL CHECK (status IN ('SENT', 'SUPPRESSED', 'NO_CONSENT', 'NO_ADDRESS')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_deliveries_user_idx ON notification_deliveries (user_id, created_at DESC);

-- The in-app inbox.
CREATE TABLE notification_inbox (
  id          text PRIMARY KEY CHECK (id LIKE 'ntf\_%'),
  user_id     text NOT NULL,
  category    text NOT NULL,
  title       text NOT NULL CHECK (length(title) <= 200),
  body        text NOT NULL CHECK (length(body) <= 2000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX notification_inbox_user_idx ON notification_inbox (user_id, created_at DESC);
CREATE INDEX notification_inbox_unread_idx ON notification_inbox (user_id) WHERE read_at IS NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON notification_settings, notification_consents, notification_inbox TO rastup_notifications;
GRANT SELECT, INSERT, DELETE ON notification_deliveries TO rastup_notifications;
GRANT SELECT, INSERT, UPDATE ON notification_suppressions TO rastup_notifications;
GRANT INSERT ON consumer_inbox TO rastup_notifications;
-- Auth's door (lambdas/auth/contact-directory.ts): the address of an active account, nothing else.
GRANT SELECT (id, email, status) ON users TO rastup_notifications;

-- Down Migration
DROP TABLE notification_inbox;
DROP TABLE notification_deliveries;
DROP TABLE notification_suppressions;
DROP TABLE notification_consents;
DROP TABLE notification_settings;
DROP VIEW refundable_payments;
DROP TABLE staff_role_grants;
DROP TABLE staff_proposals;
DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['rastup_staff', 'rastup_notifications'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
      EXECUTE format('DROP OWNED BY %I', role_name);
      EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), role_name);
    END IF;
  END LOOP;
END
$$;
