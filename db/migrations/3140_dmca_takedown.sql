-- Up Migration
-- DMCA takedown wired to the media it names (issue #16, NTB-HELP-002; lambdas/dmca, lambdas/media/dmca-takedown.ts).
--
-- A taken-down item gets its own status: every public read (pages, search sources, partner API) asks for
-- status = 'READY', so TAKEN_DOWN is hidden everywhere at the commit of the takedown, and the owner cannot
-- bring it back (no owner path leaves TAKEN_DOWN; deleting it is still theirs). Its private copies stay,
-- so a restore after the counter-notice window publishes it again.
ALTER TABLE media DROP CONSTRAINT media_status_check;
ALTER TABLE media ADD CONSTRAINT media_status_check
  CHECK (status IN ('AWAITING_UPLOAD', 'PROCESSING', 'READY', 'FLAGGED', 'REJECTED', 'FAILED', 'DELETED', 'TAKEN_DOWN'));

-- The dmca role takes down and restores in the transaction of the case (media's own SQL, exported by
-- lambdas/media/index.ts): it reads whether an item is public and whose it is, and flips exactly these
-- columns. Nothing else of media is its to write.
GRANT SELECT (id, owner_user_id, owner_type, owner_id, status, nsfw_band, variants, public_variants)
  ON media TO rastup_dmca;
GRANT UPDATE (status, public_variants, updated_at) ON media TO rastup_dmca;

-- Down Migration
REVOKE UPDATE (status, public_variants, updated_at) ON media FROM rastup_dmca;
REVOKE SELECT (id, owner_user_id, owner_type, owner_id, status, nsfw_band, variants, public_variants)
  ON media FROM rastup_dmca;
UPDATE media SET status = 'READY' WHERE status = 'TAKEN_DOWN';
ALTER TABLE media DROP CONSTRAINT media_status_check;
ALTER TABLE media ADD CONSTRAINT media_status_check
  CHECK (status IN ('AWAITING_UPLOAD', 'PROCESSING', 'READY', 'FLAGGED', 'REJECTED', 'FAILED', 'DELETED'));
