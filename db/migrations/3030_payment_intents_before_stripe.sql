-- Up Migration
-- No database transaction across a Stripe call (issue #12): a booking transition that moves money
-- (CONFIRM → capture, CANCEL after capture → refund, COMPLETE → transfers, and the capture an
-- all-accepted hold makes) first records the step it is about to take and the Stripe Idempotency-Key
-- it will use, commits, calls Stripe outside any transaction, then records the outcome in a second
-- short transaction that clears the marker. A crash in between leaves the marker: the next attempt
-- (any caller) or the booking sweep repeats the Stripe call with the stored key, which Stripe answers
-- from its first execution, so nothing is captured, refunded or transferred twice.
ALTER TABLE booking_groups
  ADD COLUMN payment_pending       text CHECK (payment_pending IN ('CAPTURE', 'REFUND', 'RELEASE')),
  ADD COLUMN payment_pending_key   text CHECK (length(payment_pending_key) BETWEEN 1 AND 200),
  -- REFUND: the amount the cancellation kernel decided when the intent was recorded (it depends on the time).
  ADD COLUMN payment_pending_cents integer CHECK (payment_pending_cents >= 0),
  -- Who asked: CLIENT / OWNER, so a finished step is credited to them on the timeline.
  ADD COLUMN payment_pending_party text CHECK (payment_pending_party IN ('CLIENT', 'OWNER')),
  ADD COLUMN payment_pending_since timestamptz,
  ADD CONSTRAINT booking_groups_payment_pending_complete CHECK (
    (payment_pending IS NULL) = (payment_pending_key IS NULL)
    AND (payment_pending IS NULL) = (payment_pending_since IS NULL));
-- The sweep finds stale markers without scanning every group.
CREATE INDEX booking_groups_payment_pending_idx ON booking_groups (payment_pending_since) WHERE payment_pending IS NOT NULL;

-- Payments' own two-step writes: a refund, a leg's transfer or a transfer reversal (a chargeback
-- taking back what was paid out) is recorded as requested (amount and key, which also reserves the
-- amount against the group's remaining funds) and committed before Stripe is called; the Stripe
-- object's id is filled in by the second transaction ('refused' when Stripe refused: nothing moved).
CREATE TABLE payment_money_requests (
  idempotency_key  text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 300),
  group_id         text NOT NULL REFERENCES payment_authorizations (group_id),
  kind             text NOT NULL CHECK (kind IN ('refund', 'transfer', 'reversal')),
  amount_cents     bigint NOT NULL CHECK (amount_cents > 0),
  -- transfer: the leg, payee and split (fee, tax) the second step records in the ledger;
  -- reversal: the transfer, its payee and the dispute that asked for it.
  details          jsonb NOT NULL DEFAULT '{}',
  stripe_object_id text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz
);
CREATE INDEX payment_money_requests_open_idx ON payment_money_requests (created_at) WHERE completed_at IS NULL;
CREATE INDEX payment_money_requests_group_idx ON payment_money_requests (group_id);

GRANT SELECT, INSERT, UPDATE ON payment_money_requests TO rastup_payments, rastup_booking;
-- Chargebacks: the webhook records payment.dispute.changed with the dispute (booking's timeline shows it).
GRANT INSERT ON outbox_events TO rastup_payments;
-- The booking-side adapter refuses payouts while a dispute is open (transferLeg).
GRANT SELECT ON payment_disputes TO rastup_booking;

-- Down Migration
REVOKE SELECT ON payment_disputes FROM rastup_booking;
REVOKE INSERT ON outbox_events FROM rastup_payments;
DROP TABLE payment_money_requests;
DROP INDEX booking_groups_payment_pending_idx;
ALTER TABLE booking_groups
  DROP CONSTRAINT booking_groups_payment_pending_complete,
  DROP COLUMN payment_pending,
  DROP COLUMN payment_pending_key,
  DROP COLUMN payment_pending_cents,
  DROP COLUMN payment_pending_party,
  DROP COLUMN payment_pending_since;
