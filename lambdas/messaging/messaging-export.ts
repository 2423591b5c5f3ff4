/**
 * Messaging's part of the data export (DSAR, NTB-EXPORT-001), read from its DynamoDB table by the
 * privacy domain: every thread the account is a member of (active and archived), its own membership
 * settings, the messages of those threads, the ones it wrote and the ones it received, and the
 * project panel's tabs (brief, shot list, moodboard, files, docs, expenses) where the thread has them. What
 * other people wrote is given as the account saw it, and with every contact detail hidden (an
 * export must not hand out another person's email or phone); other people appear by id only (the
 * exporter pseudonymises ids that are not the account's). Image attachments: each message names the
 * previews it shows, and every thread lists the attachments the account uploaded, sent or not, with
 * their scan outcome (never storage keys or another person's uploads beyond the messages they sent).
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { JsonRow } from '../core/db/json-rows.ts';
import { redactContactDetails } from './contact-redaction.ts';
import {
  attachmentItemSchema,
  messageItemSchema,
  participantItemSchema,
  tabItemSchema,
  threadItemSchema,
  threadPk,
  ThreadErasureRepository,
  type MessageRecord,
  type TabRecord,
} from './thread.repository.ts';

export class MessagingExport {
  private readonly memberships: ThreadErasureRepository;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.memberships = new ThreadErasureRepository(client, tableName);
  }

  async section(userId: string): Promise<Record<string, JsonRow[]>> {
    const threads: JsonRow[] = [];
    for (const threadId of (await this.memberships.threadIdsOf(userId)).sort()) {
      const items = await this.threadItems(threadId);
      const thread = items.find((item) => item.sk === 'THR');
      const membership = items.find((item) => item.sk === `PART#${userId}`);
      if (!thread || !membership) continue;
      const meta = threadItemSchema.parse(thread);
      const mine = participantItemSchema.parse(membership);
      const messages = items
        .filter((item) => typeof item.sk === 'string' && item.sk.startsWith('MSG#'))
        .map((item) => messageItemSchema.parse(item))
        .map((message) => this.asSeenBy(message, userId, meta.contactRedaction));
      const panel = items
        .filter((item) => typeof item.sk === 'string' && item.sk.startsWith('TAB#'))
        .map((item) => tabItemSchema.parse(item))
        .sort((a, b) => a.tab.localeCompare(b.tab))
        .map((tab) => this.tabAsSeenBy(tab, userId));
      const attachments = items
        .filter((item) => typeof item.sk === 'string' && item.sk.startsWith('ATT#') && item.uploaderUserId === userId)
        .map((item) => attachmentItemSchema.parse(item))
        .map((attachment) => ({
          attachmentId: attachment.attachmentId,
          status: attachment.status,
          declaredContentType: attachment.contentType,
          declaredBytes: attachment.declaredBytes,
          width: attachment.width,
          height: attachment.height,
          refusal: attachment.refusal,
          messageId: attachment.messageId,
          createdAt: attachment.createdAt,
          expiresAt: attachment.expiresAt === undefined ? null : new Date(attachment.expiresAt * 1000).toISOString(),
        }));
      threads.push({
        threadId: meta.threadId,
        kind: meta.kind,
        status: meta.status,
        role: mine.roleContext,
        counterpartUserId: mine.counterpartUserId,
        listingType: meta.listingType,
        listingId: meta.listingId,
        bookingGroupId: meta.lbgId,
        createdAt: meta.createdAt,
        lastMessageAt: meta.lastMessageAt,
        settings: { muted: mine.muted, archived: mine.archived, blocked: mine.blocked, lastReadAt: mine.lastReadAt },
        messages,
        // The project panel's tabs (brief, shot list, moodboard, files, docs, expenses) as they stand: text the members wrote together,
        // so it is the account's data too. Absent when the thread never had a panel.
        ...(panel.length > 0 ? { panel } : {}),
        attachments,
      });
    }
    return { threads };
  }

  private asSeenBy(message: MessageRecord, userId: string, contactRedaction: boolean): JsonRow {
    const own = message.authorUserId === userId;
    const seen = own ? message.body : contactRedaction && message.redactedBody ? message.redactedBody : message.body;
    return {
      messageId: message.messageId,
      type: message.type,
      direction: own ? 'sent' : 'received',
      authorUserId: message.authorUserId,
      body: own ? seen : redactContactDetails(seen).text,
      attachments: (message.attachments ?? []).map(({ attachmentId, mime, w, h }) => ({
        attachmentId,
        contentType: mime,
        width: w,
        height: h,
      })),
      createdAt: message.createdAt,
    };
  }

  /** Text another member wrote is handed out with contact details hidden, as their messages are. */
  private tabAsSeenBy(tab: TabRecord, userId: string): JsonRow {
    const own = tab.updatedBy === userId;
    const shown = (text: string) => (own ? text : redactContactDetails(text).text);
    return {
      tab: tab.tab,
      version: tab.version,
      brief: tab.brief === null ? null : shown(tab.brief),
      shotList: tab.shotList?.map((shot) => ({ title: shown(shot.title), done: shot.done })) ?? null,
      moodboard:
        tab.moodboard?.map((item) => ({ attachmentId: item.attachmentId, caption: shown(item.caption) })) ?? null,
      references:
        tab.references?.map((item) => ({ attachmentId: item.attachmentId, label: shown(item.label) })) ?? null,
      expenses: tab.expenses
        ? {
            currency: tab.expenses.currency,
            lines: tab.expenses.lines.map((line) => ({
              description: shown(line.description),
              amountCents: line.amountCents,
            })),
          }
        : null,
      updatedByUserId: tab.updatedBy,
      updatedAt: tab.updatedAt,
    };
  }

  private async threadItems(threadId: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': threadPk(threadId) },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...z.array(z.record(z.string(), z.unknown())).parse(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
