/**
 * The messaging single table (seed 004 §1.4.B.1, infra/definitions/tables.ts `messaging`):
 *
 *   pk THR#{threadId}  sk THR                 thread metadata
 *                      sk PART#{userId}       participant: read cursor, unread count, mute/archive/block,
 *                                             and the inbox row (GSI1, written on every message: fan-out)
 *                      sk MSG#{ts}#{msgId}    message frames, append-only
 *                      sk REQ#{userId}#{tok}  a client token already used (idempotent sends)
 *                      sk REQ#system#{key}    a system message already written (idempotent producers)
 *                      sk REPORT#{userId}#{reportId}
 *   pk PAIR#{buyer}#{seller}  sk PAIR         the one inquiry thread of a pair (first contact)
 *
 *   GSI1 (inbox): GSI1PK PARTICIPANT#{userId} (archived: PARTICIPANT#{userId}#ARCHIVED),
 *                 GSI1SK {lastMessageAt}#{threadId}, read newest first.
 *   GSI2 (project threads): GSI2PK LBG#{lbgId} | LEG#{legId}, GSI2SK createdAt, set when a booking
 *                 turns the inquiry into a project thread.
 *
 * Every multi-item change is one TransactWriteItems with conditions, so unread counts stay exact
 * under concurrent senders: a lost race cancels the whole transaction, which is retried with jittered
 * backoff. (No in-process turn-taking per thread: a Lambda container serves one request at a time, so
 * conflicts come from other instances, never from this process.)
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { WindowCount } from '../adapters/dynamodb-window-limiter.ts';
import { InternalError } from '../core/errors.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import type { RateLimitPolicy } from '../core/ports.ts';
import { ContendedError } from './messaging.errors.ts';

export const threadItemSchema = z.object({
  pk: z.string(),
  threadId: z.string(),
  kind: z.enum(['inquiry', 'project']),
  status: z.enum(['open', 'archived', 'locked']),
  buyerUserId: z.string(),
  sellerUserId: z.string(),
  participants: z.array(z.string()),
  listingType: z.enum(['PROFILE', 'STUDIO']),
  listingId: z.string(),
  city: z.string().nullable(),
  lbgId: z.string().nullable(),
  legId: z.string().nullable(),
  bookingId: z.string().nullable().optional(),
  /** The booking group whose action cards the thread shows (the last one a booking event named). */
  cardBookingId: z.string().nullable().optional(),
  /** The booking event that set cardBookingId (occurredAt, then id): older events never override it. */
  cardEventAt: z.string().optional(),
  cardEventId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastMessageAt: z.string().nullable(),
  messageCount: z.number().int(),
  /** Inquiry threads hide contact details from recipients until a booking is confirmed. */
  contactRedaction: z.boolean(),
  safeModeRequired: z.boolean(),
});
export type ThreadRecord = z.infer<typeof threadItemSchema>;

export const participantItemSchema = z.object({
  threadId: z.string(),
  userId: z.string(),
  roleContext: z.enum(['buyer', 'seller', 'admin']),
  counterpartUserId: z.string(),
  kind: z.enum(['inquiry', 'project']),
  threadStatus: z.enum(['open', 'archived', 'locked']),
  listingType: z.enum(['PROFILE', 'STUDIO']),
  listingId: z.string(),
  contactRedaction: z.boolean(),
  createdAt: z.string(),
  lastMessageAt: z.string().nullable(),
  lastMessagePreview: z.string().nullable(),
  unreadCount: z.number().int(),
  lastReadSk: z.string().nullable(),
  lastReadMsgId: z.string().nullable(),
  lastReadAt: z.string().nullable(),
  muted: z.boolean(),
  archived: z.boolean(),
  blocked: z.boolean(),
  blockedUntil: z.string().nullable(),
  strikes: z.number().int(),
});
export type ParticipantRecord = z.infer<typeof participantItemSchema>;

export const messageItemSchema = z.object({
  sk: z.string(),
  threadId: z.string(),
  messageId: z.string(),
  type: z.enum(['text', 'asset', 'system', 'action']),
  body: z.string(),
  /** What recipients see while the thread hides contact details; null when nothing was hidden. */
  redactedBody: z.string().nullable(),
  authorUserId: z.string(),
  createdAt: z.string(),
  nsfwBand: z.number().int(),
  flags: z.object({ moderation: z.enum(['clean', 'flagged', 'blocked']), policyHints: z.array(z.string()) }),
  /** An action message (type `action`): the booking group it is about and the status it announced. */
  card: z.object({ bookingId: z.string(), status: z.string() }).nullable().optional(),
  /** An asset message (type `asset`): the scanned, SFW preview it shows (seed 004 §1.4.B.1 attachments). */
  attachments: z
    .array(
      z.object({
        kind: z.literal('preview'),
        attachmentId: z.string(),
        s3Key: z.string(),
        mime: z.string(),
        w: z.number().int(),
        h: z.number().int(),
      }),
    )
    .optional(),
});
export type MessageRecord = z.infer<typeof messageItemSchema>;

/**
 * An image a member uploads into a thread (ATT#{attachmentId}): pending until its upload is scanned,
 * then ready (an SFW preview in the msg-previews bucket) or refused; attached to at most one message.
 */
export const attachmentItemSchema = z.object({
  threadId: z.string(),
  attachmentId: z.string(),
  uploaderUserId: z.string(),
  status: z.enum(['pending', 'ready', 'refused']),
  contentType: z.string(),
  declaredBytes: z.number().int(),
  incomingKey: z.string(),
  previewKey: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  previewWidth: z.number().int().nullable(),
  previewHeight: z.number().int().nullable(),
  nsfwBand: z.number().int().nullable(),
  refusal: z.string().nullable(),
  messageId: z.string().nullable(),
  createdAt: z.string(),
  /**
   * Epoch seconds after which an unsent attachment is gone (the table's TTL attribute; the service
   * treats it as gone at once, since TTL deletes lazily). Removed when a message claims it: sent ones stay.
   */
  expiresAt: z.number().int().optional(),
});
export type AttachmentRecord = z.infer<typeof attachmentItemSchema>;

