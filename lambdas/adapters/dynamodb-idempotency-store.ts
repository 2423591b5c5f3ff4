/**
 * Idempotency records in DynamoDB (control table): a conditional put claims a key; the record
 * expires through TTL. An in-progress claim older than its lease is taken over, so a crashed
 * attempt does not block retries forever.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../core/clock.ts';
import type { IdempotencyClaim, IdempotencyStore } from '../core/ports.ts';

const LEASE_SECONDS = 60;

export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  private pk(key: string): string {
    return `IDEM#${key}`;
  }

  async claim(key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyClaim> {
    const now = this.clock.nowSeconds();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: this.pk(key),
            state: 'in_progress',
            fingerprint,
            leaseUntil: now + LEASE_SECONDS,
            expiresAt: now + ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :progress AND leaseUntil < :now) OR expiresAt < :now',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':progress': 'in_progress', ':now': now },
        }),
      );
      return { state: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = (
      await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: this.pk(key) }, ConsistentRead: true }),
      )
    ).Item;
    if (existing?.state === 'completed')
      return { state: 'completed', fingerprint: String(existing.fingerprint), result: String(existing.result) };
    return { state: 'in_progress', fingerprint: String(existing?.fingerprint ?? '') };
  }

  async complete(key: string, result: string, ttlSeconds: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: this.pk(key) },
        UpdateExpression: 'SET #s = :done, #r = :result, expiresAt = :exp REMOVE leaseUntil',
        ExpressionAttributeNames: { '#s': 'state', '#r': 'result' },
        ExpressionAttributeValues: {
          ':done': 'completed',
          ':result': result,
          ':exp': this.clock.nowSeconds() + ttlSeconds,
        },
      }),
    );
  }

  async release(key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: this.pk(key) } }));
  }
}
