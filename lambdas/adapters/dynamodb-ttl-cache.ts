/**
 * A small expiring cache in the control table: JSON values under `<prefix>#<key>` with a TTL. Reads
 * ignore an item past its expiry (DynamoDB's TTL sweep runs late), deletes are immediate, so an
 * entry that must stop being trusted (a revoked partner client) can be dropped at once.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';

export interface TtlCache<T> {
  get(key: string): Promise<T | undefined>;
  put(key: string, value: T, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export class DynamoDbTtlCache<T> implements TtlCache<T> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly prefix: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async get(key: string): Promise<T | undefined> {
    const item = (
      await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `${this.prefix}#${key}` } }))
    ).Item as { value: string; expiresAt: number } | undefined;
    if (!item || item.expiresAt * 1000 <= this.clock.nowMs()) return undefined;
    return JSON.parse(item.value) as T;
  }

  async put(key: string, value: T, ttlSeconds: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `${this.prefix}#${key}`,
          value: JSON.stringify(value),
          expiresAt: Math.ceil(this.clock.nowMs() / 1000 + ttlSeconds),
        },
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `${this.prefix}#${key}` } }));
  }
}
