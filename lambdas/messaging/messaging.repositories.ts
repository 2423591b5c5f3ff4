/** The messaging domain's stores, bound to the DynamoDB tables (messaging single table, presence). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbWindowLimiter } from '../adapters/dynamodb-window-limiter.ts';
import type { MessagingConfig } from './messaging.config.ts';
import { PresenceRepository } from './presence.repository.ts';
import { ThreadRepository } from './thread.repository.ts';

export function messagingStores(
  client: DynamoDBDocumentClient,
  config: Pick<MessagingConfig, 'MESSAGING_TABLE' | 'PRESENCE_TABLE'> & Partial<Pick<MessagingConfig, 'CONTROL_TABLE'>>,
) {
  return {
    // Sends count into the send-rate window (control table) inside their own transaction.
    threads: new ThreadRepository(
      client,
      config.MESSAGING_TABLE,
      config.CONTROL_TABLE ? new DynamoDbWindowLimiter(client, config.CONTROL_TABLE) : undefined,
    ),
    presence: new PresenceRepository(client, config.PRESENCE_TABLE),
  };
}
