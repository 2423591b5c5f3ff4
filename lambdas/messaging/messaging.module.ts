/** Composition root of the messaging Lambda: config, adapters and one service per container. */
import { systemClock } from '../core/clock.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv } from '../adapters/dynamodb.ts';
import { DynamoDbWindowLimiter } from '../adapters/dynamodb-window-limiter.ts';
import { ContactableListings } from '../profiles/index.ts';
import { messagingConfig } from './messaging.config.ts';
import { messagingStores } from './messaging.repositories.ts';
import { MessagingService } from './messaging.service.ts';

let service: MessagingService | undefined;

export function messagingService(): MessagingService {
  if (service) return service;
  const config = messagingConfig();
  const client = documentClientFromEnv();
  const stores = messagingStores(client, config);
  // PostgreSQL only for who may be contacted; connected on first use, as the messaging role.
  const listings = {
    find: async (listingType: 'PROFILE' | 'STUDIO', listingId: string) =>
      new ContactableListings(await databaseFromEnv('messaging')).find(listingType, listingId),
  };
  service = new MessagingService(
    stores.threads,
    stores.presence,
    listings,
    // Window counters: a burst of concurrent sends by one user is allowed up to the limit, never refused for contention.
    new DynamoDbWindowLimiter(client, config.CONTROL_TABLE, systemClock),
    systemClock,
    {
      send: {
        name: 'msg-send',
        capacity: config.MESSAGING_SEND_BURST,
        refillPerSecond: config.MESSAGING_SEND_PER_SECOND,
      },
      firstContact: {
        name: 'msg-first-contact',
        capacity: config.MESSAGING_FIRST_CONTACT_BURST,
        refillPerSecond: config.MESSAGING_FIRST_CONTACT_PER_DAY / 86_400,
      },
    },
  );
  return service;
}
