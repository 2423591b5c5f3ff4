-- Up Migration
-- Messaging consumes booking.confirmed (consumer `messaging-bookings`): its effect runs once per
-- event through the consumer inbox (consumeOnce), so the messaging role may record deliveries there.
GRANT INSERT ON consumer_inbox TO rastup_messaging;

-- Down Migration
REVOKE INSERT ON consumer_inbox FROM rastup_messaging;
