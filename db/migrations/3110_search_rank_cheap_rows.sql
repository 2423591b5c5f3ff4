-- Up Migration
-- Search CPU per query (issue #14). Measured on 100,000 documents (the bench's text + city + geo radius
-- + price shape, backend CPU from /proc): of ~6.3 ms per statement, ~3 ms went to finding the
-- candidates and ~3 ms to per-candidate arithmetic over ~2,000 rows. Derived values of the ranking
-- projection take work out of every query and put it into the (rare) write:
--  * search_city_words(city_code, tsv): the document's lexemes qualified by its city
--    ('us-nyc/fashion'), in their own GIN index. City + words is then one posting list per word;
--    the (city_code, tsv) index intersected the word's list with the whole city's on every query.
--  * unit_x/y/z: the point on the unit sphere. The great-circle distance is 2R·asin(chord/2), a
--    few multiplications per row instead of six trigonometric calls (haversine), same value.
--  * published_epoch: freshness reads a float8; date_part on a timestamptz computes a numeric
--    per row (PostgreSQL 14+), ~12 % of the statement's CPU.
-- Generated columns and an expression index: the triggers that copy documents into search_rank
-- (2300, 3041) need no change, and no writer can forget them.

-- Epoch seconds do not depend on the session's TimeZone, which is why date_part is only STABLE
-- in general (other fields do); for 'epoch' the value is immutable, as a generated column requires.
CREATE FUNCTION search_epoch(ts timestamptz) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT date_part('epoch', ts) $$;

CREATE FUNCTION search_city_words(city text, words tsvector) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_to_tsvector(ARRAY(SELECT city || '/' || lexeme FROM unnest(tsvector_to_array(words)) AS lexeme))
  $$;

ALTER TABLE search_rank
  ADD COLUMN unit_x double precision GENERATED ALWAYS AS (cos(radians(latitude)) * cos(radians(longitude))) STORED,
  ADD COLUMN unit_y double precision GENERATED ALWAYS AS (cos(radians(latitude)) * sin(radians(longitude))) STORED,
  ADD COLUMN unit_z double precision GENERATED ALWAYS AS (sin(radians(latitude))) STORED,
  ADD COLUMN published_epoch double precision GENERATED ALWAYS AS (search_epoch(published_at)) STORED;

-- An expression index, not a column: a stored copy of the words widened every row by ~60 %, and
-- the candidate rows are read from the heap (more pages per query). The index answers the match
-- without a recheck (no weights in the query), so the expression is computed only on writes.
CREATE INDEX search_rank_city_words_idx ON search_rank USING gin (search_city_words(city_code, tsv));
ANALYZE search_rank;

-- Down Migration
DROP INDEX search_rank_city_words_idx;
ALTER TABLE search_rank DROP COLUMN published_epoch, DROP COLUMN unit_z, DROP COLUMN unit_y, DROP COLUMN unit_x;
DROP FUNCTION search_city_words(text, tsvector);
DROP FUNCTION search_epoch(timestamptz);
