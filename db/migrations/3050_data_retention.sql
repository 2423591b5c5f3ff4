-- Up Migration
-- Retention per data class (issue 17, seed 001 Appendices N/O/S, NTB-GOV-001). The privacy domain runs
-- the retention job (lambdas/privacy/retention.service.ts) as its own role: it may delete, or clear the
-- personal column of, exactly the classes lambdas/privacy/retention-policy.ts expires, reading only
-- the columns their rules name. The audit log and the ledger are kept: nothing here reaches them.
GRANT SELECT (id, expires_at), DELETE ON auth_codes TO rastup_privacy;
-- (auth_sessions' id and revoked_at, auth_devices' and notification_log's columns: readable since 2800.)
GRANT SELECT (idle_expires_at, absolute_expires_at), DELETE ON auth_sessions TO rastup_privacy;
GRANT SELECT (identifier_hash, last_failure_at, locked_until), DELETE ON auth_login_throttle TO rastup_privacy;
GRANT UPDATE (first_ip) ON auth_devices TO rastup_privacy;
GRANT DELETE ON notification_inbox, notification_deliveries TO rastup_privacy;
GRANT DELETE ON notification_log TO rastup_privacy;
GRANT SELECT (delivery_id, task_id, created_at), DELETE ON partner.delivery TO rastup_privacy;
GRANT SELECT (task_id, updated_at), DELETE ON partner.delivery_task TO rastup_privacy;
GRANT SELECT (id, published_at), DELETE ON outbox_events TO rastup_privacy;
GRANT SELECT (consumer, event_id, processed_at), DELETE ON consumer_inbox TO rastup_privacy;

-- The job's scans: each rule's clock column, so a daily run reads the expired rows, not the table.
CREATE INDEX auth_codes_expires_idx ON auth_codes (expires_at);
CREATE INDEX outbox_events_published_idx ON outbox_events (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX consumer_inbox_processed_idx ON consumer_inbox (processed_at);
CREATE INDEX partner_delivery_created_idx ON partner.delivery (created_at);
CREATE INDEX partner_delivery_task_idx ON partner.delivery (task_id);
CREATE INDEX notification_deliveries_created_idx ON notification_deliveries (created_at);
CREATE INDEX notification_inbox_read_idx ON notification_inbox (read_at) WHERE read_at IS NOT NULL;

-- Down Migration
DROP INDEX notification_inbox_read_idx;
DROP INDEX notification_deliveries_created_idx;
DROP INDEX partner.partner_delivery_task_idx;
DROP INDEX partner.partner_delivery_created_idx;
DROP INDEX consumer_inbox_processed_idx;
DROP INDEX outbox_events_published_idx;
DROP INDEX auth_codes_expires_idx;
REVOKE DELETE ON auth_codes, auth_sessions, auth_login_throttle, notification_inbox, notification_deliveries,
  notification_log, outbox_events, consumer_inbox FROM rastup_privacy;
REVOKE DELETE ON partner.delivery, partner.delivery_task FROM rastup_privacy;
REVOKE SELECT (id, expires_at) ON auth_codes FROM rastup_privacy;
REVOKE SELECT (idle_expires_at, absolute_expires_at) ON auth_sessions FROM rastup_privacy;
REVOKE SELECT (identifier_hash, last_failure_at, locked_until) ON auth_login_throttle FROM rastup_privacy;
REVOKE UPDATE (first_ip) ON auth_devices FROM rastup_privacy;
REVOKE SELECT (delivery_id, task_id, created_at) ON partner.delivery FROM rastup_privacy;
REVOKE SELECT (task_id, updated_at) ON partner.delivery_task FROM rastup_privacy;
REVOKE SELECT (id, published_at) ON outbox_events FROM rastup_privacy;
REVOKE SELECT (consumer, event_id, processed_at) ON consumer_inbox FROM rastup_privacy;
