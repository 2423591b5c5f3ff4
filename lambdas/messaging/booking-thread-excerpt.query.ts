/**
 * A read-only excerpt of a booking group's message thread, for evidence outside the platform (a
 * chargeback's evidence pack, read by payments through lambdas/messaging/index.ts). It goes to Stripe
 * and the card networks, so every contact detail in it is hidden, whoever wrote it and whatever the
 * thread showed its members; authors appear as their side of the booking (buyer / seller / system),
 * never by id. Attachments are named, not linked. The newest `limit` messages, oldest first.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { redactContactDetails } from './contact-redaction.ts';
import { messageItemSchema, pairPk, threadItemSchema, threadPk } from './thread.repository.ts';

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

  /**
   * The client's thread with each leg owner (the pair thread: a repeat pair shares one thread, and its
   * booking index key follows the newest booking, so it is found by the pair, not by the group), and
   * in it only the messages written between this booking's request and the dispute's opening; the
   * newest `limit` of them, oldest first.
   */
  async forBooking(
    input: { clientUserId: string; ownerUserIds: readonly string[]; from: Date; to: Date },
    limit: number,
  ): Promise<BookingThreadExcerpt> {
    const found = await Promise.all(
      [...new Set(input.ownerUserIds)].map((owner) => this.findPairThread(input.clientUserId, owner)),
    );
    const threadIds = [...new Set(found.filter((id): id is string => id !== undefined))];
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
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': threadPk(threadId),
              ':from': `MSG#${input.from.toISOString()}`,
              ':to': `MSG#${input.to.toISOString()}#\uffff`,
            },
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

  private async findPairThread(buyerUserId: string, sellerUserId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: pairPk(buyerUserId, sellerUserId), sk: 'PAIR' },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.threadId === 'string' ? Item.threadId : undefined;
  }
}
