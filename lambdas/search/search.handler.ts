/** Search domain Lambda: the public query API (API key and signed-in) and the indexer consumer. */
import { createEventDispatcher } from '../core/events/dispatcher.ts';
import { createFieldRouter, field } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { searchModule as m } from './search.module.ts';
import { searchListingsArgs, searchSuggestionsArgs } from './search.schemas.ts';

const logger = createLogger({ service: 'search' });

export const events = createEventDispatcher({
  'profile.published': async (event) => (await m()).indexer.onListingChanged(event),
  'profile.updated': async (event) => (await m()).indexer.onListingChanged(event),
  'profile.unpublished': async (event) => (await m()).indexer.onListingChanged(event),
  'studio.published': async (event) => (await m()).indexer.onListingChanged(event),
  'studio.updated': async (event) => (await m()).indexer.onListingChanged(event),
  'studio.unpublished': async (event) => (await m()).indexer.onListingChanged(event),
  'user.deleted': async (event) => (await m()).indexer.onUserDeleted(event),
});

export const handler = createDomainHandler({
  logger,
  appsync: createFieldRouter(
    {
      'Query.searchListings': field(searchListingsArgs, async ({ input }, { caller, sourceIp }) =>
        (await m()).search.search(
          input,
          // API key (or any caller without a valid user token) is the public caller.
          caller.kind === 'user' ? { kind: 'user', userId: caller.userId } : { kind: 'public', ip: sourceIp },
        ),
      ),
      'Query.searchSuggestions': field(searchSuggestionsArgs, async ({ prefix, first }) =>
        (await m()).search.suggest(prefix, first),
      ),
    },
    logger,
  ),
  events,
});
