-- Up Migration
-- The retention job (lambdas/privacy/retention.handler.ts) logs in as its own role (review of issue 17).
-- 3050 had granted its DELETEs to rastup_privacy, the role of the internet-facing DSAR export Lambda,
-- which thereby could delete sessions, codes, the outbox, consumer dedupe rows, webhook logs and
-- notifications. Here those grants move to rastup_retention: exactly the DELETE/UPDATE the statements
-- of lambdas/privacy/retention.repository.ts run, and SELECT on just the columns their WHERE clauses
-- read. The audit log and the ledger stay out of its reach.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_retention') THEN
    BEGIN
      CREATE ROLE rastup_retention LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- created concurrently by a migration of another database in the same cluster
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_retention;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_retention', current_database());
  GRANT USAGE ON SCHEMA public TO rastup_retention;
  GRANT USAGE ON SCHEMA partner TO rastup_retention;
END
$$;

GRANT SELECT (id, expires_at), DELETE ON auth_codes TO rastup_retention;
GRANT SELECT (id, revoked_at, idle_expires_at, absolute_expires_at), DELETE ON auth_sessions TO rastup_retention;
GRANT SELECT (identifier_hash, last_failure_at, locked_until), DELETE ON auth_login_throttle TO rastup_retention;
GRANT SELECT (id, first_ip, first_seen_at), UPDATE (first_ip) ON auth_devices TO rastup_retention;
GRANT SELECT (id, read_at), DELETE ON notification_inbox TO rastup_retention;
GRANT SELECT (id, created_at), DELETE ON notification_deliveries TO rastup_retention;
GRANT SELECT (user_id, kind, period, sent_at), DELETE ON notification_log TO rastup_retention;
GRANT SELECT (delivery_id, task_id, created_at), DELETE ON partner.delivery TO rastup_retention;
GRANT SELECT (task_id, state, updated_at), DELETE ON partner.delivery_task TO rastup_retention;
GRANT SELECT (id, published_at), DELETE ON outbox_events TO rastup_retention;
GRANT SELECT (consumer, event_id, processed_at), DELETE ON consumer_inbox TO rastup_retention;

-- What 3050 gave the privacy role for the job, taken back (its export reads from 2800 stay).
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

-- Down Migration
GRANT SELECT (id, expires_at), DELETE ON auth_codes TO rastup_privacy;
GRANT SELECT (idle_expires_at, absolute_expires_at), DELETE ON auth_sessions TO rastup_privacy;
GRANT SELECT (identifier_hash, last_failure_at, locked_until), DELETE ON auth_login_throttle TO rastup_privacy;
GRANT UPDATE (first_ip) ON auth_devices TO rastup_privacy;
GRANT DELETE ON notification_inbox, notification_deliveries, notification_log TO rastup_privacy;
GRANT SELECT (delivery_id, task_id, created_at), DELETE ON partner.delivery TO rastup_privacy;
GRANT SELECT (task_id, updated_at), DELETE ON partner.delivery_task TO rastup_privacy;
GRANT SELECT (id, published_at), DELETE ON outbox_events TO rastup_privacy;
GRANT SELECT (consumer, event_id, processed_at), DELETE ON consumer_inbox TO rastup_privacy;
-- The role is cluster-wide (other databases of the cluster may use it): only this database's grants go.
REVOKE ALL ON auth_codes, auth_sessions, auth_login_throttle, auth_devices, notification_inbox,
  notification_deliveries, notification_log, outbox_events, consumer_inbox FROM rastup_retention;
REVOKE ALL ON partner.delivery, partner.delivery_task FROM rastup_retention;
REVOKE USAGE ON SCHEMA partner FROM rastup_retention;
REVOKE USAGE ON SCHEMA public FROM rastup_retention;
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM rastup_retention', current_database());
END
$$;
