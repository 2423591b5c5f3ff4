/**
 * A read-only excerpt of a booking group's message thread, for evidence outside the platform (a
 * chargeback's evidence pack, read by payments through lambdas/messaging/index.ts). It goes to Stripe
 * and the card networks, so every contact detail in it is hidden, whoever wrote it and whatever the
 * thread showed its members; authors appear as their side of the booking (buyer / seller / system),
 * never by id. Attachments are named, not linked. The newest `limit` messages, oldest first.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { redactContactDetails } from './contact-redaction.ts';
import { messageItemSchema, threadItemSchema, threadPk } from './thread.repository.ts';

/** Longer messages are cut here: the pack is read by a person at the bank, and Stripe caps evidence text. */
const MAX_MESSAGE_CHARS = 600;

export interface ThreadExcerptMessage {
  readonly at: string;
  readonly author: 'buyer' | 'seller' | 'system';
  readonly text: string;
}

export interface BookingThreadExcerpt {
  readonly threadCount: number;
  /** How many messages the threads hold in all (the excerpt may show fewer). */
  readonly totalMessages: number;
  readonly messages: readonly ThreadExcerptMessage[];
}

export class BookingThreadExcerpts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The project threads of booking group `groupId` (GSI2 `LBG#…`), newest `limit` messages, oldest first. */
  async forBookingGroup(groupId: string, limit: number): Promise<BookingThreadExcerpt> {
    const index = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk',
        ExpressionAttributeValues: { ':pk': `LBG#${groupId}` },
      }),
    );
    const threadIds = [...new Set((index.Items ?? []).map((item) => String(item.threadId)))];
    const messages: ThreadExcerptMessage[] = [];
    let totalMessages = 0;
    for (const threadId of threadIds) {
      const [meta, page] = await Promise.all([
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk = :thr',
            ExpressionAttributeValues: { ':pk': threadPk(threadId), ':thr': 'THR' },
            ConsistentRead: true,
          }),
        ),
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
            ExpressionAttributeValues: { ':pk': threadPk(threadId), ':msg': 'MSG#' },
            ScanIndexForward: false,
            Limit: limit,
            ConsistentRead: true,
          }),
        ),
      ]);
      const thread = threadItemSchema.safeParse(meta.Items?.[0]);
      if (!thread.success) continue;
      totalMessages += thread.data.messageCount;
      for (const item of page.Items ?? []) {
        const parsed = messageItemSchema.safeParse(item);
        if (!parsed.success) continue;
        const message = parsed.data;
        const author =
          message.type === 'system' || message.type === 'action'
            ? 'system'
            : message.authorUserId === thread.data.buyerUserId
              ? 'buyer'
              : message.authorUserId === thread.data.sellerUserId
                ? 'seller'
                : 'system';
        const body = message.type === 'asset' ? `[image attached] ${message.body}`.trim() : message.body;
        const text = redactContactDetails(body).text;
        messages.push({
          at: message.createdAt,
          author,
          text: text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text,
        });
      }
    }
    messages.sort((a, b) => a.at.localeCompare(b.at));
    return { threadCount: threadIds.length, totalMessages, messages: messages.slice(-limit) };
  }
}
