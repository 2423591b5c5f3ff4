/**
 * Presence and typing (seed 004 §1.4.B.2) in the TTL table: one item per thread and user
 * (`presence#{threadId}` / `{userId}`), expiring 60 s after the last beat. DynamoDB deletes expired
 * items lazily, so reads also filter on the expiry.
 */
import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { InternalError } from '../core/errors.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

export const PRESENCE_TTL_SECONDS = 60;

const presenceItemSchema = z.object({
  threadId: z.string(),
  userId: z.string(),
  typing: z.boolean(),
  lastSeen: z.string(),
  expiresAt: z.number().int(),
});
export type PresenceRecord = z.infer<typeof presenceItemSchema>;

const presencePk = (threadId: string) => `presence#${threadId}`;

export class PresenceRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async beat(record: PresenceRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...record, pk: presencePk(record.threadId), sk: record.userId },
      }),
    );
  }

  /** Account deletion: the member's presence item in a thread goes (it would expire within 60 s). */
  async forget(threadId: string, userId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: presencePk(threadId), sk: userId } }),
    );
  }

  async present(threadId: string, nowEpochSeconds: number): Promise<PresenceRecord[]> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':pk': presencePk(threadId), ':now': nowEpochSeconds },
      }),
    );
    return (page.Items ?? []).map((item) => {
      const parsed = presenceItemSchema.safeParse(item);
      if (!parsed.success)
        throw new InternalError('Unexpected presence item shape', undefined, { cause: parsed.error });
      return parsed.data;
    });
  }
}

export type PresenceStore = PortOf<PresenceRepository>;
