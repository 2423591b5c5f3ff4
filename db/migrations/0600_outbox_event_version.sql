-- Up Migration
-- Every outbox event names the version of its payload schema (lambdas/core/events/catalog.ts), so
-- consumers, partner webhooks (one version behind) and analytics read it by (type, version). Rows
-- written before versioning were all version 1.
ALTER TABLE outbox_events ADD COLUMN version smallint NOT NULL DEFAULT 1 CHECK (version >= 1);

-- Down Migration
ALTER TABLE outbox_events DROP COLUMN version;
