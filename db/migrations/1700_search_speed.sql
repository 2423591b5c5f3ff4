-- Up Migration
-- Search speed (issue #14). The query shape changed in code (lambdas/search/search-document.repository.ts:
-- narrow candidates, distance computed once, page cut before the wide columns are read, lat/lng box
-- predicates the planner can estimate); this migration holds the database side:
--  * JIT off for the search role. Search queries are short; on 100,000 documents their estimated
--    cost crosses jit_above_cost and compiling the expressions cost more than running them.
--  * Fresh statistics for the projection: the planner picks between the text, city and geo indexes
--    on them.
ALTER ROLE rastup_search SET jit = off;
ANALYZE search_documents;

-- Down Migration
ALTER ROLE rastup_search RESET jit;
