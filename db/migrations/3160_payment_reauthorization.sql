-- Up Migration
-- Re-authorisation of holds whose card authorisation would lapse before capture (issue #12). Stripe keeps
-- a manual-capture card authorisation for 7 days (`payment_method_details.card.capture_before` on the
-- charge), then cancels the PaymentIntent (`cancellation_reason: automatic`). A scheduled job renews a
-- lapsing one off-session with the card saved on the client's customer: a new PaymentIntent, then the old
-- one cancelled. No Stripe call runs inside a transaction: the request (its Idempotency-Key) commits
-- first, like payment_money_requests; the new intent replaces the old one on the group's row in one
-- transaction after Stripe answered; a crash in between is finished with the same key.
ALTER TABLE payment_authorizations
  -- Until when the current PaymentIntent can be captured (Stripe's capture_before), once known.
  ADD COLUMN capture_before       timestamptz,
  -- The client's Stripe customer and the card saved on it (off-session re-authorisation).
  ADD COLUMN stripe_customer_id   text CHECK (stripe_customer_id LIKE 'cus\_%'),
  ADD COLUMN payment_method_id    text CHECK (payment_method_id LIKE 'pm\_%'),
  -- Set (under the group's lock, committed) before a capture or void is asked of Stripe: from then on no
  -- re-authorisation starts, so a capture and a renewal never race over which intent is live.
  ADD COLUMN settle_requested_at  timestamptz;
CREATE INDEX payment_authorizations_lapsing_idx ON payment_authorizations (capture_before)
  WHERE status = 'authorized' AND settle_requested_at IS NULL;
CREATE INDEX payment_authorizations_customer_idx ON payment_authorizations (client_user_id)
  WHERE stripe_customer_id IS NOT NULL;

CREATE TABLE payment_reauthorizations (
  -- Stripe's Idempotency-Key of the new PaymentIntent, committed before the call.
  idempotency_key     text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 300),
  group_id            text NOT NULL REFERENCES payment_authorizations (group_id),
  -- The intent being replaced, and its replacement once Stripe answered (old ↔ new linked here and in
  -- the new intent's metadata `replaces_payment_intent`).
  replaces_intent_id  text NOT NULL CHECK (replaces_intent_id LIKE 'pi\_%'),
  new_intent_id       text CHECK (new_intent_id LIKE 'pi\_%'),
  -- requested: committed, Stripe not answered yet; replaced: the new intent is the group's and the old one
  -- cancelled; action_required: the card needs its holder (failure_reason); superseded: the group was
  -- captured, voided or lapsed meanwhile, so the new intent was cancelled.
  state               text NOT NULL DEFAULT 'requested'
    CHECK (state IN ('requested', 'replaced', 'action_required', 'superseded')),
  failure_reason      text CHECK (failure_reason IN ('authentication_required', 'card_declined', 'no_saved_card')),
  requested_at        timestamptz NOT NULL DEFAULT now(),
  completed_at        timestamptz,
  UNIQUE (group_id, replaces_intent_id),
  CHECK ((state = 'action_required') = (failure_reason IS NOT NULL)),
  CHECK ((state = 'requested') = (completed_at IS NULL))
);
CREATE INDEX payment_reauthorizations_open_idx ON payment_reauthorizations (requested_at) WHERE state = 'requested';

-- The ledger shows a renewal as a memorandum entry: the card hold moves from the old intent to the new
-- (`card_authorization:<pi>` accounts, off the balance sheet: no money moves until capture).
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN (
  'stripe_balance', 'client_funds_held', 'platform_fee', 'tax_payable', 'provider_payable', 'card_authorization'));
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_check CHECK (kind IN (
  'capture', 'refund', 'release', 'transfer', 'transfer_reversal', 'reauthorization'));

-- Booking's Lambda runs payments' capture and void in process (as for payment_money_requests): a capture
-- or void that finds a renewal under way finishes it first.
GRANT SELECT, INSERT, UPDATE ON payment_reauthorizations TO rastup_payments, rastup_booking;

-- Down Migration
DELETE FROM journal_lines WHERE entry_id IN (SELECT id FROM journal_entries WHERE kind = 'reauthorization');
DELETE FROM journal_entries WHERE kind = 'reauthorization';
DELETE FROM ledger_accounts WHERE kind = 'card_authorization';
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_check CHECK (kind IN (
  'capture', 'refund', 'release', 'transfer', 'transfer_reversal'));
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN (
  'stripe_balance', 'client_funds_held', 'platform_fee', 'tax_payable', 'provider_payable'));
DROP TABLE payment_reauthorizations;
DROP INDEX payment_authorizations_customer_idx;
DROP INDEX payment_authorizations_lapsing_idx;
ALTER TABLE payment_authorizations
  DROP COLUMN settle_requested_at,
  DROP COLUMN payment_method_id,
  DROP COLUMN stripe_customer_id,
  DROP COLUMN capture_before;
