import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { DynamoDbWindowLimiter } from './dynamodb-window-limiter.ts';

const policy = { name: 'test.send', capacity: 10, refillPerSecond: 1 };

const conflict = () =>
  new TransactionConflictException({
    message: 'Transaction is ongoing for the item',
    $metadata: { httpStatusCode: 400 },
  });

/**
 * A fake DynamoDB that answers the first `conflicts` UpdateItems as DynamoDB does while a
 * TransactWriteItems holds the item (the SDK does not retry this error), then counts like ADD.
 */
function fakeClient(conflicts: number, fail?: () => Error) {
  let count = 0;
  let calls = 0;
  const client = {
    async send(command: UpdateCommand) {
      calls += 1;
      if (calls <= conflicts) throw conflict();
      if (fail) throw fail();
      count += Number(command.input.ExpressionAttributeValues?.[':cost'] ?? 1);
      return { Attributes: { count } };
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, calls: () => calls };
}

describe('DynamoDbWindowLimiter.consume under a conflicting transaction', () => {
  it('retries a TransactionConflictException and then counts once', async () => {
    const fake = fakeClient(3);
    const limiter = new DynamoDbWindowLimiter(fake.client, 'control', new ManualClock());
    await expect(limiter.consume(policy, 'user-1')).resolves.toEqual({
      allowed: true,
      remaining: 9,
      retryAfterSeconds: 0,
    });
    expect(fake.calls()).toBe(4);
  });

  it('still answers a full window as refused after a conflict', async () => {
    const fake = fakeClient(1, () => new ConditionalCheckFailedException({ message: 'full', $metadata: {} }));
    const limiter = new DynamoDbWindowLimiter(fake.client, 'control', new ManualClock());
    const decision = await limiter.consume(policy, 'user-1');
    expect(decision.allowed).toBe(false);
    expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('gives up after a bounded number of attempts', async () => {
    const fake = fakeClient(Number.POSITIVE_INFINITY);
    const limiter = new DynamoDbWindowLimiter(fake.client, 'control', new ManualClock());
    await expect(limiter.consume(policy, 'user-1')).rejects.toBeInstanceOf(TransactionConflictException);
    expect(fake.calls()).toBe(20);
  });
});
