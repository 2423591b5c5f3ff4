/**
 * A send reads nothing before its one TransactWriteItems (#13): the thread's members and redaction
 * come from the container's cache, and the transaction's own conditions decide. These are the
 * conditional paths that replaced the reads: a block racing sends (both ways), the send-rate window
 * counted inside the transaction, a thread confirmed or locked after the cache learnt it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbWindowLimiter } from '../../lambdas/adapters/dynamodb-window-limiter.ts';
import { controlTable, messagingTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { ManualClock } from '../../lambdas/core/clock.ts';
import { fingerprintOf } from '../../lambdas/core/idempotency.ts';
import { newId } from '../../lambdas/core/ids.ts';
import {
  messageSk,
  ThreadRepository,
  type AppendMessage,
  type AppendOutcome,
  type MessageRecord,
} from '../../lambdas/messaging/thread.repository.ts';
import { publishedStudio } from '../support/booking.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlAs, gqlOk } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

interface User {
  readonly userId: string;
  readonly accessToken: string;
}

const TABLE = physicalTableName('local', messagingTable);
const CONTROL = physicalTableName('local', controlTable);
let documents: DynamoDBDocumentClient;
let threads: ThreadRepository;
/** The window limiter's clock, held still: the test's window cannot roll over while it runs. */
const windowClock = new ManualClock(Date.now());

beforeAll(() => {
  const { endpoints } = stackInfo();
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: endpoints.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  threads = new ThreadRepository(documents, TABLE, new DynamoDbWindowLimiter(documents, CONTROL, windowClock));
});

async function mintedUser(role: 'client' | 'provider'): Promise<User> {
  const userId = newId('user');
  return { userId, accessToken: await mintAccessToken({ userId, roles: [role] }) };
}

