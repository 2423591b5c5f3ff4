/** Composition root of the messaging Lambda: config, adapters and one service per container. */
import { systemClock } from '../core/clock.ts';
import { awsEnvSchema, parseConfig } from '../core/config.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import { AppSyncIamClient } from '../adapters/appsync-iam-client.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv } from '../adapters/dynamodb.ts';
import { DynamoDbWindowLimiter } from '../adapters/dynamodb-window-limiter.ts';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/s3-object-store.ts';
import { bookingCards } from '../booking/index.ts';
import { ContactableListings } from '../profiles/index.ts';
import { messagingConfig } from './messaging.config.ts';
import { eraseDeliverableUploadsOf } from './deliverables.repository.ts';
import { MessagingErasureService } from './messaging-erasure.service.ts';
import { ThreadErasureRepository } from './thread.repository.ts';
import { createLogger } from '../core/log.ts';
import { messagingStores } from './messaging.repositories.ts';
import { MessagingService } from './messaging.service.ts';
import { AppSyncRealtimePublisher } from './thread-events.publisher.ts';
import { ThreadEventsService } from './thread-events.service.ts';

let service: MessagingService | undefined;
let publisher: AppSyncRealtimePublisher | undefined;

/** The AWS_IAM publishing mutations (messages, read receipts, panel changes), signed as this Lambda. */
function realtimePublisher(): AppSyncRealtimePublisher {
  publisher ??= new AppSyncRealtimePublisher(
    new AppSyncIamClient({
      graphqlUrl: messagingConfig().APPSYNC_GRAPHQL_URL,
      region: parseConfig(awsEnvSchema).AWS_REGION,
    }),
    createLogger({ service: 'messaging-realtime' }),
  );
  return publisher;
}

export function messagingService(): MessagingService {
  if (service) return service;
  const config = messagingConfig();
  const client = documentClientFromEnv();
  const stores = messagingStores(client, config);
  // PostgreSQL only for who may be contacted and the consumer inbox; connected on first use, as the messaging role.
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
    realtimePublisher(),
    {
      once: async (consumer, event, effect) => consumeOnce(await databaseFromEnv('messaging'), consumer, event, effect),
    },
    // Action cards: booking's rules over its rows, read as the messaging role (columns granted in 2900).
    {
      forViewer: async (groupId, userId) => bookingCards(await databaseFromEnv('messaging')).forViewer(groupId, userId),
    },
    { objects: new S3ObjectStore(s3ClientFromEnv()), bucket: config.MESSAGE_PREVIEWS_BUCKET },
  );
  return service;
}

let threadEvents: ThreadEventsService | undefined;

/** Read receipts, presence and panel changes to a thread's members (over messaging's own service). */
export function threadEventsService(): ThreadEventsService {
  if (threadEvents) return threadEvents;
  const config = messagingConfig();
  const stores = messagingStores(documentClientFromEnv(), config);
  threadEvents = new ThreadEventsService(
    messagingService(),
    stores.threads,
    stores.presence,
    realtimePublisher(),
    systemClock,
    createLogger({ service: 'messaging-realtime' }),
  );
  return threadEvents;
}

let erasure: MessagingErasureService | undefined;

/**
 * The user.deleted consumer (messaging's DynamoDB items of the account, and the msg-previews objects
 * of its unsent attachments); PostgreSQL for its inbox only.
 */
export function messagingErasure(): MessagingErasureService {
  if (erasure) return erasure;
  const config = messagingConfig();
  const client = documentClientFromEnv();
  erasure = new MessagingErasureService(
    new ThreadErasureRepository(client, config.MESSAGING_TABLE),
    messagingStores(client, config).presence,
    {
      once: async (consumer, event, effect) => consumeOnce(await databaseFromEnv('messaging'), consumer, event, effect),
    },
    createLogger({ service: 'messaging-erasure' }),
    { objects: new S3ObjectStore(s3ClientFromEnv()), bucket: config.MESSAGE_PREVIEWS_BUCKET },
    { eraseOf: async (userId) => eraseDeliverableUploadsOf(await databaseFromEnv('messaging'), userId) },
  );
  return erasure;
}
