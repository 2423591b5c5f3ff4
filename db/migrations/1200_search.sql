-- Up Migration
-- Search and discovery (NTB-SEARCH-001…005, issue #14).
--  * Coordinates: cities get a centre point (seeded by db/seeds/seed.ts), listings an optional
--    point of their own (a studio's location, a provider's base); a listing without one is placed
--    at its city's centre by the indexer.
--  * search_documents is the search domain's projection, one row per published listing, written
--    only by the indexer (lambdas/search) from outbox events; the Typesense collection has the
--    same fields. Public queries read nothing else.
--  * Geo: cube + earthdistance (shipped by the embedded PostgreSQL and by Aurora), a GiST index on
--    ll_to_earth(lat, lng) answers earth_box(...) @> ...; the exact distance is checked after.
--  * Text: a weighted tsvector (name A, role/tags/city B, headline C) for relevance, and a trigram
--    index over the same words for typo tolerance (word_similarity); names by prefix for suggestions.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

ALTER TABLE cities ADD COLUMN latitude double precision CHECK (latitude BETWEEN -90 AND 90);
ALTER TABLE cities ADD COLUMN longitude double precision CHECK (longitude BETWEEN -180 AND 180);
ALTER TABLE service_profiles ADD COLUMN latitude double precision CHECK (latitude BETWEEN -90 AND 90);
ALTER TABLE service_profiles ADD COLUMN longitude double precision CHECK (longitude BETWEEN -180 AND 180);
ALTER TABLE studios ADD COLUMN latitude double precision CHECK (latitude BETWEEN -90 AND 90);
ALTER TABLE studios ADD COLUMN longitude double precision CHECK (longitude BETWEEN -180 AND 180);

CREATE TABLE search_documents (
  id               text PRIMARY KEY CHECK (id LIKE 'prf\_%' OR id LIKE 'std\_%'),
  kind             text NOT NULL CHECK (kind IN ('PROFILE', 'STUDIO')),
  -- Internal: erasure deletes by owner. Never part of a search result.
  owner_user_id    text NOT NULL,
  slug             text NOT NULL,
  -- MODEL, PHOTOGRAPHER, VIDEOGRAPHER, CONTENT_CREATOR or STUDIO.
  role             text NOT NULL,
  title            text NOT NULL,
  headline         text,
  tags             text[] NOT NULL DEFAULT '{}',
  -- The tags joined by spaces (array_to_string is not immutable, so generated columns use this).
  tags_text        text NOT NULL DEFAULT '',
  city_code        text,
  city_name        text,
  latitude         double precision,
  longitude        double precision,
  price_min_cents  integer,
  price_max_cents  integer,
  currency         char(3) NOT NULL DEFAULT 'USD',
  verified         boolean NOT NULL DEFAULT false,
  instant_book     boolean NOT NULL DEFAULT false,
  quality          smallint NOT NULL DEFAULT 0 CHECK (quality BETWEEN 0 AND 100),
  -- Safe-Mode: the highest band of anything the document shows; public queries need 0.
  nsfw_band        smallint NOT NULL DEFAULT 0 CHECK (nsfw_band BETWEEN 0 AND 2),
  cover_url        text,
  cover_nsfw_band  smallint CHECK (cover_nsfw_band BETWEEN 0 AND 2),
  source_version   integer NOT NULL DEFAULT 0,
  published_at     timestamptz NOT NULL DEFAULT now(),
  indexed_at       timestamptz NOT NULL DEFAULT now(),
  search_text      text GENERATED ALWAYS AS (
    lower(title || ' ' || coalesce(headline, '') || ' ' || role || ' ' || coalesce(city_name, '') || ' ' || tags_text)
  ) STORED,
  tsv              tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title), 'A') ||
    setweight(to_tsvector('simple', role || ' ' || coalesce(city_name, '') || ' ' || tags_text), 'B') ||
    setweight(to_tsvector('english', coalesce(headline, '')), 'C')
  ) STORED
);
CREATE INDEX search_documents_tsv_idx ON search_documents USING gin (tsv);
CREATE INDEX search_documents_trgm_idx ON search_documents USING gin (search_text gin_trgm_ops);
-- Suggestions: an ordered prefix scan of names (LIKE 'pre%' with the C collation uses the btree).
CREATE INDEX search_documents_title_prefix_idx ON search_documents ((lower(title) COLLATE "C"));
CREATE INDEX search_documents_geo_idx ON search_documents USING gist (ll_to_earth(latitude, longitude))
  WHERE latitude IS NOT NULL AND longitude IS NOT NULL;
CREATE INDEX search_documents_city_role_idx ON search_documents (city_code, role, price_min_cents);
CREATE INDEX search_documents_owner_idx ON search_documents (owner_user_id);

-- Full reindex runs: a resumable cursor (the last listing id done, per kind) and progress.
CREATE TABLE search_reindex_runs (
  id           text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('PROFILE', 'STUDIO')),
  cursor_id    text,
  processed    integer NOT NULL DEFAULT 0,
  total        integer NOT NULL DEFAULT 0,
  status       text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'DONE')),
  started_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- ---- rastup_search: the search Lambda (queries) and the indexer ---------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_search') THEN
    BEGIN
      CREATE ROLE rastup_search LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL;
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_search;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_search', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO rastup_search;
GRANT SELECT, INSERT, UPDATE, DELETE ON search_documents, search_reindex_runs TO rastup_search;
GRANT INSERT ON consumer_inbox TO rastup_search;
-- Cross-domain reads, only through profiles' exported search source (lambdas/profiles/search-source.ts):
-- the public columns of published listings, their public media, verification status and cities.
GRANT SELECT (id, owner_user_id, role, slug, status, owner_status, display_name, headline, tags, city_code,
              price_min_cents, price_max_cents, currency, instant_book, completed_steps, version, published_at,
              latitude, longitude)
  ON service_profiles TO rastup_search;
GRANT SELECT (id, owner_user_id, slug, status, owner_status, name, city_code, amenities, hourly_min_cents,
              hourly_max_cents, currency, instant_book, completed_steps, version, published_at, latitude, longitude)
  ON studios TO rastup_search;
GRANT SELECT (id, owner_type, owner_id, status, nsfw_band, public_variants, is_cover, sort_order) ON media TO rastup_search;
GRANT SELECT (subject_type, subject_id, owner_user_id, status, created_at) ON verifications TO rastup_search;
GRANT SELECT ON cities TO rastup_search;

-- Down Migration
DROP TABLE search_reindex_runs;
DROP TABLE search_documents;
ALTER TABLE studios DROP COLUMN longitude, DROP COLUMN latitude;
ALTER TABLE service_profiles DROP COLUMN longitude, DROP COLUMN latitude;
ALTER TABLE cities DROP COLUMN longitude, DROP COLUMN latitude;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_search') THEN
    DROP OWNED BY rastup_search;
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM rastup_search', current_database());
  END IF;
END
$$;
