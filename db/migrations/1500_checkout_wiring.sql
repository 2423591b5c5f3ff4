-- Up Migration
-- Checkout wiring (issue #12): booking reaches payments through its BookingPaymentsPort, whose Stripe
-- adapter (lambdas/payments, exported from its index.ts) runs inside the booking Lambdas as the
-- booking role; the payments Lambda's `confirmCheckout` reads the booking group it pays for.
--
-- payment_intent_requests: an authorisation is recorded as intended (and committed) before Stripe is
-- called, then Stripe is called with the group's Idempotency-Key outside any transaction, then its
-- answer is recorded in payment_authorizations. A crash in between leaves the request row; the next
-- call repeats the Stripe call with the same key and gets the same PaymentIntent back. `quote` holds
-- the confirmed checkout quote (per-leg subtotal, fee, tax) that completion pays out from.
CREATE TABLE payment_intent_requests (
  group_id        text PRIMARY KEY,
  client_user_id  text NOT NULL,
  amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
  currency        char(3) NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  quote           jsonb,
  created_at      timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON payment_intent_requests TO rastup_payments;
-- confirmCheckout: the group's client, status and legs (lambdas/booking/checkout-groups.ts).
GRANT SELECT (id, client_user_id, status, currency) ON booking_groups TO rastup_payments;
GRANT SELECT (id, group_id, resource_id, active) ON booking_legs TO rastup_payments;

-- The payments adapter inside booking (authorize / capture / void / refund / release), as rastup_booking.
GRANT SELECT, INSERT ON payment_intent_requests TO rastup_booking;
GRANT SELECT, INSERT, UPDATE ON payment_authorizations TO rastup_booking;
GRANT SELECT, INSERT ON payment_refunds, payment_transfers, journal_entries, journal_lines, ledger_accounts
  TO rastup_booking;
GRANT UPDATE (idempotency_key) ON payment_refunds TO rastup_booking;
GRANT SELECT ON payout_accounts TO rastup_booking;

-- Down Migration
REVOKE ALL ON payment_authorizations, payment_refunds, payment_transfers, journal_entries, journal_lines,
  ledger_accounts, payout_accounts FROM rastup_booking;
REVOKE ALL ON booking_groups, booking_legs FROM rastup_payments;
DROP TABLE payment_intent_requests;
