-- Up Migration
-- Retention of four more data classes (issue 17, lambdas/privacy/retention-policy.ts): partner catalog
-- events no delivery task refers to, Stripe webhook payloads, payment intent requests of groups never
-- authorised, and finished DSAR export receipts. The job's role gets exactly the DELETEs its
-- statements run (lambdas/privacy/retention.repository.ts) and SELECT on the columns they read.
GRANT SELECT (event_id, received_at), DELETE ON partner.event TO rastup_retention;
GRANT SELECT (event_id) ON partner.delivery_task TO rastup_retention;
GRANT SELECT (id, received_at), DELETE ON stripe_events TO rastup_retention;
GRANT SELECT (group_id, created_at), DELETE ON payment_intent_requests TO rastup_retention;
GRANT SELECT (group_id) ON payment_authorizations TO rastup_retention;
GRANT SELECT (id, status, completed_at), DELETE ON privacy_exports TO rastup_retention;

-- The job's scans: each rule's clock column; the partner rule's reference check by event.
CREATE INDEX partner_event_received_idx ON partner.event (received_at);
CREATE INDEX partner_delivery_task_event_idx ON partner.delivery_task (event_id);
CREATE INDEX stripe_events_received_idx ON stripe_events (received_at);
CREATE INDEX payment_intent_requests_created_idx ON payment_intent_requests (created_at);
CREATE INDEX privacy_exports_completed_idx ON privacy_exports (completed_at) WHERE completed_at IS NOT NULL;

-- Down Migration
DROP INDEX privacy_exports_completed_idx;
DROP INDEX payment_intent_requests_created_idx;
DROP INDEX stripe_events_received_idx;
DROP INDEX partner.partner_delivery_task_event_idx;
DROP INDEX partner.partner_event_received_idx;
REVOKE ALL ON privacy_exports, payment_authorizations, payment_intent_requests, stripe_events FROM rastup_retention;
-- The delivery task's other grants (3055) stay.
REVOKE SELECT (event_id) ON partner.delivery_task FROM rastup_retention;
REVOKE ALL ON partner.event FROM rastup_retention;