/** A project panel tab (seed 004 §1.4: TAB#{tab}): a snapshot members edit with optimistic versions. */
export const tabItemSchema = z.object({
  threadId: z.string(),
  tab: z.enum(['brief', 'shotlist', 'moodboard', 'files', 'docs', 'expenses']),
  version: z.number().int().min(1),
  brief: z.string().nullable(),
  shotList: z.array(z.object({ title: z.string(), done: z.boolean() })).nullable(),
  /** moodboard: images shared in the thread (attachment ids), each with a caption. */
  moodboard: z.array(z.object({ attachmentId: z.string(), caption: z.string() })).nullish(),
  /** files / docs: attachments of the thread, each with a label. */
  references: z.array(z.object({ attachmentId: z.string(), label: z.string() })).nullish(),
  /** expenses: lines in integer cents, one currency (informational; contractual money is in PostgreSQL). */
  expenses: z
    .object({
      currency: z.string(),
      lines: z.array(z.object({ description: z.string(), amountCents: z.number().int() })),
    })
    .nullish(),
  updatedBy: z.string(),
  updatedAt: z.string(),
});
export type TabRecord = z.infer<typeof tabItemSchema>;

export type TabOutcome =
  | { readonly kind: 'saved' }
  | { readonly kind: 'stale'; readonly current: number }
  | { readonly kind: 'thread-closed' }
  | { readonly kind: 'blocked' };

/** Where a booking event stands in the card's history: occurredAt as UTC ISO (sortable), then its id. */
export interface CardOrder {
  readonly occurredAt: string;
  readonly eventId: string;
}

const requestItemSchema = z.object({ messageSk: z.string(), fingerprint: z.string() });

export const threadPk = (threadId: string) => `THR#${threadId}`;
export const participantSk = (userId: string) => `PART#${userId}`;
export const messageSk = (createdAt: string, messageId: string) => `MSG#${createdAt}#${messageId}`;
const attachmentSk = (attachmentId: string) => `ATT#${attachmentId}`;
/**
 * msg-previews keys of an attachment's preview: under unsent/ (expired by the bucket's lifecycle)
 * until a message claims it, then under previews/ (kept as long as the message).
 */
export const unsentPreviewKey = (threadId: string, attachmentId: string) => `unsent/${threadId}/${attachmentId}.webp`;
export const sentPreviewKey = (threadId: string, attachmentId: string) => `previews/${threadId}/${attachmentId}.webp`;
const requestSk = (userId: string, token: string) => `REQ#${userId}#${token}`;
export const pairPk = (buyerUserId: string, sellerUserId: string) => `PAIR#${buyerUserId}#${sellerUserId}`;
const inboxPk = (userId: string, archived: boolean) => `PARTICIPANT#${userId}${archived ? '#ARCHIVED' : ''}`;
const inboxSk = (lastMessageAt: string, threadId: string) => `${lastMessageAt}#${threadId}`;

/** Where an inbox walk resumes: the last row's thread and its GSI1 sort key. */
export interface InboxKey {
  readonly threadId: string;
  readonly gsi1sk: string;
}

/** Rows one inbox search call may examine (bounded work per call; the cursor resumes the walk). */
export const SEARCH_MAX_EXAMINED = 1_000;
const SEARCH_PAGE = 100;

/**
 * What an inbox row is read with: the participant row's own attributes and the sort key a cursor
 * resumes from, not the table and index keys (every name aliased: several are reserved words).
 */
const INBOX_ATTRIBUTES = [...Object.keys(participantItemSchema.shape), 'GSI1SK'];
const INBOX_PROJECTION = {
  ProjectionExpression: INBOX_ATTRIBUTES.map((_, index) => `#a${index}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(INBOX_ATTRIBUTES.map((name, index) => [`#a${index}`, name])),
};

/**
 * The one query over a viewer's inbox (GSI1, newest first), for the list and the search alike, so
 * the key shape of a resumed walk cannot drift between them.
 */
export function inboxQuery(tableName: string, userId: string, archived: boolean, startKey: InboxKey | undefined) {
  return {
    TableName: tableName,
    IndexName: 'GSI1',
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': inboxPk(userId, archived) },
    ...INBOX_PROJECTION,
    ScanIndexForward: false,
    ...(startKey
      ? {
          ExclusiveStartKey: {
            pk: threadPk(startKey.threadId),
            sk: participantSk(userId),
            GSI1PK: inboxPk(userId, archived),
            GSI1SK: startKey.gsi1sk,
          },
        }
      : {}),
  };
}

function parseItem<S extends z.ZodType>(schema: S, item: unknown): z.infer<S> {
  const result = schema.safeParse(item);
  if (!result.success) throw new InternalError('Unexpected messaging item shape', undefined, { cause: result.error });
  return result.data;
}

/** Which items of a cancelled transaction failed their condition (by position), or 'conflict'. */
function cancellation(
  error: unknown,
): { failed: number[]; items: (Record<string, unknown> | undefined)[] } | 'conflict' | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  if (reasons.some((reason) => reason.Code === 'TransactionConflict' || reason.Code === 'ThrottlingError'))
    return 'conflict';
  const failed = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
  if (failed.length === 0) return 'conflict';
  // The document client does not translate cancellation reasons: their items are AttributeValues.
  return {
    failed,
    items: reasons.map((reason) => (reason.Item ? unmarshall(reason.Item) : undefined)),
  };
}

const MAX_ATTEMPTS = 40;

async function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

export interface NewThread {
  readonly thread: ThreadRecord;
  readonly participants: readonly ParticipantRecord[];
}

export interface AppendMessage {
  readonly message: MessageRecord;
  /** Previews as each participant sees the message (recipients may get the redacted text). */
  readonly previews: Readonly<Record<string, string>>;
  readonly clientToken?: string | null | undefined;
  /** A fingerprint of the request, so a reused token with another message is refused. */
  readonly fingerprint: string;
  /** The author's attempt to pass contact details (a strike). */
  readonly strike: boolean;
  /**
   * The thread's contactRedaction the message was redacted for: the write then also requires it to
   * be unchanged, and answers `thread-changed` (with the thread as stored) when it is not.
   */
  readonly contactRedaction?: boolean;
  /** A send-rate window the message counts into, in the same transaction (the repository's `quotas`). */
  readonly quota?: { readonly policy: RateLimitPolicy; readonly key: string };
}

