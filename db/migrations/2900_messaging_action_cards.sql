-- Up Migration
-- Action cards in threads (#13): messaging reads a booking's status and legs through booking's query
-- module (lambdas/booking/thread-cards.query.ts) to compute, at read time, what the viewer may do.
-- Exactly the columns it selects.
GRANT SELECT (id, status, client_user_id) ON booking_groups TO rastup_messaging;
GRANT SELECT (group_id, owner_user_id, accepted) ON booking_legs TO rastup_messaging;

-- Down Migration
REVOKE SELECT (group_id, owner_user_id, accepted) ON booking_legs FROM rastup_messaging;
REVOKE SELECT (id, status, client_user_id) ON booking_groups FROM rastup_messaging;
