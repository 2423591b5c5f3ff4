-- Up Migration
-- A renewal Stripe refuses for a reason other than authentication or a decline (expired card, card or
-- customer gone, processing error) is closed as action_required with `card_unusable`, not left
-- `requested` for every later capture, void and sweep to replay the same refusal.
ALTER TABLE payment_reauthorizations DROP CONSTRAINT payment_reauthorizations_failure_reason_check;
ALTER TABLE payment_reauthorizations ADD CONSTRAINT payment_reauthorizations_failure_reason_check
  CHECK (failure_reason IN ('authentication_required', 'card_declined', 'no_saved_card', 'card_unusable'));

-- Down Migration
UPDATE payment_reauthorizations SET failure_reason = 'card_declined' WHERE failure_reason = 'card_unusable';
ALTER TABLE payment_reauthorizations DROP CONSTRAINT payment_reauthorizations_failure_reason_check;
ALTER TABLE payment_reauthorizations ADD CONSTRAINT payment_reauthorizations_failure_reason_check
  CHECK (failure_reason IN ('authentication_required', 'card_declined', 'no_saved_card'));
