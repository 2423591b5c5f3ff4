/**
 * Fixed-window counters in DynamoDB (control table) behind the RateLimiter port, for limits that
 * legitimately see bursts of concurrent requests from one key (a user sending many messages at
 * once): one atomic conditional `ADD` per request, so concurrency never causes a refusal, unlike
 * the optimistic token bucket (dynamodb-rate-limiter.ts), which refuses under contention. A policy's
 * window is capacity / refillPerSecond seconds and allows `capacity` requests.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { RateLimitDecision, RateLimitPolicy, RateLimiter } from '../core/ports.ts';

export class DynamoDbWindowLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  private window(policy: RateLimitPolicy): { index: number; endsAtMs: number; lengthMs: number } {
    const lengthMs = Math.max(1_000, Math.round((policy.capacity / policy.refillPerSecond) * 1000));
    const index = Math.floor(this.clock.nowMs() / lengthMs);
    return { index, endsAtMs: (index + 1) * lengthMs, lengthMs };
  }

  async consume(policy: RateLimitPolicy, key: string, cost = 1): Promise<RateLimitDecision> {
    const window = this.window(policy);
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `RW#${policy.name}#${key}#${window.index}` },
          UpdateExpression: 'ADD #count :cost SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(#count) OR #count <= :ceiling',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':cost': cost,
            ':ceiling': policy.capacity - cost,
            ':expires': Math.ceil(window.endsAtMs / 1000) + 60,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const used = Number(Attributes?.count ?? cost);
      return { allowed: true, remaining: Math.max(0, policy.capacity - used), retryAfterSeconds: 0 };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return {
        allowed: false,
        remaining: 0,
        retryAfterSeconds: Math.max(1, Math.ceil((window.endsAtMs - this.clock.nowMs()) / 1000)),
      };
    }
  }

  async reset(policy: RateLimitPolicy, key: string): Promise<void> {
    const window = this.window(policy);
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: `RW#${policy.name}#${key}#${window.index}` } }),
    );
  }
}
