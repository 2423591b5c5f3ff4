-- Up Migration
-- What other domains may read about who owns a listing. The profiles domain owns service_profiles
-- and studios; media asks "does this user own the profile/studio an upload is attached to?" through
-- this view only (MediaRepository.ownsTarget), so profiles can change its tables without breaking
-- media. Erased owners own nothing. The view runs with its owner's (the migrator's) rights, so a
-- reader needs SELECT on the view alone: media's column grants on the tables (0700) are withdrawn.
CREATE VIEW listing_owners AS
  SELECT 'PROFILE'::text AS listing_type, id AS listing_id, owner_user_id
    FROM service_profiles WHERE owner_status = 'ACTIVE'
  UNION ALL
  SELECT 'STUDIO'::text AS listing_type, id AS listing_id, owner_user_id
    FROM studios WHERE owner_status = 'ACTIVE';

-- Every role that reads the view (add yours here when your domain starts reading it).
GRANT SELECT ON listing_owners TO rastup_media;
REVOKE SELECT (id, owner_user_id, owner_status) ON service_profiles, studios FROM rastup_media;

-- Down Migration
GRANT SELECT (id, owner_user_id, owner_status) ON service_profiles, studios TO rastup_media;
DROP VIEW listing_owners;
