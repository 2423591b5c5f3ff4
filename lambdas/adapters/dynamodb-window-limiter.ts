/**
 * Fixed-window counters in DynamoDB (control table) behind the RateLimiter port, for limits that
 * legitimately see bursts of concurrent requests from one key (a user sending many messages at
 * once): one atomic conditional `ADD` per request, so concurrency never causes a refusal, unlike
 * the optimistic token bucket (dynamodb-rate-limiter.ts), which refuses under contention. A policy's
 * window is capacity / refillPerSecond seconds and allows `capacity` requests.
 */
import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { RateLimitDecision, RateLimitPolicy, RateLimiter } from '../core/ports.ts';

/** One item of a TransactWriteItems (document client shapes). */
export type WindowCountItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A window count taken inside the caller's own TransactWriteItems (`item`): the count moves only
 * when the caller's write commits, and a full window cancels that write with this item's condition
 * failed; `retryAfterSeconds` is what to answer then.
 */
export interface WindowCount {
  readonly item: WindowCountItem;
  readonly retryAfterSeconds: number;
}

/**
 * A plain write to an item that an in-flight TransactWriteItems holds (a text send counts the same
 * window item inside its transaction) is refused with TransactionConflictException, which the SDK
 * does not retry. The transaction ends in milliseconds, so retry with jittered backoff, bounded.
 */
const MAX_CONFLICT_ATTEMPTS = 20;

async function conflictBackoff(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

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

  /** The conditional ADD of one request into the current window (one statement for both paths). */
  private update(policy: RateLimitPolicy, key: string, cost: number) {
    const window = this.window(policy);
    return {
      window,
      update: {
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
      },
    };
  }

  /**
   * The same count as `consume`, as an item of the caller's transaction (same key, same window):
   * one DynamoDB call less per request, and a request whose write is refused for another reason
   * (a replay, a block) takes nothing from the window.
   */
  countInTransaction(policy: RateLimitPolicy, key: string, cost = 1): WindowCount {
    const { window, update } = this.update(policy, key, cost);
    return {
      item: { Update: update },
      retryAfterSeconds: Math.max(1, Math.ceil((window.endsAtMs - this.clock.nowMs()) / 1000)),
    };
  }

  async consume(policy: RateLimitPolicy, key: string, cost = 1): Promise<RateLimitDecision> {
    for (let attempt = 1; ; attempt += 1) {
      // Recomputed per attempt: a retry that crosses a window boundary counts in the new window.
      const { window, update } = this.update(policy, key, cost);
      try {
        const { Attributes } = await this.client.send(new UpdateCommand({ ...update, ReturnValues: 'UPDATED_NEW' }));
        const used = Number(Attributes?.count ?? cost);
        return { allowed: true, remaining: Math.max(0, policy.capacity - used), retryAfterSeconds: 0 };
      } catch (error) {
        if (error instanceof TransactionConflictException && attempt < MAX_CONFLICT_ATTEMPTS) {
          await conflictBackoff(attempt);
          continue;
        }
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        return {
          allowed: false,
          remaining: 0,
          retryAfterSeconds: Math.max(1, Math.ceil((window.endsAtMs - this.clock.nowMs()) / 1000)),
        };
      }
    }
  }

  async reset(policy: RateLimitPolicy, key: string): Promise<void> {
    const window = this.window(policy);
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: `RW#${policy.name}#${key}#${window.index}` } }),
    );
  }
}
