/** The search domain's public module. */
export type { AvailabilityPort, SearchDocument, SearchEngine, SearchIndexWriter } from './search.port.ts';
export { RANKING_WEIGHTS } from './ranking.ts';
