-- Up Migration
-- The messaging domain (lambdas/messaging) keeps its data in DynamoDB (seed 004 §1.4.B); in
-- PostgreSQL it only reads who may be contacted: a published, non-erased profile or studio and its
-- owner. The profiles domain declares that view here (its owner, its columns); messaging is granted
-- the view, never profiles' tables.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_messaging') THEN
    BEGIN
      CREATE ROLE rastup_messaging LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- created concurrently by a migration of another database in the same cluster
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_messaging;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_messaging', current_database());
  GRANT USAGE ON SCHEMA public TO rastup_messaging;
END
$$;

-- Owned by profiles: listings a signed-in user may open an inquiry thread with.
CREATE VIEW contactable_listings AS
  SELECT 'PROFILE'::text AS listing_type, id AS listing_id, owner_user_id, city_code
    FROM service_profiles WHERE status = 'PUBLISHED' AND owner_status = 'ACTIVE'
  UNION ALL
  SELECT 'STUDIO'::text AS listing_type, id AS listing_id, owner_user_id, city_code
    FROM studios WHERE status = 'PUBLISHED' AND owner_status = 'ACTIVE';

GRANT SELECT ON contactable_listings TO rastup_messaging;

-- Down Migration
DROP VIEW contactable_listings;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_messaging') THEN
    EXECUTE 'DROP OWNED BY rastup_messaging';
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM rastup_messaging', current_database());
  END IF;
END
$$;
