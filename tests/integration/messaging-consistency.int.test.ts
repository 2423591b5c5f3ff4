/**
 * Messaging's consistency rules against the local stack's DynamoDB (#13): project-panel tabs hide
 * contact details like messages do and are written in a transaction that checks the thread is open
 * and unblocked; inbox and search cursors are shape-checked; inbox search does bounded work per call;
 * a late, older booking event never moves a thread's action cards back to an older booking.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { messagingTable, physicalTableName, presenceTable } from '../../infra/definitions/tables.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { messagingStores } from '../../lambdas/messaging/messaging.repositories.ts';
import type { ThreadStore } from '../../lambdas/messaging/thread.repository.ts';
import { publishedStudio } from '../support/booking.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlAs, gqlOk } from '../support/graphql.ts';
import { mintAccessToken } from '../support/tokens.ts';

interface User {
  readonly userId: string;
  readonly accessToken: string;
}

const TABLE = physicalTableName('local', messagingTable);
let documents: DynamoDBDocumentClient;
let threads: ThreadStore;

async function mintedUser(role: 'client' | 'provider'): Promise<User> {
  const userId = newId('user');
  return { userId, accessToken: await mintAccessToken({ userId, roles: [role] }) };
}

async function inquiry(buyer: User, owner: User, body = 'Shall we plan the shoot?'): Promise<string> {
  const studioId = await publishedStudio(owner.userId, { instantBook: false });
  return (
    await gqlOk(
      buyer.accessToken,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
      { input: { studioId, body } },
    )
  ).startInquiry.thread.threadId as string;
}

const PANEL = `query($t: ID!) { threadPanel(threadId: $t) { tabs { tab version brief shotList { title } redacted } } }`;
const UPDATE = `mutation($input: UpdateThreadTabInput!) { updateThreadTab(input: $input) { tab version brief redacted } }`;

beforeAll(() => {
  const { endpoints } = stackInfo();
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: endpoints.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  threads = messagingStores(documents, {
    MESSAGING_TABLE: TABLE,
    PRESENCE_TABLE: physicalTableName('local', presenceTable),
  }).threads;
});

describe('project panel tabs', () => {
  it("hide another member's contact details until the booking is confirmed; the author sees their own", async () => {
    const [owner, buyer] = await Promise.all([mintedUser('provider'), mintedUser('client')]);
    const threadId = await inquiry(buyer, owner);
    const written = await gqlOk(buyer.accessToken, UPDATE, {
      input: { threadId, tab: 'BRIEF', expectedVersion: 0, brief: 'Ten looks; write to jo.shoot@example.com' },
    });
    expect(written.updateThreadTab).toMatchObject({
      brief: 'Ten looks; write to jo.shoot@example.com',
      redacted: false,
    });
    await gqlOk(buyer.accessToken, UPDATE, {
      input: { threadId, tab: 'SHOTLIST', expectedVersion: 0, shotList: [{ title: 'Call 415-555-0142', done: false }] },
    });

    const asOwner = (await gqlOk(owner.accessToken, PANEL, { t: threadId })).threadPanel.tabs;
    expect(asOwner[0]).toMatchObject({ tab: 'BRIEF', brief: 'Ten looks; write to [contact hidden]', redacted: true });
    expect(asOwner[1].shotList[0].title).not.toContain('555');
    expect(asOwner[1].redacted).toBe(true);
    const asBuyer = (await gqlOk(buyer.accessToken, PANEL, { t: threadId })).threadPanel.tabs;
    expect(asBuyer[0]).toMatchObject({ brief: 'Ten looks; write to jo.shoot@example.com', redacted: false });

    // Booking confirmed: contact details are shown to both sides from then on.
    await threads.liftContactRedaction(
      threadId,
      [buyer.userId, owner.userId],
      { bookingId: newId('booking'), lbgId: null, legId: null },
      new Date().toISOString(),
    );
    const lifted = (await gqlOk(owner.accessToken, PANEL, { t: threadId })).threadPanel.tabs;
    expect(lifted[0]).toMatchObject({ brief: 'Ten looks; write to jo.shoot@example.com', redacted: false });
  });

  it('a write checks in its own transaction that the thread is open and unblocked (typed refusals)', async () => {
    const [owner, buyer] = await Promise.all([mintedUser('provider'), mintedUser('client')]);
    const threadId = await inquiry(buyer, owner);
    const edit = (user: User, expectedVersion: number) =>
      gqlAs(user.accessToken, UPDATE, { input: { threadId, tab: 'BRIEF', expectedVersion, brief: 'Plan' } });

    await gqlOk(owner.accessToken, `mutation($t: ID!) { setThreadBlocked(threadId: $t, blocked: true) { blocked } }`, {
      t: threadId,
    });
    // Either member is refused while a block exists: the blocker's counterpart and the blocker alike.
    for (const user of [buyer, owner]) {
      const refused = await edit(user, 0);
      expect(refused.errors?.[0]).toMatchObject({ errorType: 'FORBIDDEN', errorInfo: { code: 'MESSAGING.BLOCKED' } });
    }
    await gqlOk(owner.accessToken, `mutation($t: ID!) { setThreadBlocked(threadId: $t, blocked: false) { blocked } }`, {
      t: threadId,
    });
    expect((await edit(buyer, 0)).errors).toBeUndefined();

    // The platform locks the thread (as erasure does) on the THR item only: the tab write's own
    // condition refuses, though the member's participant row still says open.
    await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: `THR#${threadId}`, sk: 'THR' },
        UpdateExpression: 'SET #status = :locked',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':locked': 'locked' },
      }),
    );
    const closed = await Promise.all(Array.from({ length: 5 }, () => edit(buyer, 1)));
    for (const answer of closed)
      expect(answer.errors?.[0]).toMatchObject({
        errorType: 'CONFLICT',
        errorInfo: { code: 'MESSAGING.THREAD_CLOSED' },
      });
    const panel = (await gqlOk(buyer.accessToken, PANEL, { t: threadId })).threadPanel.tabs;
    expect(panel[0].version).toBe(1);
  });
});

describe('inbox cursors and search bounds', () => {
  it('a malformed or forged cursor is a typed BAD_REQUEST on every paginated field, never INTERNAL', async () => {
    const [owner, buyer] = await Promise.all([mintedUser('provider'), mintedUser('client')]);
    const threadId = await inquiry(buyer, owner);
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cursors = [
      'garbage',
      forge(null),
      forge({ t: threadId, k: { S: 'x' } }),
      forge({ t: threadId, k: '' }),
      forge({ t: threadId, k: `${new Date().toISOString()}#${newId('thread')}`, q: 'plan' }),
      forge({ t: 'THR#x', k: 'zzz', q: 'plan' }),
      forge({ t: threadId, sk: 'PART#usr_x' }),
      forge({ t: threadId, sk: `MSG#${'9'.repeat(900)}` }),
    ];
    for (const cursor of cursors) {
      const answers = await Promise.all([
        gqlAs(buyer.accessToken, `query($c: String) { myInbox(cursor: $c) { nextCursor } }`, { c: cursor }),
        gqlAs(buyer.accessToken, `query($c: String) { searchMyInbox(query: "plan", cursor: $c) { nextCursor } }`, {
          c: cursor,
        }),
        gqlAs(
          buyer.accessToken,
          `query($t: ID!, $c: String) { threadMessages(threadId: $t, cursor: $c) { nextCursor } }`,
          {
            t: threadId,
            c: cursor,
          },
        ),
      ]);
      for (const answer of answers) expect(answer.errors?.[0]?.errorType).toBe('BAD_REQUEST');
    }
  });

  it('search examines at most 1,000 inbox rows per call and hands back a cursor to continue', async () => {
    const viewer = await mintedUser('client');
    // 1,500 inbox rows of the viewer's; only the oldest matches the query.
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const rows = Array.from({ length: 1_500 }, (_, index) => {
      const threadId = newId('thread');
      const at = new Date(base + index * 1_000).toISOString();
      return {
        pk: `THR#${threadId}`,
        sk: `PART#${viewer.userId}`,
        GSI1PK: `PARTICIPANT#${viewer.userId}`,
        GSI1SK: `${at}#${threadId}`,
        threadId,
        userId: viewer.userId,
        roleContext: 'buyer',
        counterpartUserId: newId('user'),
        kind: 'inquiry',
        threadStatus: 'open',
        listingType: 'STUDIO',
        listingId: newId('studio'),
        contactRedaction: true,
        createdAt: at,
        lastMessageAt: at,
        lastMessagePreview: index === 0 ? 'the needle in the haystack' : `hay ${index}`,
        unreadCount: 0,
        lastReadSk: null,
        lastReadMsgId: null,
        lastReadAt: null,
        muted: false,
        archived: false,
        blocked: false,
        blockedUntil: null,
        strikes: 0,
      };
    });
    for (let i = 0; i < rows.length; i += 25)
      await documents.send(
        new BatchWriteCommand({
          RequestItems: { [TABLE]: rows.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    const SEARCH = `query($c: String) { searchMyInbox(query: "needle", limit: 10, cursor: $c) { items { threadId } nextCursor } }`;
    const first = (await gqlOk(viewer.accessToken, SEARCH, {})).searchMyInbox;
    // 1,000 rows examined, none matched: nothing yet, and a cursor to go on.
    expect(first.items).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    const second = (await gqlOk(viewer.accessToken, SEARCH, { c: first.nextCursor })).searchMyInbox;
    expect(second.items).toEqual([{ threadId: rows[0]!.threadId }]);
    expect(second.nextCursor).toBeNull();

    // The inbox list walks the same query (inboxQuery): its pages cover every row once, newest first.
    const LIST = `query($c: String) { myInbox(limit: 100, cursor: $c) { items { threadId } nextCursor } }`;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { threadId: string }[]; nextCursor: string | null } = (
        await gqlOk(viewer.accessToken, LIST, { c: cursor })
      ).myInbox;
      seen.push(...page.items.map((item) => item.threadId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(rows.map((row) => row.threadId).reverse());
  }, 120_000);
});

describe('booking cards ordering', () => {
  it('a late older event never moves the card back; concurrent events leave the newest', async () => {
    const [owner, buyer] = await Promise.all([mintedUser('provider'), mintedUser('client')]);
    const threadId = await inquiry(buyer, owner);
    const cardOf = async () => (await threads.getThread(threadId))!.cardBookingId;
    const now = () => new Date().toISOString();
    const [older, newer] = [newId('booking'), newId('booking')];

    // Out of order: the newer event lands first; the older one, delivered late, changes nothing.
    expect(
      await threads.setCardBooking(
        threadId,
        newer,
        { occurredAt: '2026-12-01T10:00:02.000Z', eventId: newId('event') },
        now(),
      ),
    ).toBe(true);
    expect(
      await threads.setCardBooking(
        threadId,
        older,
        { occurredAt: '2026-12-01T10:00:01.000Z', eventId: newId('event') },
        now(),
      ),
    ).toBe(false);
    expect(await cardOf()).toBe(newer);

    // Same instant: the event id breaks the tie; a redelivery of the applied event is a no-op.
    const [first, second] = [newId('event'), newId('event')];
    const tie = '2026-12-01T10:00:03.000Z';
    const [tieLow, tieHigh] = [newId('booking'), newId('booking')];
    expect(await threads.setCardBooking(threadId, tieHigh, { occurredAt: tie, eventId: second }, now())).toBe(true);
    expect(await threads.setCardBooking(threadId, tieLow, { occurredAt: tie, eventId: first }, now())).toBe(false);
    expect(await threads.setCardBooking(threadId, tieHigh, { occurredAt: tie, eventId: second }, now())).toBe(false);
    expect(await cardOf()).toBe(tieHigh);

    // 30 concurrent events in random order: the card ends on the newest, whatever the arrival order.
    const events = Array.from({ length: 30 }, (_, index) => ({
      groupId: newId('booking'),
      order: {
        occurredAt: new Date(Date.parse('2026-12-01T11:00:00.000Z') + index * 10).toISOString(),
        eventId: newId('event'),
      },
    }));
    const shuffled = [...events].sort(() => Math.random() - 0.5);
    const moved = await Promise.all(
      shuffled.map((event) => threads.setCardBooking(threadId, event.groupId, event.order, now())),
    );
    expect(moved.some(Boolean)).toBe(true);
    expect(await cardOf()).toBe(events[events.length - 1]!.groupId);
    // And a straggler from before all of them still changes nothing.
    expect(
      await threads.setCardBooking(
        threadId,
        older,
        { occurredAt: '2026-12-01T09:00:00.000Z', eventId: newId('event') },
        now(),
      ),
    ).toBe(false);
    expect(await cardOf()).toBe(events[events.length - 1]!.groupId);
  });
});

describe('thread pages', () => {
  it('a page reads the member row and the messages in one Query; others get nothing; pages meet exactly', async () => {
    // Three participants (an admin joined) whose ids sort around each other, and 12 messages.
    const [low, mid, high] = ['usr_00000000000000000000000000', 'usr_5', 'usr_zzzzzzzzzzzzzzzzzzzzzzzzzz'].map(
      (prefix) => `${prefix}${newId('user').slice(4)}`.slice(0, 30),
    ) as [string, string, string];
    const threadId = newId('thread');
    const at = '2026-11-30T10:00:00.000Z';
    const participant = (userId: string, roleContext: 'buyer' | 'seller' | 'admin') => ({
      threadId,
      userId,
      roleContext,
      counterpartUserId: userId === low ? high : low,
      kind: 'inquiry' as const,
      threadStatus: 'open' as const,
      listingType: 'STUDIO' as const,
      listingId: newId('studio'),
      contactRedaction: false,
      createdAt: at,
      lastMessageAt: null,
      lastMessagePreview: null,
      unreadCount: 0,
      lastReadSk: null,
      lastReadMsgId: null,
      lastReadAt: null,
      muted: false,
      archived: false,
      blocked: false,
      blockedUntil: null,
      strikes: 0,
    });
    await threads.createThread({
      thread: {
        pk: `THR#${threadId}`,
        threadId,
        kind: 'inquiry',
        status: 'open',
        buyerUserId: low,
        sellerUserId: high,
        participants: [low, mid, high],
        listingType: 'STUDIO',
        listingId: newId('studio'),
        city: null,
        lbgId: null,
        legId: null,
        createdAt: at,
        updatedAt: at,
        lastMessageAt: null,
        messageCount: 0,
        contactRedaction: false,
        safeModeRequired: false,
      },
      participants: [participant(low, 'buyer'), participant(mid, 'admin'), participant(high, 'seller')],
    });
    const sks: string[] = [];
    for (let i = 0; i < 12; i++) {
      const createdAt = new Date(Date.parse(at) + i * 1000).toISOString();
      const messageId = newId('message');
      sks.push(`MSG#${createdAt}#${messageId}`);
      await documents.send(
        new BatchWriteCommand({
          RequestItems: {
            [TABLE]: [
              {
                PutRequest: {
                  Item: {
                    pk: `THR#${threadId}`,
                    sk: sks[i],
                    threadId,
                    messageId,
                    type: 'text',
                    body: `m${i}`,
                    redactedBody: null,
                    authorUserId: low,
                    createdAt,
                    nsfwBand: 0,
                    flags: { moderation: 'clean', policyHints: [] },
                  },
                },
              },
            ],
          },
        }),
      );
    }
    const newestFirst = [...sks].reverse();
    for (const viewer of [low, mid, high])
      for (const limit of [1, 5, 11, 12, 13, 30]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        let first = true;
        do {
          const page = await threads.threadPage(threadId, viewer, limit, cursor);
          expect(page?.participant.userId).toBe(viewer);
          expect(page!.items.length).toBeLessThanOrEqual(limit);
          if (first) expect(page!.items.length).toBe(Math.min(limit, 12));
          first = false;
          seen.push(...page!.items.map((item) => item.sk));
          cursor = page!.lastSk;
        } while (cursor);
        expect(seen).toEqual(newestFirst);
      }
    // Ids sorting below, between and above the members': no page, on the first page or a later one.
    for (const stranger of ['usr_0', `${mid}0`, 'usr_zzzzzzzzzzzzzzzzzzzzzzzzzzzz']) {
      expect(await threads.threadPage(threadId, stranger, 5, undefined)).toBeUndefined();
      expect(await threads.threadPage(threadId, stranger, 5, sks[6])).toBeUndefined();
    }
  });
});
