-- Up Migration
-- Payout onboarding asks Stripe for the Express account with no transaction held, keyed by the user.
-- Stripe forgets an Idempotency-Key after 24 hours, so a retry after a crash between Stripe's answer and
-- the payout_accounts insert could create a second account. The request is recorded first: when a
-- later onboarding finds it already recorded, it looks the account up at Stripe (listed from the request
-- time, matched on metadata.user_id) before creating one.
CREATE TABLE payout_account_requests (
  user_id       text PRIMARY KEY,
  requested_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON payout_account_requests TO rastup_payments;

-- Down Migration
DROP TABLE payout_account_requests;
