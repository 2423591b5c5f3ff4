-- Up Migration
-- Cached public pages still to evict under the slugs an account erasure replaced (review of issue 17).
-- Written in the erasure's transaction, so a page cannot be forgotten when the after-commit eviction
-- fails; kept out of the outbox because the outbox's payloads are scrubbed of these slugs. The
-- profiles-public-cache consumer deletes a row once the page is evicted for good
-- (lambdas/profiles/erased-page-evictions.ts), so the old slugs do not outlive the eviction.
CREATE TABLE public_page_evictions (
  kind text NOT NULL CHECK (kind IN ('PROFILE', 'STUDIO')),
  slug text NOT NULL,
  listing_id text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (kind, slug)
);
CREATE INDEX public_page_evictions_listing ON public_page_evictions (kind, listing_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON public_page_evictions TO rastup_profiles;

-- Down Migration
DROP TABLE public_page_evictions;
