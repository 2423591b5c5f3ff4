/** The messaging domain's stores, bound to the DynamoDB tables (messaging single table, presence). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MessagingConfig } from './messaging.config.ts';
import { PresenceRepository } from './presence.repository.ts';
import { ThreadRepository } from './thread.repository.ts';

export function messagingStores(
  client: DynamoDBDocumentClient,
  config: Pick<MessagingConfig, 'MESSAGING_TABLE' | 'PRESENCE_TABLE'>,
) {
  return {
    threads: new ThreadRepository(client, config.MESSAGING_TABLE),
    presence: new PresenceRepository(client, config.PRESENCE_TABLE),
  };
}
