/**
 * What the notifications domain may read about a person's messages: how many unread messages wait
 * in how many (unmuted, unarchived) threads, for the new-message digest. A read of the inbox index
 * (GSI1) of the messaging table; exported through lambdas/messaging/index.ts.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface UnreadSummary {
  readonly messages: number;
  readonly threads: number;
}

export interface UnreadMessages {
  summaryFor(userId: string): Promise<UnreadSummary>;
}

export class DynamoUnreadMessages implements UnreadMessages {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async summaryFor(userId: string): Promise<UnreadSummary> {
    let messages = 0;
    let threads = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': `PARTICIPANT#${userId}` },
          ProjectionExpression: 'unreadCount, muted',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const unread = typeof item.unreadCount === 'number' ? item.unreadCount : 0;
        if (item.muted === true || unread <= 0) continue;
        messages += unread;
        threads += 1;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { messages, threads };
  }
}
