/**
 * Token buckets in DynamoDB (control table). Read-compute-write with an optimistic version check:
 * a concurrent writer makes the conditional put fail and we recompute, so no token is spent twice.
 * Items carry a TTL so idle buckets disappear on their own.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { RateLimitDecision, RateLimitPolicy, RateLimiter } from '../core/ports.ts';
import { refill, secondsUntil } from '../core/rate-limit.ts';

interface BucketItem {
  pk: string;
  tokens: number;
  refilledAt: number;
  version: number;
  expiresAt: number;
}

export class DynamoDbRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async consume(policy: RateLimitPolicy, key: string, cost = 1): Promise<RateLimitDecision> {
    const pk = `RL#${policy.name}#${key}`;
    for (let attempt = 0; attempt < 8; attempt++) {
      const now = this.clock.nowMs();
      const current = (
        await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }))
      ).Item as BucketItem | undefined;
      const available = current ? refill(current.tokens, current.refilledAt, now, policy) : policy.capacity;
      const allowed = available >= cost;
      const tokens = allowed ? available - cost : available;
      // Full again after this long; keep the item a little longer than that.
      const secondsToFull = (policy.capacity - tokens) / policy.refillPerSecond;
      const item: BucketItem = {
        pk,
        tokens,
        refilledAt: now,
        version: (current?.version ?? 0) + 1,
        expiresAt: Math.ceil(now / 1000 + secondsToFull + 60),
      };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: current ? '#v = :v' : 'attribute_not_exists(pk)',
            ...(current
              ? { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': current.version } }
              : {}),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue;
        throw error;
      }
      return {
        allowed,
        remaining: Math.floor(tokens),
        retryAfterSeconds: allowed ? 0 : secondsUntil(cost, tokens, policy),
      };
    }
    // Heavy contention on one bucket is itself a sign of abuse: refuse rather than guess.
    return { allowed: false, remaining: 0, retryAfterSeconds: 1 };
  }

  /** A missing item is a full bucket, so deleting it refills the bucket. */
  async reset(policy: RateLimitPolicy, key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `RL#${policy.name}#${key}` } }));
  }
}
