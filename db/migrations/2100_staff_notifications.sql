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

-- Down Migration
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
