-- Up Migration
-- Security review of profiles/media:
--  * owner_status: set to ERASED by the `user.deleted` consumer. Public reads filter on it in SQL,
--    so a listing of a deleted account can never be served again, whatever its status column says.
--  * media.public_variants: only the publisher (a consumer of `media.publishable`, which runs after
--    the state change committed) writes it; `variants` now always names private copies. Public
--    projections read public_variants, so nothing is public before the decision to publish committed.
--  * media status DELETED: deleted items keep their row (ids for audit and moderation history), so
--    a redelivered event finds a tombstone instead of nothing and can never re-create public copies.
--  * notification_log.period: a unique claim per (user, kind, period) taken before sending, so
--    overlapping or retried job runs cannot send the same nudge or digest twice.
ALTER TABLE service_profiles ADD COLUMN owner_status text NOT NULL DEFAULT 'ACTIVE' CHECK (owner_status IN ('ACTIVE', 'ERASED'));
ALTER TABLE studios ADD COLUMN owner_status text NOT NULL DEFAULT 'ACTIVE' CHECK (owner_status IN ('ACTIVE', 'ERASED'));
DROP INDEX service_profiles_published_city_idx;
CREATE INDEX service_profiles_published_city_idx ON service_profiles (city_code) WHERE status = 'PUBLISHED' AND owner_status = 'ACTIVE';

ALTER TABLE media DROP CONSTRAINT media_status_check;
ALTER TABLE media ADD CONSTRAINT media_status_check CHECK (status IN ('AWAITING_UPLOAD', 'PROCESSING', 'READY', 'FLAGGED', 'REJECTED', 'FAILED', 'DELETED'));
ALTER TABLE media ADD COLUMN public_variants jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE media ADD COLUMN deleted_at timestamptz;
-- Rows published before this migration: their `variants` were the public copies.
UPDATE media SET public_variants = variants WHERE status = 'READY' AND nsfw_band = 0 AND owner_type <> 'VERIFICATION';
CREATE INDEX media_owner_user_idx ON media (owner_user_id) WHERE status <> 'DELETED';

ALTER TABLE notification_log ADD COLUMN period text;
UPDATE notification_log SET period = 'legacy:' || to_char(sent_at, 'YYYY-MM-DD"T"HH24:MI:SS.US');
ALTER TABLE notification_log ALTER COLUMN period SET NOT NULL;
ALTER TABLE notification_log ADD CONSTRAINT notification_log_claim_key UNIQUE (user_id, kind, period);

-- Down Migration
ALTER TABLE notification_log DROP CONSTRAINT notification_log_claim_key;
ALTER TABLE notification_log DROP COLUMN period;
DROP INDEX media_owner_user_idx;
ALTER TABLE media DROP COLUMN deleted_at;
ALTER TABLE media DROP COLUMN public_variants;
DELETE FROM media WHERE status = 'DELETED';
ALTER TABLE media DROP CONSTRAINT media_status_check;
ALTER TABLE media ADD CONSTRAINT media_status_check CHECK (status IN ('AWAITING_UPLOAD', 'PROCESSING', 'READY', 'FLAGGED', 'REJECTED', 'FAILED'));
DROP INDEX service_profiles_published_city_idx;
CREATE INDEX service_profiles_published_city_idx ON service_profiles (city_code) WHERE status = 'PUBLISHED';
ALTER TABLE studios DROP COLUMN owner_status;
ALTER TABLE service_profiles DROP COLUMN owner_status;