/** A fresh inquiry thread between a new buyer and a new studio owner, started over GraphQL. */
async function freshThread(): Promise<{ threadId: string; buyer: User; owner: User }> {
  const [buyer, owner] = await Promise.all([mintedUser('client'), mintedUser('provider')]);
  const studioId = await publishedStudio(owner.userId, { instantBook: false });
  const threadId = (
    await gqlOk(
      buyer.accessToken,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
      { input: { studioId, body: 'Opening message' } },
    )
  ).startInquiry.thread.threadId as string;
  return { threadId, buyer, owner };
}

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId body redacted } }`;
const THREAD = `query($t: ID!) { thread(threadId: $t) { unreadCount blocked } }`;
const MESSAGES = `query($t: ID!) { threadMessages(threadId: $t, limit: 100) { items { messageId authorUserId body redacted } } }`;
const BLOCK = `mutation($t: ID!, $b: Boolean!) { setThreadBlocked(threadId: $t, blocked: $b) { blocked } }`;

const sendAs = (user: User, threadId: string, body: string) =>
  gqlAs(user.accessToken, SEND, { input: { threadId, body } });
const unreadOf = async (user: User, threadId: string) =>
  (await gqlOk(user.accessToken, THREAD, { t: threadId })).thread.unreadCount as number;

/** A text message by `author` into the thread through the repository (what the service writes). */
function append(
  threadId: string,
  participants: readonly string[],
  author: string,
  body: string,
  extra: Partial<Pick<AppendMessage, 'clientToken' | 'contactRedaction' | 'quota'>> = {},
): Promise<AppendOutcome> {
  const createdAt = new Date().toISOString();
  const messageId = newId('message');
  const message: MessageRecord = {
    sk: messageSk(createdAt, messageId),
    threadId,
    messageId,
    type: 'text',
    body,
    redactedBody: null,
    authorUserId: author,
    createdAt,
    nsfwBand: 0,
    flags: { moderation: 'clean', policyHints: [] },
  };
  return threads.appendMessage(
    {
      message,
      previews: Object.fromEntries(participants.map((userId) => [userId, body])),
      fingerprint: fingerprintOf({ threadId, body }),
      strike: false,
      ...extra,
    },
    participants,
  );
}

describe('a block racing sends', () => {
  it('each send lands before the block or is refused; counts match what landed; the blocker is refused too', async () => {
    const { threadId, buyer, owner } = await freshThread();
    // Both members send once first: this container now knows the thread (no read before the next sends).
    for (const user of [buyer, owner]) expect((await sendAs(user, threadId, 'warm')).errors).toBeUndefined();

    const racing = await Promise.all([
      ...Array.from({ length: 15 }, (_, i) => sendAs(buyer, threadId, `buyer ${i}`).then((a) => ['buyer', a] as const)),
      ...Array.from({ length: 15 }, (_, i) => sendAs(owner, threadId, `owner ${i}`).then((a) => ['owner', a] as const)),
      gqlOk(owner.accessToken, BLOCK, { t: threadId, b: true }).then((a) => ['block', a] as const),
    ]);
    const landed = { buyer: 0, owner: 0 };
    for (const [who, answer] of racing) {
      if (who === 'block') continue;
      if (answer.errors === undefined) landed[who] += 1;
      else expect(answer.errors[0]).toMatchObject({ errorType: 'FORBIDDEN', errorInfo: { code: 'MESSAGING.BLOCKED' } });
    }
    // What landed is exactly what is stored and counted, for each side.
    const stored = (await gqlOk(buyer.accessToken, MESSAGES, { t: threadId })).threadMessages.items as {
      authorUserId: string;
    }[];
    expect(stored.filter((m) => m.authorUserId === buyer.userId)).toHaveLength(1 + 1 + landed.buyer);
    expect(stored.filter((m) => m.authorUserId === owner.userId)).toHaveLength(1 + landed.owner);
    expect(await unreadOf(owner, threadId)).toBe(1 + 1 + landed.buyer);
    expect(await unreadOf(buyer, threadId)).toBe(1 + landed.owner);

    // Once the block stands, both ways: the blocked member and the blocker are refused, nothing is written.
    for (const user of [buyer, owner]) {
      const refused = await sendAs(user, threadId, 'after the block');
      expect(refused.errors?.[0]).toMatchObject({ errorType: 'FORBIDDEN', errorInfo: { code: 'MESSAGING.BLOCKED' } });
    }
    expect((await gqlOk(buyer.accessToken, MESSAGES, { t: threadId })).threadMessages.items).toHaveLength(
      stored.length,
    );
    await gqlOk(owner.accessToken, BLOCK, { t: threadId, b: false });
    expect((await sendAs(buyer, threadId, 'unblocked')).errors).toBeUndefined();
    expect(await unreadOf(owner, threadId)).toBe(1 + 1 + landed.buyer + 1);
  });
});

describe('the send-rate window in the send transaction', () => {
  it('lets exactly its capacity through under concurrency; refusals, blocks and replays take nothing', async () => {
    const { threadId, buyer, owner } = await freshThread();
    const participants = [buyer.userId, owner.userId];
    // A window of 5 sends an hour for this test's own key.
    const quota = {
      policy: { name: `test-send-${newId('request')}`, capacity: 5, refillPerSecond: 5 / 3600 },
      key: buyer.userId,
    };
    const windowCount = async () => {
      const limiter = new DynamoDbWindowLimiter(documents, CONTROL, windowClock);
      const { item } = limiter.countInTransaction(quota.policy, quota.key);
      const { Item } = await documents.send(
        new GetCommand({ TableName: CONTROL, Key: item.Update!.Key, ConsistentRead: true }),
      );
      return Number(Item?.count ?? 0);
    };

    // The owner blocks: refused sends count nothing.
    await gqlOk(owner.accessToken, BLOCK, { t: threadId, b: true });
    const blocked = await Promise.all(
      Array.from({ length: 3 }, (_, i) => append(threadId, participants, buyer.userId, `b${i}`, { quota })),
    );
    expect(blocked.map((o) => o.kind)).toEqual(['blocked', 'blocked', 'blocked']);
    expect(await windowCount()).toBe(0);
    await gqlOk(owner.accessToken, BLOCK, { t: threadId, b: false });

    // Eight at once into a window of five: five written, three refused with when to retry.
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        append(threadId, participants, buyer.userId, `m${i}`, { quota, clientToken: `tok-${i}` }),
      ),
    );
    const appended = outcomes.filter((o) => o.kind === 'appended');
    const limited = outcomes.filter((o) => o.kind === 'rate-limited');
    expect(appended).toHaveLength(5);
    expect(limited).toHaveLength(3);
    for (const o of limited) if (o.kind === 'rate-limited') expect(o.retryAfterSeconds).toBeGreaterThan(0);
    expect(await windowCount()).toBe(5);
    // The recipient counts exactly the five (and the opening message).
    expect(await unreadOf(owner, threadId)).toBe(1 + 5);

    // A retried send whose first try was written answers that message although the window is full.
    const writtenIndex = outcomes.findIndex((o) => o.kind === 'appended');
    const replay = await append(threadId, participants, buyer.userId, `m${writtenIndex}`, {
      quota,
      clientToken: `tok-${writtenIndex}`,
    });
    expect(replay.kind).toBe('replayed');
    expect(await windowCount()).toBe(5);
    expect(await unreadOf(owner, threadId)).toBe(1 + 5);
  });
});

describe('a thread that changed after the container learnt it', () => {
  it('a send written for a redacting thread whose booking was confirmed is refused whole and rewritten', async () => {
    const { threadId, buyer, owner } = await freshThread();
    const participants = [buyer.userId, owner.userId];
    // The service learns the thread (contact details hidden) with this send.
    const first = await gqlOk(buyer.accessToken, SEND, { input: { threadId, body: 'Mail me: pat@example.com' } });
    // Answered as the recipient sees it.
    expect(first.sendMessage).toMatchObject({ body: 'Mail me: [contact hidden]', redacted: true });

    // Confirmed elsewhere (another container's booking consumer), behind this container's back.
    await threads.liftContactRedaction(
      threadId,
      participants,
      { bookingId: newId('booking'), lbgId: null, legId: null },
      new Date().toISOString(),
    );
    // Through the repository: a message prepared for the old state writes nothing and gets the thread as stored.
    const before = (await threads.getThread(threadId))!.messageCount;
    const stale = await append(threadId, participants, buyer.userId, 'prepared while hidden', {
      contactRedaction: true,
    });
    expect(stale.kind).toBe('thread-changed');
    if (stale.kind === 'thread-changed') expect(stale.thread.contactRedaction).toBe(false);
    expect((await threads.getThread(threadId))!.messageCount).toBe(before);
    expect(await unreadOf(owner, threadId)).toBe(1 + 1);

    // Through the API: the service rewrites the send for the confirmed thread; the owner sees it whole, counted once.
    const second = await gqlOk(buyer.accessToken, SEND, { input: { threadId, body: 'Again: pat@example.com' } });
    expect(second.sendMessage.body).toBe('Again: pat@example.com');
    const asOwner = (await gqlOk(owner.accessToken, MESSAGES, { t: threadId })).threadMessages.items as {
      messageId: string;
      body: string;
      redacted: boolean;
    }[];
    expect(asOwner.find((m) => m.messageId === second.sendMessage.messageId)).toMatchObject({
      body: 'Again: pat@example.com',
      redacted: false,
    });
    expect(await unreadOf(owner, threadId)).toBe(1 + 2);
  });

  it('a thread locked after the container learnt it refuses the send (THREAD_CLOSED); a stranger gets NOT_FOUND', async () => {
    const { threadId, buyer, owner } = await freshThread();
    expect((await sendAs(owner, threadId, 'known now')).errors).toBeUndefined();
    const stranger = await mintedUser('client');
    const refusedStranger = await sendAs(stranger, threadId, 'let me in');
    expect(refusedStranger.errors?.[0]?.errorType).toBe('NOT_FOUND');

    await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: `THR#${threadId}`, sk: 'THR' },
        UpdateExpression: 'SET #status = :locked',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':locked': 'locked' },
      }),
    );
    const closed = await Promise.all([sendAs(owner, threadId, 'one'), sendAs(buyer, threadId, 'two')]);
    for (const answer of closed)
      expect(answer.errors?.[0]).toMatchObject({
        errorType: 'CONFLICT',
        errorInfo: { code: 'MESSAGING.THREAD_CLOSED' },
      });
    expect(await unreadOf(buyer, threadId)).toBe(1);
    expect(await unreadOf(owner, threadId)).toBe(1);
  });
});
