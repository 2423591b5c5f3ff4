/**
 * Token buckets in DynamoDB (control table), kept as GCRA (the generic cell rate algorithm): the
 * bucket is one number, its "theoretical arrival time" `tat` (ms). A token bucket of `capacity` that
 * refills one token every `interval` ms is exactly the rule "allowed when max(tat, now) + cost ·
 * interval ≤ now + capacity · interval", and then tat moves there. That makes a spend one
 * conditional UpdateItem, where the read-compute-write of the bucket's tokens took a GetItem and a
 * conditional PutItem: measured ~3 ms of the Lambda's CPU per consume (SDK, signing) and a round
 * trip, on every request a limited path serves. Concurrent spends are atomic increments of
 * `tat` under a condition, so no token is spent twice. Items carry a TTL (idle buckets disappear).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { RateLimitDecision, RateLimitPolicy, RateLimiter } from '../core/ports.ts';

/** Buckets whose last known `tat` was in the future: their next spend tries the busy path first. */
const MAX_REMEMBERED = 10_000;

export class DynamoDbRateLimiter implements RateLimiter {
  private readonly busyUntil = new Map<string, number>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async consume(policy: RateLimitPolicy, key: string, cost = 1): Promise<RateLimitDecision> {
    const pk = `RL#${policy.name}#${key}`;
    const interval = 1000 / policy.refillPerSecond;
    const now = this.clock.nowMs();
    // The latest tat that still leaves room for `cost` tokens.
    const limit = now + (policy.capacity - cost) * interval;
    const decide = (tat: number): RateLimitDecision => {
      this.remember(pk, tat, now);
      return {
        allowed: true,
        remaining: Math.floor((now + policy.capacity * interval - tat) / interval),
        retryAfterSeconds: 0,
      };
    };
    if (cost > policy.capacity) return { allowed: false, remaining: 0, retryAfterSeconds: Number.POSITIVE_INFINITY };
    // Most buckets are idle or new (a visitor's first search in a while): start them at `now`. A bucket
    // seen busy lately tries the increment first.
    let busyFirst = (this.busyUntil.get(pk) ?? 0) > now;
    for (let attempt = 0; attempt < 8; attempt++) {
      const old = busyFirst
        ? await this.spendBusy(pk, now, limit, cost * interval)
        : await this.spendIdle(pk, now, cost * interval);
      if (old.updated !== undefined) return decide(old.updated);
      // The other path's condition: a bucket whose tat is past now is busy; one at or before now is idle.
      const tat = old.tat;
      if (tat !== undefined && tat > limit) {
        this.remember(pk, tat, now);
        return { allowed: false, remaining: 0, retryAfterSeconds: (tat - limit) / 1000 };
      }
      busyFirst = tat !== undefined && tat > now;
    }
    // Heavy contention on one bucket is itself a sign of abuse: refuse rather than guess.
    return { allowed: false, remaining: 0, retryAfterSeconds: 1 };
  }

  /** A new, idle (tat ≤ now) or legacy bucket (no tat) starts at now + cost. */
  private spendIdle(pk: string, now: number, spend: number) {
    return this.update(pk, {
      UpdateExpression: 'SET tat = :next, expiresAt = :expires',
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(tat) OR tat <= :now',
      ExpressionAttributeValues: { ':next': now + spend, ':now': now, ':expires': this.expiresAt(now + spend) },
    });
  }

  /** A busy bucket (tat > now) moves by cost while that stays within the capacity. */
  private spendBusy(pk: string, now: number, limit: number, spend: number) {
    return this.update(pk, {
      UpdateExpression: 'SET tat = tat + :spend, expiresAt = :expires',
      ConditionExpression: 'tat > :now AND tat <= :limit',
      // Past the bucket's own tat by at most the capacity: keep the item a minute longer than that.
      ExpressionAttributeValues: {
        ':spend': spend,
        ':now': now,
        ':limit': limit,
        ':expires': this.expiresAt(limit + spend),
      },
    });
  }

  /** The new tat when the condition held; otherwise the item's tat as it was (undefined: none). */
  private async update(
    pk: string,
    expression: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, number>;
    },
  ): Promise<{ updated?: number; tat?: number }> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk },
          ...expression,
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { updated: Number(Attributes?.tat) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The exception carries the item in DynamoDB's wire form ({ N: '…' }): the document client
      // converts results, not errors.
      const tat = error.Item?.tat as { N?: string } | number | undefined;
      if (typeof tat === 'number') return { tat };
      return { tat: tat?.N === undefined ? undefined : Number(tat.N) };
    }
  }

  private expiresAt(tat: number): number {
    return Math.ceil(tat / 1000 + 60);
  }

  private remember(pk: string, tat: number, now: number): void {
    if (tat <= now) {
      this.busyUntil.delete(pk);
      return;
    }
    if (this.busyUntil.size >= MAX_REMEMBERED) this.busyUntil.clear();
    this.busyUntil.set(pk, tat);
  }

  /** A missing item is a full bucket, so deleting it refills the bucket. */
  async reset(policy: RateLimitPolicy, key: string): Promise<void> {
    const pk = `RL#${policy.name}#${key}`;
    this.busyUntil.delete(pk);
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk } }));
  }
}
