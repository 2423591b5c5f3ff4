/**
 * Ranking weights (NTB-SEARCH-003), documented in the README ("Search"): the RELEVANCE order is
 *   score = text · field weight of each word, averaged  text relevance: name (A) 1, role/tags/city (B) 0.5,
 *                                                         headline (C) 0.25 (Typesense: query_by_weights 4:2:1)
 *         + typo · word_similarity(query, words)       typo tolerance (pg_trgm)
 *         + proximity · (1 − distance / radius)        only with a geo radius
 *         + verified · [verified]
 *         + quality · quality / 100                    completeness today, reviews later
 *         + freshness · exp(−age in days / 90)
 *         + availability · 0                           until booking's feasibility port exists
 * Without text the text terms are 0 and the rest orders the page. Ties break on id, so pages are
 * stable. The promotion slot (seed 003, density caps) is not implemented yet.
 */
export const RANKING_WEIGHTS = {
  text: 0.4,
  typo: 0.15,
  proximity: 0.15,
  verified: 0.1,
  quality: 0.12,
  freshness: 0.08,
  availability: 0,
} as const;

export const FRESHNESS_HALF_DAYS = 90;
