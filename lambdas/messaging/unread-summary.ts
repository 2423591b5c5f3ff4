/**
 * What the notifications domain may read about a person's messages: how many unread messages wait
 * in how many (unmuted, unarchived) threads, for the new-message digest. A read of the inbox index
 * (GSI1) of the messaging table; exported through lambdas/messaging/index.ts.
 */
import { paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': `PARTICIPANT#${userId}` },
        ProjectionExpression: 'unreadCount, muted',
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const unread = typeof item.unreadCount === 'number' ? item.unreadCount : 0;
        if (item.muted === true || unread <= 0) continue;
        messages += unread;
        threads += 1;
      }
    return { messages, threads };
  }
}