/** Counts a request into a rate-limit window inside a transaction (DynamoDbWindowLimiter). */
export interface TransactionalQuotas {
  countInTransaction(policy: RateLimitPolicy, key: string): WindowCount;
}

export type AppendOutcome =
  | { readonly kind: 'appended'; readonly message: MessageRecord }
  | { readonly kind: 'replayed'; readonly messageSk: string; readonly fingerprint: string }
  | { readonly kind: 'thread-closed' }
  | { readonly kind: 'not-participant' }
  | { readonly kind: 'blocked' }
  | { readonly kind: 'attachment-unavailable' }
  /** The thread's contact redaction is not the one the message was written for: rewrite it for this thread. */
  | { readonly kind: 'thread-changed'; readonly thread: ThreadRecord }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number };

export type CreateOutcome = { readonly kind: 'created' } | { readonly kind: 'pair-exists'; readonly threadId: string };

export class ThreadRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Send-rate windows counted inside a send's transaction (control table); absent: no `quota` sends. */
    private readonly quotas?: TransactionalQuotas,
  ) {}

  async getThread(threadId: string): Promise<ThreadRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: threadPk(threadId), sk: 'THR' }, ConsistentRead: true }),
    );
    return Item ? parseItem(threadItemSchema, Item) : undefined;
  }

  async getParticipant(threadId: string, userId: string): Promise<ParticipantRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: threadPk(threadId), sk: participantSk(userId) },
        ConsistentRead: true,
      }),
    );
    return Item ? parseItem(participantItemSchema, Item) : undefined;
  }

  async getMessage(threadId: string, sk: string): Promise<MessageRecord | undefined> {
    if (!sk.startsWith('MSG#')) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: threadPk(threadId), sk }, ConsistentRead: true }),
    );
    return Item ? parseItem(messageItemSchema, Item) : undefined;
  }

  /** A message by id: its sort key carries the timestamp, so it is found by the id suffix. */
  async findMessageSk(threadId: string, messageId: string): Promise<string | undefined> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
        FilterExpression: 'messageId = :id',
        ExpressionAttributeValues: { ':pk': threadPk(threadId), ':msg': 'MSG#', ':id': messageId },
        ProjectionExpression: 'sk',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      const found: unknown = page.Items?.[0]?.sk;
      if (typeof found === 'string') return found;
    }
    return undefined;
  }

  async findPairThread(buyerUserId: string, sellerUserId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: pairPk(buyerUserId, sellerUserId), sk: 'PAIR' },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.threadId === 'string' ? Item.threadId : undefined;
  }

  /** The thread, its participants and the pair item, all or nothing; a pair that has a thread wins. */
  async createThread({ thread, participants }: NewThread): Promise<CreateOutcome> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: pairPk(thread.buyerUserId, thread.sellerUserId), sk: 'PAIR', threadId: thread.threadId },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...thread, pk: threadPk(thread.threadId), sk: 'THR' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...participants.map((participant) => ({
              Put: {
                TableName: this.tableName,
                Item: {
                  ...participant,
                  pk: threadPk(thread.threadId),
                  sk: participantSk(participant.userId),
                  GSI1PK: inboxPk(participant.userId, false),
                  GSI1SK: inboxSk(thread.createdAt, thread.threadId),
                },
              },
            })),
          ],
        }),
      );
      return { kind: 'created' };
    } catch (error) {
      const cancelled = cancellation(error);
      if (cancelled && cancelled !== 'conflict' && cancelled.failed.includes(0)) {
        const existing = cancelled.items[0]?.threadId;
        if (typeof existing === 'string') return { kind: 'pair-exists', threadId: existing };
      }
      if (cancelled === 'conflict') {
        const existing = await this.findPairThread(thread.buyerUserId, thread.sellerUserId);
        if (existing) return { kind: 'pair-exists', threadId: existing };
      }
      throw error;
    }
  }

  /**
   * Appends a message and fans it out in one transaction: the message, the token, the thread's last
   * message, the author's inbox row, and each recipient's inbox row with unreadCount + 1 (and back
   * to the active inbox if they had archived it). Retried while other senders win the race.
   * The same transaction checks what a send needs and nothing is read before it: the thread is open
   * (and still redacts contact details as the message assumed, with `contactRedaction`), the author
   * is a member, neither the author nor a recipient blocked the thread, and the author's send window
   * has room (`quota`, counted only when the message is written). A failed check answers from the
   * items DynamoDB returns with the cancellation, without another read.
   */
  async appendMessage(input: AppendMessage, participants: readonly string[]): Promise<AppendOutcome> {
    const { message } = input;
    const pk = threadPk(message.threadId);
    const author = message.authorUserId;
    const recipients = participants.filter((userId) => userId !== author);
    const checkRedaction = input.contactRedaction !== undefined;
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      { Put: { TableName: this.tableName, Item: { ...message, pk }, ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: 'THR' },
          UpdateExpression: 'SET lastMessageAt = :at, updatedAt = :at ADD messageCount :one',
          ConditionExpression: `#status = :open${checkRedaction ? ' AND contactRedaction = :redaction' : ''}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': message.createdAt,
            ':open': 'open',
            ':one': 1,
            ...(checkRedaction ? { ':redaction': input.contactRedaction } : {}),
          },
          // The stored thread: tells a closed thread from a changed one, and is what a rewrite needs.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: participantSk(author) },
          UpdateExpression: `SET lastMessageAt = :at, lastMessagePreview = :preview, GSI1SK = :gsi1sk${
            input.strike ? ' ADD strikes :one' : ''
          }`,
          // A member who blocked the thread sends nothing into it either (blocks hold both ways).
          ConditionExpression: 'attribute_exists(pk) AND blocked = :false',
          ExpressionAttributeValues: {
            ':at': message.createdAt,
            ':preview': input.previews[author] ?? '',
            ':gsi1sk': inboxSk(message.createdAt, message.threadId),
            ':false': false,
            ...(input.strike ? { ':one': 1 } : {}),
          },
          // Tells a non-member (no item) from a blocker.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...recipients.map((userId) => ({
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: participantSk(userId) },
          UpdateExpression:
            'SET lastMessageAt = :at, lastMessagePreview = :preview, GSI1PK = :gsi1pk, GSI1SK = :gsi1sk, archived = :false ADD unreadCount :one',
          // A recipient who blocked this thread takes nothing from it.
          ConditionExpression: 'attribute_exists(pk) AND blocked = :false',
          ExpressionAttributeValues: {
            ':at': message.createdAt,
            ':preview': input.previews[userId] ?? '',
            ':gsi1pk': inboxPk(userId, false),
            ':gsi1sk': inboxSk(message.createdAt, message.threadId),
            ':false': false,
            ':one': 1,
          },
        },
      })),
      ...(input.clientToken
        ? [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk,
                  sk: requestSk(author, input.clientToken),
                  messageSk: message.sk,
                  fingerprint: input.fingerprint,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
              },
            },
          ]
        : []),
    ];
    const tokenIndex = input.clientToken ? items.length - 1 : -1;
    // The attachment is claimed by this message in the same transaction: ready, the author's own,
    // and not yet in another message (the token check comes first, so a replay still answers the first).
    const attachment = message.attachments?.[0];
    const attachmentIndex = attachment ? items.length : -1;
    if (attachment)
      items.push({
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: attachmentSk(attachment.attachmentId) },
          // An expired one may still be there (TTL deletes lazily) but its preview may be gone: not claimable.
          UpdateExpression: 'SET messageId = :message, previewKey = :previewKey REMOVE expiresAt',
          ConditionExpression:
            '#status = :ready AND uploaderUserId = :author AND messageId = :none AND expiresAt > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':message': message.messageId,
            ':previewKey': attachment.s3Key,
            ':ready': 'ready',
            ':author': author,
            ':none': null,
            ':now': Math.floor(Date.parse(message.createdAt) / 1000),
          },
        },
      });
    let quotaIndex = -1;
    let quotaRetryAfter = 0;
    if (input.quota) {
      if (!this.quotas) throw new InternalError('A send quota needs the repository built with its quotas');
      const count = this.quotas.countInTransaction(input.quota.policy, input.quota.key);
      quotaIndex = items.length;
      quotaRetryAfter = count.retryAfterSeconds;
      items.push(count.item);
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return { kind: 'appended', message };
      } catch (error) {
        const cancelled = cancellation(error);
        if (!cancelled) throw error;
        if (cancelled === 'conflict') {
          await backoff(attempt);
          continue;
        }
        if (cancelled.failed.includes(tokenIndex)) {
          const previous = parseItem(requestItemSchema, cancelled.items[tokenIndex]);
          return { kind: 'replayed', messageSk: previous.messageSk, fingerprint: previous.fingerprint };
        }
        if (cancelled.failed.includes(1)) {
          const stored = cancelled.items[1];
          // No thread item: nobody is a member of it.
          if (!stored) return { kind: 'not-participant' };
          const thread = parseItem(threadItemSchema, stored);
          if (thread.status !== 'open') return { kind: 'thread-closed' };
          return { kind: 'thread-changed', thread };
        }
        if (cancelled.failed.includes(2)) return cancelled.items[2] ? { kind: 'blocked' } : { kind: 'not-participant' };
        if (cancelled.failed.includes(attachmentIndex)) return { kind: 'attachment-unavailable' };
        if (cancelled.failed.some((index) => index >= 3 && index < 3 + recipients.length)) return { kind: 'blocked' };
        if (cancelled.failed.includes(quotaIndex)) return { kind: 'rate-limited', retryAfterSeconds: quotaRetryAfter };
        throw error;
      }
    }
    throw new ContendedError();
  }

  /**
   * Appends a message the platform writes (system notices, card updates) once per `requestKey`, in
   * one transaction: the message, the key, the thread's last message and every participant's inbox
   * row with unreadCount + 1 (a system message is unread for everybody, as countUnreadAfter counts it).
   * A replayed key answers the first message's sort key, so a redelivered event writes nothing twice.
   */
  async appendSystemMessage(
    message: MessageRecord,
    participants: readonly string[],
    requestKey: string,
  ): Promise<{ readonly kind: 'appended' | 'replayed'; readonly messageSk: string }> {
    const pk = threadPk(message.threadId);
    const items = [
      {
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: `REQ#system#${requestKey}`, messageSk: message.sk, fingerprint: requestKey },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      },
      { Put: { TableName: this.tableName, Item: { ...message, pk }, ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: 'THR' },
          UpdateExpression: 'SET lastMessageAt = :at, updatedAt = :at ADD messageCount :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': message.createdAt, ':one': 1 },
        },
      },
      ...participants.map((userId) => ({
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: participantSk(userId) },
          UpdateExpression:
            'SET lastMessageAt = :at, lastMessagePreview = :preview, GSI1SK = :gsi1sk ADD unreadCount :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':at': message.createdAt,
            ':preview': message.body.slice(0, 140),
            ':gsi1sk': inboxSk(message.createdAt, message.threadId),
            ':one': 1,
          },
        },
      })),
    ];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return { kind: 'appended', messageSk: message.sk };
      } catch (error) {
        const cancelled = cancellation(error);
        if (!cancelled) throw error;
        if (cancelled === 'conflict') {
          await backoff(attempt);
          continue;
        }
        if (cancelled.failed.includes(0))
          return { kind: 'replayed', messageSk: parseItem(requestItemSchema, cancelled.items[0]).messageSk };
        throw new InternalError('System message refused: the thread or a participant is gone', undefined, {
          cause: error,
        });
      }
    }
    throw new ContendedError();
  }

  /** Newest first; `startSk` is the last sort key of the previous page. */
  async listMessages(
    threadId: string,
    limit: number,
    startSk: string | undefined,
  ): Promise<{ items: MessageRecord[]; lastSk: string | undefined }> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: startSk ? 'pk = :pk AND sk BETWEEN :lo AND :hi' : 'pk = :pk AND begins_with(sk, :msg)',
        ExpressionAttributeValues: startSk
          ? { ':pk': threadPk(threadId), ':lo': 'MSG#', ':hi': startSk }
          : { ':pk': threadPk(threadId), ':msg': 'MSG#' },
        ScanIndexForward: false,
        // One more than asked: the page after the cursor must not include the cursor's own item.
        Limit: startSk ? limit + 1 : limit,
        ConsistentRead: true,
      }),
    );
    let items = (page.Items ?? []).map((item) => parseItem(messageItemSchema, item));
    if (startSk) items = items.filter((item) => item.sk !== startSk).slice(0, limit);
    const more = startSk
      ? (page.Items?.length ?? 0) > limit || Boolean(page.LastEvaluatedKey)
      : Boolean(page.LastEvaluatedKey);
    return { items, lastSk: more && items.length > 0 ? items[items.length - 1]!.sk : undefined };
  }

  /**
   * A page of a thread as one member reads it: their participant row (membership, read cursor,
   * contact redaction) and the newest messages, undefined when `userId` is no participant.
   * The first page is one Query: newest first from the viewer's own PART# row down through the
   * messages (`MSG#` < `PART#` < `REPORT#`/`REQ#`/`TAB#`/`THR`, and `ATT#` sorts below `MSG#`), so
   * the range holds the participant rows that sort at or below the viewer's (a thread has two or
   * three) and then the messages; when the first item is not the viewer's row they are not a member
   * and none of the messages read leave this method. A later page (after `startSk`) cannot start
   * at the PART# row, so it reads the row and the messages side by side (two calls, one round trip).
   */
  async threadPage(
    threadId: string,
    userId: string,
    limit: number,
    startSk: string | undefined,
  ): Promise<{ participant: ParticipantRecord; items: MessageRecord[]; lastSk: string | undefined } | undefined> {
    if (startSk) {
      const [participant, page] = await Promise.all([
        this.getParticipant(threadId, userId),
        this.listMessages(threadId, limit, startSk),
      ]);
      return participant ? { participant, ...page } : undefined;
    }
    const ownSk = participantSk(userId);
    let participant: ParticipantRecord | undefined;
    const items: MessageRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :own',
          ExpressionAttributeValues: { ':pk': threadPk(threadId), ':lo': 'MSG#', ':own': ownSk },
          ScanIndexForward: false,
          // The viewer's row, up to two other participant rows, the page, and one more to know there is a next page.
          Limit: limit + 4,
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const found = page.Items ?? [];
      if (!participant) {
        if (found[0]?.sk !== ownSk) return undefined;
        participant = parseItem(participantItemSchema, found[0]);
      }
      for (const item of found)
        if (typeof item.sk === 'string' && item.sk.startsWith('MSG#')) items.push(parseItem(messageItemSchema, item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length <= limit);
    const more = items.length > limit || Boolean(startKey);
    const shown = items.slice(0, limit);
    return { participant, items: shown, lastSk: more && shown.length > 0 ? shown[shown.length - 1]!.sk : undefined };
  }

  /** The viewer's inbox rows, newest message first (GSI1, eventually consistent as GSIs are). */
  async inbox(
    userId: string,
    archived: boolean,
    limit: number,
    startKey: InboxKey | undefined,
  ): Promise<{ items: ParticipantRecord[]; last: InboxKey | undefined }> {
    const page = await this.client.send(
      new QueryCommand({ ...inboxQuery(this.tableName, userId, archived, startKey), Limit: limit }),
    );
    const items = (page.Items ?? []).map((item) => parseItem(participantItemSchema, item));
    const lastItem = page.Items?.[page.Items.length - 1];
    return {
      items,
      last:
        page.LastEvaluatedKey && lastItem
          ? { threadId: String(lastItem.threadId), gsi1sk: String(lastItem.GSI1SK) }
          : undefined,
    };
  }

  /**
   * The viewer's inbox rows, newest first, that `matches` accepts: a walk over their own GSI1
   * partition that stops at `limit` matches or after `maxExamined` rows, whichever comes first, so
   * one call's work is bounded however many threads the viewer has. `last` is the last row examined
   * when the walk stopped early (resume after it), undefined when it reached the end.
   */
  async searchInbox(
    userId: string,
    archived: boolean,
    matches: (row: ParticipantRecord) => boolean,
    limit: number,
    startKey: InboxKey | undefined,
    maxExamined: number = SEARCH_MAX_EXAMINED,
  ): Promise<{ items: ParticipantRecord[]; last: InboxKey | undefined }> {
    const items: ParticipantRecord[] = [];
    let examined = 0;
    let start = startKey;
    for (;;) {
      // Never read more than the rows still allowed: the walk's cost is its examined rows.
      const page = await this.client.send(
        new QueryCommand({
          ...inboxQuery(this.tableName, userId, archived, start),
          Limit: Math.min(SEARCH_PAGE, maxExamined - examined),
        }),
      );
      for (const item of page.Items ?? []) {
        examined += 1;
        const row = parseItem(participantItemSchema, item);
        const key = { threadId: row.threadId, gsi1sk: String(item.GSI1SK) };
        if (matches(row)) {
          items.push(row);
          if (items.length === limit) return { items, last: key };
        }
        start = key;
      }
      if (!page.LastEvaluatedKey) return { items, last: undefined };
      if (examined >= maxExamined) return { items, last: start };
    }
  }

  /** How many messages of others come after the read cursor `afterSk` (all of them when null). */
  async countUnreadAfter(threadId: string, userId: string, afterSk: string | null): Promise<number> {
    let count = 0;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        // Messages only ('MSG$' sorts right after every 'MSG#…'); `<>` is true for a missing
        // attribute, so non-message items must be kept out by the key range, not the filter.
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :after AND :end',
        FilterExpression: 'authorUserId <> :me AND attribute_exists(authorUserId)',
        ExpressionAttributeValues: {
          ':pk': threadPk(threadId),
          // `${cursor}!` sorts after the cursor and before every later message (ids have one
          // length): strictly after it, since filters cannot name the sort key.
          ':after': afterSk ? `${afterSk}!` : 'MSG#',
          ':end': 'MSG$',
          ':me': userId,
        },
        Select: 'COUNT',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }

  /**
   * Moves a read cursor and sets the unread count computed for it, provided no message arrived
   * since the count (messageCount unchanged) and the cursor only moves forward. False: recount.
   */
  async setReadCursor(
    threadId: string,
    userId: string,
    cursor: { sk: string; messageId: string; at: string; unreadCount: number },
    expectedMessageCount: number,
  ): Promise<'moved' | 'stale' | 'behind'> {
    const pk = threadPk(threadId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: { pk, sk: 'THR' },
                ConditionExpression: 'messageCount = :count',
                ExpressionAttributeValues: { ':count': expectedMessageCount },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: { pk, sk: participantSk(userId) },
                UpdateExpression: 'SET lastReadSk = :sk, lastReadMsgId = :id, lastReadAt = :at, unreadCount = :unread',
                ConditionExpression:
                  'attribute_exists(pk) AND (attribute_type(lastReadSk, :null) OR lastReadSk <= :sk)',
                ExpressionAttributeValues: {
                  ':sk': cursor.sk,
                  ':id': cursor.messageId,
                  ':at': cursor.at,
                  ':unread': cursor.unreadCount,
                  ':null': 'NULL',
                },
              },
            },
          ],
        }),
      );
      return 'moved';
    } catch (error) {
      const cancelled = cancellation(error);
      if (!cancelled || cancelled === 'conflict') {
        if (cancelled === 'conflict') return 'stale';
        throw error;
      }
      return cancelled.failed.includes(0) ? 'stale' : 'behind';
    }
  }

  async setParticipantFlag(
    threadId: string,
    userId: string,
    flag: 'muted' | 'archived' | 'blocked',
    value: boolean,
  ): Promise<ParticipantRecord | undefined> {
    const archiveKeys = flag === 'archived' ? ', GSI1PK = :gsi1pk' : '';
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: threadPk(threadId), sk: participantSk(userId) },
          UpdateExpression: `SET #flag = :value${archiveKeys}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#flag': flag },
          ExpressionAttributeValues: {
            ':value': value,
            ...(flag === 'archived' ? { ':gsi1pk': inboxPk(userId, value) } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? parseItem(participantItemSchema, Attributes) : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  /** Booking confirmed: contact details are no longer hidden; an inquiry becomes a project thread. */
  async liftContactRedaction(
    threadId: string,
    participants: readonly string[],
    booking: { bookingId: string; lbgId: string | null; legId: string | null },
    at: string,
  ): Promise<void> {
    const pk = threadPk(threadId);
    const projectKey = booking.lbgId ? `LBG#${booking.lbgId}` : booking.legId ? `LEG#${booking.legId}` : null;
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: { pk, sk: 'THR' },
              UpdateExpression: `SET contactRedaction = :false, kind = :project, bookingId = :booking, lbgId = :lbg, legId = :leg, updatedAt = :at${
                projectKey ? ', GSI2PK = :gsi2pk, GSI2SK = createdAt' : ''
              }`,
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: {
                ':false': false,
                ':project': 'project',
                ':booking': booking.bookingId,
                ':lbg': booking.lbgId,
                ':leg': booking.legId,
                ':at': at,
                ...(projectKey ? { ':gsi2pk': projectKey } : {}),
              },
            },
          },
          ...participants.map((userId) => ({
            Update: {
              TableName: this.tableName,
              Key: { pk, sk: participantSk(userId) },
              UpdateExpression: 'SET contactRedaction = :false, kind = :project',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':false': false, ':project': 'project' },
            },
          })),
        ],
      }),
    );
  }

  /**
   * Stores a new pending attachment unless its uploader already holds `limit` unsent, unexpired ones
   * in the thread. Atomic under concurrency: the uploader's participant item carries a counter
   * (`attachmentSeq`) read before counting and moved in the same transaction as the put, so a
   * reservation that lands between our count and our write makes ours fail and count again.
   * Blocks both ways are checked in that transaction too: neither the uploader nor any other member
   * of `participants` may have blocked the thread (an upload nobody may receive is never signed).
   */
  async reserveAttachment(
    attachment: AttachmentRecord & { readonly expiresAt: number },
    limit: number,
    nowSeconds: number,
    participants: readonly string[],
  ): Promise<'reserved' | 'quota' | 'not-participant' | 'blocked'> {
    const pk = threadPk(attachment.threadId);
    const participantKey = { pk, sk: participantSk(attachment.uploaderUserId) };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: participantKey,
          ProjectionExpression: 'attachmentSeq, userId, blocked',
          ConsistentRead: true,
        }),
      );
      if (!Item) return 'not-participant';
      if (Item.blocked === true) return 'blocked';
      const recipients = participants.filter((userId) => userId !== attachment.uploaderUserId);
      const seq = typeof Item.attachmentSeq === 'number' ? Item.attachmentSeq : undefined;
      if ((await this.unsentAttachmentCount(attachment.threadId, attachment.uploaderUserId, nowSeconds)) >= limit)
        return 'quota';
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: participantKey,
                  UpdateExpression: 'SET attachmentSeq = :next',
                  // A block set since our read also fails here: the next attempt's read tells which.
                  ConditionExpression: `${
                    seq === undefined
                      ? 'attribute_exists(pk) AND attribute_not_exists(attachmentSeq)'
                      : 'attachmentSeq = :seq'
                  } AND blocked = :false`,
                  ExpressionAttributeValues: {
                    ':next': (seq ?? 0) + 1,
                    ':false': false,
                    ...(seq === undefined ? {} : { ':seq': seq }),
                  },
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...attachment, pk, sk: attachmentSk(attachment.attachmentId) },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              // Every other member: still in the thread and not blocking it.
              ...recipients.map((userId) => ({
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: { pk, sk: participantSk(userId) },
                  ConditionExpression: 'attribute_exists(pk) AND blocked = :false',
                  ExpressionAttributeValues: { ':false': false },
                },
              })),
            ],
          }),
        );
        return 'reserved';
      } catch (error) {
        const cancelled = cancellation(error);
        if (!cancelled) throw error;
        if (cancelled !== 'conflict' && cancelled.failed.some((index) => index >= 2)) return 'blocked';
        await backoff(attempt);
      }
    }
    throw new ContendedError();
  }

  /** Attachments of `userId` in the thread that no message carries yet, not refused and not expired. */
  async unsentAttachmentCount(threadId: string, userId: string, nowSeconds: number): Promise<number> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :att)',
        FilterExpression:
          'uploaderUserId = :user AND attribute_type(messageId, :nullType) AND #status <> :refused AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': threadPk(threadId),
          ':att': 'ATT#',
          ':user': userId,
          ':nullType': 'NULL',
          ':refused': 'refused',
          ':now': nowSeconds,
        },
        Select: 'COUNT',
        ConsistentRead: true,
      },
    );
    let count = 0;
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }

  async getAttachment(threadId: string, attachmentId: string): Promise<AttachmentRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: threadPk(threadId), sk: attachmentSk(attachmentId) },
        ConsistentRead: true,
      }),
    );
    return Item ? parseItem(attachmentItemSchema, Item) : undefined;
  }

  /**
   * Records a scan's verdict on a pending attachment (ready with its preview, or refused). Only a
   * pending one moves: of concurrent completions one writes, the others read what it wrote.
   */
  async settleAttachment(
    threadId: string,
    attachmentId: string,
    verdict: Pick<
      AttachmentRecord,
      'status' | 'previewKey' | 'width' | 'height' | 'previewWidth' | 'previewHeight' | 'nsfwBand' | 'refusal'
    >,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: threadPk(threadId), sk: attachmentSk(attachmentId) },
          UpdateExpression:
            'SET #status = :status, previewKey = :previewKey, width = :width, height = :height, previewWidth = :pw, previewHeight = :ph, nsfwBand = :band, refusal = :refusal',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': verdict.status,
            ':previewKey': verdict.previewKey,
            ':width': verdict.width,
            ':height': verdict.height,
            ':pw': verdict.previewWidth,
            ':ph': verdict.previewHeight,
            ':band': verdict.nsfwBand,
            ':refusal': verdict.refusal,
            ':pending': 'pending',
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** The thread's panel tabs as stored (TAB#…), read consistently. */
  async tabs(threadId: string): Promise<TabRecord[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tab)',
        ExpressionAttributeValues: { ':pk': threadPk(threadId), ':tab': 'TAB#' },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => parseItem(tabItemSchema, item));
  }

  /**
   * Writes `tab` at `tab.version` if the stored version is `tab.version - 1` (none for version 1),
   * in one transaction with checks that the thread is open and that no participant has blocked it:
   * a lock or a block that lands between the caller's read and this write still wins. Concurrent
   * editors of one version: one wins; the others are told the current version.
   */
  async putTab(tab: TabRecord, participants: readonly string[]): Promise<TabOutcome> {
    const pk = threadPk(tab.threadId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: { pk, sk: 'THR' },
                ConditionExpression: '#status = :open',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':open': 'open' },
              },
            },
            ...participants.map((userId) => ({
              ConditionCheck: {
                TableName: this.tableName,
                Key: { pk, sk: participantSk(userId) },
                ConditionExpression: 'attribute_exists(pk) AND blocked = :false',
                ExpressionAttributeValues: { ':false': false },
              },
            })),
            {
              Put: {
                TableName: this.tableName,
                Item: { ...tab, pk, sk: `TAB#${tab.tab}` },
                ConditionExpression: tab.version === 1 ? 'attribute_not_exists(pk)' : 'version = :previous',
                ...(tab.version === 1 ? {} : { ExpressionAttributeValues: { ':previous': tab.version - 1 } }),
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
              },
            },
          ],
        }),
      );
      return { kind: 'saved' };
    } catch (error) {
      const cancelled = cancellation(error);
      if (!cancelled) throw error;
      // Another writer's transaction on the same items: report the version now stored (reload, retry).
      if (cancelled === 'conflict') return { kind: 'stale', current: await this.tabVersion(tab.threadId, tab.tab) };
      if (cancelled.failed.includes(0)) return { kind: 'thread-closed' };
      if (cancelled.failed.some((index) => index >= 1 && index <= participants.length)) return { kind: 'blocked' };
      const old = cancelled.items[participants.length + 1];
      return { kind: 'stale', current: typeof old?.version === 'number' ? old.version : 0 };
    }
  }

  private async tabVersion(threadId: string, tab: TabRecord['tab']): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: threadPk(threadId), sk: `TAB#${tab}` },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.version === 'number' ? Item.version : 0;
  }

  /**
   * The booking group whose action cards the thread shows from now on, if this event is newer than
   * the one that set it last: ordered by the event's occurredAt, ties broken by its id (ULIDs sort
   * by creation). Events arrive at least once and in any order (SQS, retries): a late older event
   * must not switch the card back, so the comparison is the write's own condition, not a prior read.
   * Answers whether the card moved (false: an equal or newer event was already applied).
   */
  async setCardBooking(threadId: string, groupId: string, order: CardOrder, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: threadPk(threadId), sk: 'THR' },
          UpdateExpression:
            'SET cardBookingId = :group, cardEventAt = :occurred, cardEventId = :event, updatedAt = :at',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(cardEventAt) OR cardEventAt < :occurred OR (cardEventAt = :occurred AND cardEventId < :event))',
          ExpressionAttributeValues: {
            ':group': groupId,
            ':occurred': order.occurredAt,
            ':event': order.eventId,
            ':at': at,
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Project threads of a booking group or leg (GSI2), oldest first. */
  async projectThreads(key: { lbgId?: string; legId?: string }): Promise<string[]> {
    const gsi2pk = key.lbgId ? `LBG#${key.lbgId}` : `LEG#${key.legId}`;
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk',
        ExpressionAttributeValues: { ':pk': gsi2pk },
      }),
    );
    return (page.Items ?? []).map((item) => String(item.threadId));
  }

  async putReport(report: {
    threadId: string;
    reportId: string;
    reporterUserId: string;
    messageId: string | null;
    reason: string;
    note: string | null;
    createdAt: string;
  }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...report, pk: threadPk(report.threadId), sk: `REPORT#${report.reporterUserId}#${report.reportId}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
}

export interface MemberErasure {
  readonly messages: number;
  readonly requests: number;
  readonly reports: number;
  readonly counterparts: number;
  /** Unsent attachments of the member deleted with their stored objects. */
  readonly unsentAttachments: number;
}

/** Deletes stored objects (msg-previews keys) of an erased member's unsent attachments. */
export type DropObjects = (keys: readonly string[]) => Promise<void>;

/** Every item of a thread partition (thread, participants, messages, tokens, reports), in pages. */
async function* threadItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  threadId: string,
): AsyncGenerator<Record<string, unknown>> {
  const pages = paginateQuery(
    { client },
    {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': threadPk(threadId) },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) yield* page.Items ?? [];
}

/**
 * Account deletion in the messaging table (the messaging-user-deleted consumer). Each step is
 * idempotent on its own and the member's own participant item is re-keyed last, so a consumer run
 * that fails half-way is found again through the member's inbox and finished on redelivery.
 */
export class ThreadErasureRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The threads of a member (their active and archived inbox rows on GSI1). */
  async threadIdsOf(userId: string): Promise<string[]> {
    const ids = new Set<string>();
    for (const archived of [false, true]) {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': inboxPk(userId, archived) },
        },
      );
      for await (const page of pages)
        for (const item of page.Items ?? []) if (typeof item.threadId === 'string') ids.add(item.threadId);
    }
    return [...ids];
  }

  /**
   * One thread of an erased member: their message bodies become `tombstone` (author pseudonymised),
   * their send tokens go, their reports are kept under the pseudonym without the note, the other
   * members' rows name the pseudonym (their own history, counters and inbox stay), the thread is
   * locked (no one can write to an erased account) and its pair item, which names both accounts,
   * is deleted. Last, the member's own row is re-keyed to the pseudonym without an inbox entry.
   */
  async eraseMember(
    threadId: string,
    userId: string,
    pseudonym: string,
    tombstone: string,
    dropObjects: DropObjects,
  ): Promise<MemberErasure> {
    const pk = threadPk(threadId);
    const counts = { messages: 0, requests: 0, reports: 0, counterparts: 0, unsentAttachments: 0 };
    const unsent: string[] = [];
    let own: Record<string, unknown> | undefined;
    let thread: Record<string, unknown> | undefined;
    let lastAuthor: unknown;
    const send = (command: UpdateCommand | PutCommand | DeleteCommand) => this.client.send(command as never);
    for await (const item of threadItems(this.client, this.tableName, threadId)) {
      const sk = String(item.sk);
      if (sk.startsWith('MSG#')) {
        lastAuthor = item.authorUserId;
        if (item.authorUserId !== userId) continue;
        await send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk },
            UpdateExpression:
              'SET body = :tombstone, redactedBody = :null, authorUserId = :pseudonym, flags.policyHints = :none',
            ExpressionAttributeValues: { ':tombstone': tombstone, ':null': null, ':pseudonym': pseudonym, ':none': [] },
          }),
        );
        counts.messages += 1;
      } else if (sk.startsWith(`REQ#${userId}#`)) {
        await send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } }));
        counts.requests += 1;
      } else if (sk.startsWith(`REPORT#${userId}#`)) {
        const reportId = sk.slice(`REPORT#${userId}#`.length);
        await send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...item, sk: `REPORT#${pseudonym}#${reportId}`, reporterUserId: pseudonym, note: null },
          }),
        );
        await send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } }));
        counts.reports += 1;
      } else if (sk === participantSk(userId)) {
        own = item;
      } else if (sk.startsWith('PART#') && item.counterpartUserId === userId) {
        await send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk },
            UpdateExpression: 'SET counterpartUserId = :pseudonym, threadStatus = :locked',
            ExpressionAttributeValues: { ':pseudonym': pseudonym, ':locked': 'locked' },
          }),
        );
        counts.counterparts += 1;
      } else if (sk.startsWith('TAB#') && item.updatedBy === userId) {
        // A shared project document: its content stays with the other member; the editor becomes the pseudonym.
        await send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk },
            UpdateExpression: 'SET updatedBy = :pseudonym',
            ExpressionAttributeValues: { ':pseudonym': pseudonym },
          }),
        );
      } else if (sk.startsWith('ATT#') && item.uploaderUserId === userId && item.messageId == null) {
        // Never shared: nobody else has a claim on it. Deleted once the thread is locked (below).
        unsent.push(sk);
      } else if (sk.startsWith('ATT#') && item.uploaderUserId === userId) {
        // A shared image stays with the other member, as the message that shows it does.
        await send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk },
            UpdateExpression: 'SET uploaderUserId = :pseudonym',
            ExpressionAttributeValues: { ':pseudonym': pseudonym },
          }),
        );
      } else if (sk === 'THR') {
        thread = item;
      }
    }
    if (lastAuthor === userId || lastAuthor === pseudonym) {
      // The other members' inbox previews showed the erased member's last message.
      for await (const item of threadItems(this.client, this.tableName, threadId))
        if (String(item.sk).startsWith('PART#') && item.sk !== participantSk(userId))
          await send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk, sk: item.sk },
              UpdateExpression: 'SET lastMessagePreview = :tombstone',
              ExpressionAttributeValues: { ':tombstone': tombstone },
            }),
          );
    }
    if (thread) {
      const swap = (id: unknown) => (id === userId ? pseudonym : id);
      if (typeof thread.buyerUserId === 'string' && typeof thread.sellerUserId === 'string')
        await send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: pairPk(thread.buyerUserId, thread.sellerUserId), sk: 'PAIR' },
          }),
        );
      await send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk, sk: 'THR' },
          UpdateExpression:
            'SET buyerUserId = :buyer, sellerUserId = :seller, participants = :participants, #status = :locked',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':buyer': swap(thread.buyerUserId),
            ':seller': swap(thread.sellerUserId),
            ':participants': (Array.isArray(thread.participants) ? thread.participants : []).map(swap),
            ':locked': 'locked',
          },
        }),
      );
    }
    // The thread is locked now, so no send can claim these any more; read again in case one did before.
    // Objects first, then the item: a run that fails in between finds the item again on redelivery
    // (the member's own row, re-keyed last, still leads to this thread).
    for (const sk of unsent) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
      );
      if (!Item) continue;
      if (Item.messageId != null) {
        await send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk },
            UpdateExpression: 'SET uploaderUserId = :pseudonym',
            ExpressionAttributeValues: { ':pseudonym': pseudonym },
          }),
        );
        continue;
      }
      await dropObjects([Item.incomingKey, Item.previewKey].filter((key): key is string => typeof key === 'string'));
      await send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } }));
      counts.unsentAttachments += 1;
    }
    if (own) {
      const { GSI1PK: _inbox, GSI1SK: _inboxSort, ...kept } = own;
      await send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...kept,
            sk: participantSk(pseudonym),
            userId: pseudonym,
            threadStatus: 'locked',
            lastMessagePreview: null,
          },
        }),
      );
      await send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: participantSk(userId) } }));
    }
    return counts;
  }
}

export type ThreadErasureStore = PortOf<ThreadErasureRepository>;

export type ThreadStore = PortOf<ThreadRepository>;
