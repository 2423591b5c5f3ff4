/** Composition root of the search Lambda: config, adapters and services, once per container. */
import { systemClock } from '../core/clock.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv, tableNameFromEnv } from '../adapters/dynamodb.ts';
import { DynamoDbRateLimiter } from '../adapters/dynamodb-rate-limiter.ts';
import { resolveSecretEnv } from '../adapters/secret-env.ts';
import * as booking from '../booking/index.ts';
import * as profiles from '../profiles/index.ts';
import { IndexerService } from './indexer.service.ts';
import { SearchDocumentRepository } from './search-document.repository.ts';
import { parseSearchConfig, searchSecretVariables } from './search.config.ts';
import type { SearchEngine, SearchIndexWriter } from './search.port.ts';
import { SearchService } from './search.service.ts';
import { CircuitBreaker, FallbackSearchEngine } from './circuit-breaker.ts';
import { TypesenseSearchAdapter } from './typesense-search.adapter.ts';

export interface SearchModule {
  readonly search: SearchService;
  readonly indexer: IndexerService;
}

let module: Promise<SearchModule> | undefined;

export function searchModule(): Promise<SearchModule> {
  module ??= Promise.all([databaseFromEnv('search'), resolveSecretEnv(searchSecretVariables)]).then(([db, env]) => {
    const config = parseSearchConfig(env);
    const postgres = new SearchDocumentRepository(db, { preparedStatements: config.SEARCH_PREPARED_STATEMENTS });
    let engine: SearchEngine = postgres;
    const mirrors: SearchIndexWriter[] = [];
    if (config.TYPESENSE_NODES && config.TYPESENSE_API_KEY) {
      // AWS: Typesense answers; when it is down or slow the breaker opens and PostgreSQL answers.
      const typesense = new TypesenseSearchAdapter({
        nodes: config.TYPESENSE_NODES.split(',').map((node) => `${config.TYPESENSE_PROTOCOL}://${node}`),
        adminKey: config.TYPESENSE_API_KEY,
        searchKey: config.TYPESENSE_API_KEY,
        timeoutMs: config.TYPESENSE_TIMEOUT_MS,
      });
      engine = new FallbackSearchEngine(
        typesense,
        postgres,
        new CircuitBreaker({ failureThreshold: 3, openMs: config.TYPESENSE_BREAKER_OPEN_MS }, systemClock),
        createLogger({ service: 'search-breaker' }),
      );
      mirrors.push(typesense);
    }
    return {
      search: new SearchService(
        engine,
        { mediaPublicBaseUrl: config.MEDIA_PUBLIC_BASE_URL, cacheMs: config.SEARCH_CACHE_MS },
        systemClock,
        // The availability window: booking's feasibility over its own tables (read-only grants, 3040).
        booking.listingAvailability(db),
        // Window searches' token buckets (SEARCH_WINDOW_LIMITS) in the control table.
        new DynamoDbRateLimiter(documentClientFromEnv(), tableNameFromEnv('CONTROL_TABLE'), systemClock),
      ),
      indexer: new IndexerService(
        db,
        profiles,
        (queryable) => new SearchDocumentRepository(queryable),
        mirrors,
        { mediaPublicBaseUrl: config.MEDIA_PUBLIC_BASE_URL },
        createLogger({ service: 'search-indexer' }),
      ),
    };
  });
  module.catch(() => (module = undefined));
  return module;
}
