/**
 * A hot thread against the local stack's DynamoDB (#13): many senders into one thread at once.
 * Every send is one transaction over the thread item and each member's PART# item, so concurrent
 * sends may conflict and are retried; identical retried sends (one client token) write one message and
 * one count, and across two repositories (two Lambda instances) unread counts stay exact.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { messagingTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { fingerprintOf } from '../../lambdas/core/idempotency.ts';
import { newId } from '../../lambdas/core/ids.ts';
import {
  messageSk,
  ThreadRepository,
  type AppendOutcome,
  type MessageRecord,
} from '../../lambdas/messaging/thread.repository.ts';
import { publishedStudio } from '../support/booking.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlOk } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

const TABLE = physicalTableName('local', messagingTable);
let documents: DynamoDBDocumentClient;
let transactWrites = 0;

beforeAll(() => {
  const { endpoints } = stackInfo();
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: endpoints.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  documents.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { TransactItems?: unknown }).TransactItems) transactWrites += 1;
      return next(args);
    },
    { step: 'initialize', name: 'hotThreadTransactCounter' },
  );
});

/** A fresh inquiry thread between a new buyer and a new studio owner, started over GraphQL. */
async function freshThread(): Promise<{ threadId: string; buyer: string; owner: string }> {
  const buyer = newId('user');
  const owner = newId('user');
  const studioId = await publishedStudio(owner, { instantBook: false });
  const token = await mintAccessToken({ userId: buyer, roles: ['client'] });
  const threadId = (
    await gqlOk(token, `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`, {
      input: { studioId, body: 'Opening message' },
    })
  ).startInquiry.thread.threadId as string;
  return { threadId, buyer, owner };
}

function send(
  threads: ThreadRepository,
  threadId: string,
  participants: readonly string[],
  author: string,
  body: string,
  clientToken?: string,
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
  const previews = Object.fromEntries(participants.map((userId) => [userId, body]));
  return threads.appendMessage(
    { message, previews, clientToken, fingerprint: fingerprintOf({ threadId, body }), strike: false },
    participants,
  );
}

async function unread(threads: ThreadRepository, threadId: string, userId: string): Promise<number> {
  return (await threads.getParticipant(threadId, userId))!.unreadCount;
}

describe('a hot thread', () => {
  it('identical retried sends among many distinct ones into one thread write one message and one count each', async () => {
    const threads = new ThreadRepository(documents, TABLE);
    const { threadId, buyer, owner } = await freshThread();
    const { participants } = (await threads.getThread(threadId))!;
    const before = transactWrites;
    // 30 distinct sends by the owner, 10 by the buyer, and 8 buyer tokens each sent 5 times: all at once.
    const retried = Array.from({ length: 8 }, (_, i) => `token-${i}`);
    const outcomes = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => send(threads, threadId, participants, owner, `owner ${i}`)),
      ...Array.from({ length: 10 }, (_, i) => send(threads, threadId, participants, buyer, `buyer ${i}`)),
      ...retried.flatMap((token) =>
        Array.from({ length: 5 }, () =>
          send(threads, threadId, participants, buyer, `retried ${token}`, token).then((outcome) => ({
            token,
            outcome,
          })),
        ),
      ),
    ]);
    // Every send (or replay) took at least one transaction; conflicts, if any, were retried.
    expect(transactWrites - before).toBeGreaterThanOrEqual(30 + 10 + 8 * 5);

    for (const token of retried) {
      const mine = outcomes.flatMap((o) => ('token' in o && o.token === token ? [o.outcome] : []));
      const appended = mine.flatMap((o) => (o.kind === 'appended' ? [o.message.sk] : []));
      expect(appended).toHaveLength(1);
      // Each replay answers the one message its token wrote.
      for (const o of mine) if (o.kind === 'replayed') expect(o.messageSk).toBe(appended[0]);
      expect(mine.filter((o) => o.kind === 'replayed')).toHaveLength(4);
    }
    const page = await threads.listMessages(threadId, 100, undefined);
    expect(page.items).toHaveLength(1 + 30 + 10 + 8);
    expect((await threads.getThread(threadId))!.messageCount).toBe(1 + 30 + 10 + 8);
    // The opening message and the buyer's 18 distinct messages for the owner; the owner's 30 for the buyer.
    expect(await unread(threads, threadId, owner)).toBe(1 + 10 + 8);
    expect(await unread(threads, threadId, buyer)).toBe(30);
  });

  it('keeps unread counts exact when two instances send into one thread and their transactions conflict', async () => {
    // Two Lambda instances: two repositories, one table.
    const first = new ThreadRepository(documents, TABLE);
    const second = new ThreadRepository(documents, TABLE);
    const { threadId, buyer, owner } = await freshThread();
    const { participants } = (await first.getThread(threadId))!;
    const before = transactWrites;
    const outcomes = await Promise.all([
      ...Array.from({ length: 25 }, (_, i) => send(first, threadId, participants, owner, `first ${i}`)),
      ...Array.from({ length: 25 }, (_, i) => send(second, threadId, participants, buyer, `second ${i}`)),
      // The same token through both instances: a client retrying against another instance.
      ...Array.from({ length: 6 }, (_, i) =>
        send(i % 2 ? first : second, threadId, participants, buyer, 'across instances', 'shared-token'),
      ),
    ]);
    expect(outcomes.filter((o) => o.kind === 'appended')).toHaveLength(25 + 25 + 1);
    expect(outcomes.filter((o) => o.kind === 'replayed')).toHaveLength(5);
    expect(transactWrites - before).toBeGreaterThanOrEqual(25 + 25 + 6);
    expect((await first.listMessages(threadId, 100, undefined)).items).toHaveLength(1 + 25 + 25 + 1);
    expect(await unread(first, threadId, owner)).toBe(1 + 25 + 1);
    expect(await unread(first, threadId, buyer)).toBe(25);
  });
});
