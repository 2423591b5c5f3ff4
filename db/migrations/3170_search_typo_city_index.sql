-- Up Migration
-- Typo tolerance inside the city (issue #14). When the exact words match nothing, the engine falls back
-- to trigram word_similarity on search_documents (lambdas/search/search-document.repository.ts), almost
-- always with a city. The planner then ANDed two bitmaps: every document sharing trigrams with the
-- words, in any city (the pg_trgm index), and every document of the city under the price ceiling (the
-- city/role/price btree). Measured on 100,000 documents ('pat' in us-mia, a name that lives in another
-- city): 3,333 + 15,000 index entries read to find 0 rows, 7.9 ms of execution.
--
-- One GIN index over (city_code, search_text trigrams) (btree_gin, 2300, gives text its GIN operator
-- class) answers city + trigrams in one index scan: the city is one more key of the same scan, so GIN
-- skips through the city's posting tree to the trigram matches instead of materialising both sides
-- (same query: 0 entries, 51 buffers, 1.2 ms). A multicolumn GIN index answers a condition on any of
-- its columns, so typo matching without a city uses it too, and the trigram-only index goes. The
-- city/role/price btree on search_documents served only the typo path's BitmapAnd (exact words and
-- plain filters read search_rank, which has its own), so it goes as well: one index fewer to write per
-- document, and the planner is not tempted back into the AND.
CREATE INDEX search_documents_city_trgm_idx ON search_documents USING gin (city_code, search_text gin_trgm_ops);
DROP INDEX search_documents_trgm_idx;
DROP INDEX search_documents_city_role_idx;
ANALYZE search_documents;

-- Down Migration
CREATE INDEX search_documents_city_role_idx ON search_documents (city_code, role, price_min_cents);
CREATE INDEX search_documents_trgm_idx ON search_documents USING gin (search_text gin_trgm_ops);
DROP INDEX search_documents_city_trgm_idx;
