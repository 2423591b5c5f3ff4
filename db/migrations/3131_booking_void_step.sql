-- Up Migration
-- No Stripe call inside a database transaction (issue #12), for voids too: declining a held booking,
-- cancelling one before capture and a hold's expiry used to cancel the PaymentIntent with the group's
-- row locked. Now the VOID step is recorded (and committed) like CAPTURE / REFUND / RELEASE, Stripe is
-- called after, and the outcome closes the booking in a second transaction; a crash in between is
-- finished by the booking sweep with the same key. The reason says which closing it was for.
ALTER TABLE booking_groups DROP CONSTRAINT booking_groups_payment_pending_check;
ALTER TABLE booking_groups
  ADD CONSTRAINT booking_groups_payment_pending_check CHECK (payment_pending IN ('CAPTURE', 'REFUND', 'RELEASE', 'VOID')),
  ADD COLUMN payment_pending_reason text CHECK (payment_pending_reason IN ('expired', 'declined', 'cancelled')),
  ADD CONSTRAINT booking_groups_payment_pending_reason CHECK ((payment_pending = 'VOID') = (payment_pending_reason IS NOT NULL));

-- Down Migration
ALTER TABLE booking_groups DROP CONSTRAINT booking_groups_payment_pending_reason, DROP COLUMN payment_pending_reason;
ALTER TABLE booking_groups DROP CONSTRAINT booking_groups_payment_pending_check;
ALTER TABLE booking_groups
  ADD CONSTRAINT booking_groups_payment_pending_check CHECK (payment_pending IN ('CAPTURE', 'REFUND', 'RELEASE'));
