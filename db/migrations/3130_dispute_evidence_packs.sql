-- Up Migration
-- Chargeback evidence packs (NTB-PAY-003, issue #12). On a dispute the payments domain assembles a
-- pack (order timeline, the cancellation policy the client accepted at confirmCheckout, the legs and
-- amounts, an excerpt of the booking's message thread), stores it as version 1, lets finance staff
-- edit it (each edit a new version) and approve one version, and submits it to Stripe's disputes API
-- before `evidence_details.due_by`. Submission follows the no-Stripe-call-in-a-transaction rule: the
-- claim (state SUBMITTING, the version and the Idempotency-Key) commits before the call; the outcome
-- is recorded after; a claim left by a crash is resumed with the same key by the scheduled job.
ALTER TABLE payment_disputes
  ADD COLUMN pack_state        text NOT NULL DEFAULT 'NONE'
    CHECK (pack_state IN ('NONE', 'DRAFT', 'APPROVED', 'SUBMITTING', 'SUBMITTED', 'REFUSED')),
  ADD COLUMN pack_version      integer CHECK (pack_version >= 1),
  ADD COLUMN approved_version  integer CHECK (approved_version >= 1),
  ADD COLUMN approved_by       text,
  ADD COLUMN approved_at       timestamptz,
  ADD COLUMN submit_version    integer CHECK (submit_version >= 1),
  ADD COLUMN submit_key        text CHECK (length(submit_key) BETWEEN 1 AND 300),
  -- true when the pack went unreviewed and the job submitted it the configured margin before the deadline.
  ADD COLUMN submit_auto       boolean,
  ADD COLUMN submit_started_at timestamptz,
  ADD COLUMN submitted_at      timestamptz,
  -- Stripe's refusal (past due, no longer open), kept for the finance queue.
  ADD COLUMN submit_refusal    text,
  ADD CONSTRAINT payment_disputes_pack_consistent CHECK (
    (pack_state = 'NONE') = (pack_version IS NULL)
    AND (pack_state NOT IN ('SUBMITTING', 'SUBMITTED', 'REFUSED')
         OR (submit_version IS NOT NULL AND submit_key IS NOT NULL AND submit_started_at IS NOT NULL))
    AND (pack_state <> 'APPROVED' OR approved_version IS NOT NULL));
-- The scheduled job's work list: packs to assemble, approved or due packs to submit.
CREATE INDEX payment_disputes_pack_work_idx ON payment_disputes (evidence_due_by)
  WHERE pack_state IN ('NONE', 'DRAFT', 'APPROVED', 'SUBMITTING');

-- Every version of a pack, append-only: what the system assembled (version 1) and each staff edit.
CREATE TABLE payment_dispute_evidence (
  dispute_id  text NOT NULL REFERENCES payment_disputes (id),
  version     integer NOT NULL CHECK (version >= 1),
  -- Stripe's text evidence fields (evidence[product_description], …), exactly what is submitted.
  evidence    jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'object'),
  -- 'system' for the assembled pack, else the staff member's user id.
  author      text NOT NULL,
  note        text CHECK (length(note) <= 2000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dispute_id, version)
);

GRANT SELECT, INSERT ON payment_dispute_evidence TO rastup_payments;
-- Assembling a pack reads the booking through lambdas/booking/dispute-evidence.query.ts: these columns only.
GRANT SELECT (starts_at, ends_at, amount_cents, cancellation_policy, created_at) ON booking_groups TO rastup_payments;
GRANT SELECT (resource_type, starts_at, ends_at, amount_cents, owner_user_id) ON booking_legs TO rastup_payments;
GRANT SELECT (id, actor, action, group_id, from_status, to_status, created_at) ON booking_transitions TO rastup_payments;

-- Down Migration
REVOKE SELECT (id, actor, action, group_id, from_status, to_status, created_at) ON booking_transitions FROM rastup_payments;
REVOKE SELECT (resource_type, starts_at, ends_at, amount_cents, owner_user_id) ON booking_legs FROM rastup_payments;
REVOKE SELECT (starts_at, ends_at, amount_cents, cancellation_policy, created_at) ON booking_groups FROM rastup_payments;
DROP TABLE payment_dispute_evidence;
DROP INDEX payment_disputes_pack_work_idx;
ALTER TABLE payment_disputes
  DROP CONSTRAINT payment_disputes_pack_consistent,
  DROP COLUMN pack_state, DROP COLUMN pack_version, DROP COLUMN approved_version, DROP COLUMN approved_by,
  DROP COLUMN approved_at, DROP COLUMN submit_version, DROP COLUMN submit_key, DROP COLUMN submit_auto,
  DROP COLUMN submit_started_at, DROP COLUMN submitted_at, DROP COLUMN submit_refusal;
