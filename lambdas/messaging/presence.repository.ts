/**
 * Presence and typing (seed 004 §1.4.B.2) in the TTL table: one item per thread and user
 * (`presence#{threadId}` / `{userId}`), expiring 60 s after the last beat. DynamoDB deletes expired
 * items lazily, so reads also filter on the expiry. `status` is ONLINE or AWAY (setThreadPresence); an
 * item written before it existed, or by a typing beat, is ONLINE. Leaving (OFFLINE) deletes the item.
 */
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
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
  status: z.enum(['online', 'away']).default('online'),
});
export type PresenceRecord = z.infer<typeof presenceItemSchema>;
export type PresenceStatus = PresenceRecord['status'];

const presencePk = (threadId: string) => `presence#${threadId}`;

export class PresenceRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async beat(record: Omit<PresenceRecord, 'status'> & { readonly status?: PresenceStatus }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { status: 'online', ...record, pk: presencePk(record.threadId), sk: record.userId },
      }),
    );
  }

  /**
   * A presence beat: ONLINE keeps a typing flag the member set while their item is live (one item, two
   * writers); AWAY clears it (an away member is not typing), and so does a beat on an item already past
   * its expiry (TTL deletes lazily: a typing flag from a past visit must not come back). Answers the
   * item as stored.
   */
  async setStatus(
    threadId: string,
    userId: string,
    status: PresenceStatus,
    lastSeen: string,
    expiresAt: number,
  ): Promise<PresenceRecord> {
    const set =
      'SET #status = :status, lastSeen = :lastSeen, expiresAt = :expiresAt, threadId = :threadId, userId = :userId';
    const values = {
      ':status': status,
      ':lastSeen': lastSeen,
      ':expiresAt': expiresAt,
      ':threadId': threadId,
      ':userId': userId,
    };
    const now = Math.floor(Date.parse(lastSeen) / 1000);
    // keepTyping: only on a live item with a typing flag. Otherwise typing = false: unconditionally for
    // AWAY; for ONLINE only while the item is still absent or expired (the exact complement), so a
    // typing beat that lands in between is never wiped: the keep-typing update is tried again instead.
    const update = (keepTyping: boolean) =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: presencePk(threadId), sk: userId },
          UpdateExpression: keepTyping ? set : `${set}, typing = :false`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: keepTyping
            ? { ...values, ':now': now }
            : { ...values, ':false': false, ...(status === 'online' ? { ':now': now } : {}) },
          ...(keepTyping
            ? { ConditionExpression: 'attribute_exists(typing) AND expiresAt > :now' }
            : status === 'online'
              ? { ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(typing) OR expiresAt <= :now' }
              : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
    if (status === 'away') return parsePresence((await update(false)).Attributes);
    // Each failed condition means another writer changed the item in between; a few rounds settle it.
    for (let attempt = 0; ; attempt++) {
      for (const keepTyping of [true, false]) {
        try {
          return parsePresence((await update(keepTyping)).Attributes);
        } catch (error) {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException' || attempt >= 4) throw error;
        }
      }
    }
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
    return (page.Items ?? []).map(parsePresence);
  }
}

function parsePresence(item: unknown): PresenceRecord {
  const parsed = presenceItemSchema.safeParse(item);
  if (!parsed.success) throw new InternalError('Unexpected presence item shape', undefined, { cause: parsed.error });
  return parsed.data;
}

export type PresenceStore = PortOf<PresenceRepository>;
