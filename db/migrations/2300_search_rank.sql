-- Up Migration
-- Search speed, second step (issue #14): a narrow ranking projection of search_documents.
--
-- Measured on 100,000 documents (EXPLAIN (ANALYZE, BUFFERS), text + city + geo radius + price): the
-- main query spent its time rechecking ~1,500 candidate rows spread over ~1,650 heap pages of the
-- wide search_documents rows (~610 bytes each: display columns, search_text, tsvector), then
-- computing numeric (not float) arithmetic and earthdistance's cube math for each of them.
--
-- search_rank holds only what filtering and ranking read (~190 bytes a row, no display text, no
-- owner), and is HASH-partitioned by city code, so a city query reads one partition whose pages
-- hold few other cities: a physical grouping by city that holds under any insert order. One GIN
-- index per partition over (city_code, tsv) (btree_gin) answers city + words in one index scan.
--
-- It is derived, never written by code: triggers on search_documents keeps it in step with
-- every insert/update (the indexer's upsert, the reindex, tests), and the foreign key deletes its
-- row with the document (unpublish, erasure, stale sweep). So its freshness is the documents'.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE search_rank (
  id               text NOT NULL REFERENCES search_documents (id) ON DELETE CASCADE,
  -- '' when the listing has no city (a partition key that is never NULL).
  city_code        text NOT NULL,
  role             text NOT NULL,
  price_min_cents  integer,
  price_max_cents  integer,
  latitude         double precision,
  longitude        double precision,
  verified         boolean NOT NULL,
  instant_book     boolean NOT NULL,
  quality          smallint NOT NULL,
  nsfw_band        smallint NOT NULL,
  published_at     timestamptz NOT NULL,
  tsv              tsvector NOT NULL,
  PRIMARY KEY (city_code, id)
) PARTITION BY HASH (city_code);

-- 16 partitions: at 100,000 listings over 5 cities each city has its own but one pair (us-nyc and
-- us-chi share one); at 1M listings over hundreds of cities a city query still reads 1/16 of them.
DO $$
BEGIN
  FOR r IN 0..15 LOOP
    EXECUTE format('CREATE TABLE search_rank_p%s PARTITION OF search_rank FOR VALUES WITH (MODULUS 16, REMAINDER %s)', r, r);
  END LOOP;
END
$$;

-- City + words (the bench's main shape) in one GIN scan, and words alone (a multicolumn GIN index
-- answers a condition on any of its columns; a second tsv-only index made the planner AND two
-- bitmaps instead, which cost more).
CREATE INDEX search_rank_city_tsv_idx ON search_rank USING gin (city_code, tsv);
-- City (+ role) + price without words.
CREATE INDEX search_rank_city_role_idx ON search_rank (city_code, role, price_min_cents);
-- A radius without city or words: the earth box.
CREATE INDEX search_rank_geo_idx ON search_rank USING gist (ll_to_earth(latitude, longitude))
  WHERE latitude IS NOT NULL AND longitude IS NOT NULL;
-- The foreign key's cascade looks rows up by id.
CREATE INDEX search_rank_id_idx ON search_rank (id);

-- Statement-level triggers over the transition tables: a batch upsert of 2,000 documents (the
-- reindex) moves their rows in one INSERT … SELECT instead of 2,000 function calls. An
-- INSERT … ON CONFLICT DO UPDATE fires both: inserted rows in one, updated rows in the other.
CREATE FUNCTION search_rank_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_rank (id, city_code, role, price_min_cents, price_max_cents, latitude, longitude, verified,
                           instant_book, quality, nsfw_band, published_at, tsv)
  SELECT id, coalesce(city_code, ''), role, price_min_cents, price_max_cents, latitude, longitude, verified,
         instant_book, quality, nsfw_band, published_at, tsv
    FROM added ORDER BY city_code, id;
  RETURN NULL;
END
$$;

CREATE FUNCTION search_rank_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_rank r USING before b WHERE r.city_code = coalesce(b.city_code, '') AND r.id = b.id;
  INSERT INTO search_rank (id, city_code, role, price_min_cents, price_max_cents, latitude, longitude, verified,
                           instant_book, quality, nsfw_band, published_at, tsv)
  SELECT id, coalesce(city_code, ''), role, price_min_cents, price_max_cents, latitude, longitude, verified,
         instant_book, quality, nsfw_band, published_at, tsv
    FROM after ORDER BY city_code, id;
  RETURN NULL;
END
$$;

CREATE TRIGGER search_rank_added AFTER INSERT ON search_documents
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION search_rank_added();
CREATE TRIGGER search_rank_changed AFTER UPDATE ON search_documents
  REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION search_rank_changed();

INSERT INTO search_rank (id, city_code, role, price_min_cents, price_max_cents, latitude, longitude, verified,
                         instant_book, quality, nsfw_band, published_at, tsv)
SELECT id, coalesce(city_code, ''), role, price_min_cents, price_max_cents, latitude, longitude, verified,
       instant_book, quality, nsfw_band, published_at, tsv
  FROM search_documents
 ORDER BY city_code, id;

-- Suggestions: names by prefix, Safe-Mode rows only, with the name itself in the index, so the
-- ordered prefix scan that stops after a few distinct names reads no table pages (index-only once
-- vacuumed). Synthetic and real names repeat ("Pat …"): 'pat' walked ~1,000 rows through the heap.
CREATE INDEX search_documents_suggest_idx ON search_documents ((lower(title) COLLATE "C"), title) WHERE nsfw_band = 0;

GRANT SELECT, INSERT, DELETE ON search_rank TO rastup_search;
ANALYZE search_rank;

-- Down Migration
DROP INDEX search_documents_suggest_idx;
DROP TRIGGER search_rank_changed ON search_documents;
DROP TRIGGER search_rank_added ON search_documents;
DROP FUNCTION search_rank_changed();
DROP FUNCTION search_rank_added();
DROP TABLE search_rank;
