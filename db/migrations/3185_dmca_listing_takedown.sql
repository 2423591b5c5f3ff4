-- Up Migration
-- DMCA takedown of a whole listing (issue #16, NTB-HELP-002; lambdas/profiles/dmca-listing-takedown.ts).
--
-- A taken-down profile or studio gets its own status. Every public read (pages, search sources, partner
-- API, price book, contactable listings, public media) asks for status = 'PUBLISHED', so TAKEN_DOWN is
-- hidden everywhere at the commit of the takedown. The owner's reads do not filter on status, so the
-- owner keeps their listing and its data; no owner path leaves TAKEN_DOWN (publish refuses it). No new
-- column: the erasure and export coverage of these tables is unchanged.
ALTER TABLE service_profiles DROP CONSTRAINT service_profiles_status_check;
ALTER TABLE service_profiles ADD CONSTRAINT service_profiles_status_check
  CHECK (status IN ('DRAFT', 'PUBLISHED', 'UNPUBLISHED', 'TAKEN_DOWN'));
ALTER TABLE studios DROP CONSTRAINT studios_status_check;
ALTER TABLE studios ADD CONSTRAINT studios_status_check
  CHECK (status IN ('DRAFT', 'PUBLISHED', 'UNPUBLISHED', 'TAKEN_DOWN'));

-- The dmca role runs profiles' own takedown SQL in the transaction of the case: it resolves a public
-- slug, reads whether the listing is public and whose it is, and flips exactly the status.
GRANT SELECT (id, owner_user_id, role, slug, status, owner_status, city_code, version) ON service_profiles TO rastup_dmca;
GRANT SELECT (id, owner_user_id, slug, status, owner_status, city_code, version) ON studios TO rastup_dmca;
GRANT UPDATE (status, updated_at) ON service_profiles, studios TO rastup_dmca;

-- Down Migration
REVOKE UPDATE (status, updated_at) ON service_profiles, studios FROM rastup_dmca;
REVOKE SELECT (id, owner_user_id, slug, status, owner_status, city_code, version) ON studios FROM rastup_dmca;
REVOKE SELECT (id, owner_user_id, role, slug, status, owner_status, city_code, version) ON service_profiles FROM rastup_dmca;
UPDATE service_profiles SET status = 'UNPUBLISHED' WHERE status = 'TAKEN_DOWN';
UPDATE studios SET status = 'UNPUBLISHED' WHERE status = 'TAKEN_DOWN';
ALTER TABLE service_profiles DROP CONSTRAINT service_profiles_status_check;
ALTER TABLE service_profiles ADD CONSTRAINT service_profiles_status_check CHECK (status IN ('DRAFT', 'PUBLISHED', 'UNPUBLISHED'));
ALTER TABLE studios DROP CONSTRAINT studios_status_check;
ALTER TABLE studios ADD CONSTRAINT studios_status_check CHECK (status IN ('DRAFT', 'PUBLISHED', 'UNPUBLISHED'));
