/**
 * Realtime beyond messages, with the web app's own client (AWS Amplify JS v6 over AppSync's
 * real-time protocol at /graphql/realtime): read receipts (onThreadRead), presence (onThreadPresence)
 * and project-panel changes (onThreadPanel: a saved tab, a booking card's state change). Members
 * receive each; a third user is refused at subscribe time and receives nothing; the publishing
 * mutations are AWS_IAM only.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppSyncIamClient } from '../../lambdas/adapters/appsync-iam-client.ts';
import { presenceTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { PresenceRepository } from '../../lambdas/messaging/presence.repository.ts';
import { registeredUser } from '../support/auth-client.ts';
import { ACT, REQUEST, hoursFromNow, openAllDay, publishedStudio } from '../support/booking.ts';
import { stackInfo } from '../support/clients.ts';
import { gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { configureAmplify } from '../support/realtime.ts';
import { mintAccessToken } from '../support/tokens.ts';

type User = { userId: string; accessToken: string };

const RECEIPT = 'threadId userId lastReadMessageId readAt';
const PRESENCE = 'threadId userId typing lastSeen status';
const PANEL = 'threadId kind tab version bookingId bookingStatus updatedByUserId updatedAt';
const SUBSCRIPTIONS = {
  onThreadRead: `subscription($threadId: ID!) { onThreadRead(threadId: $threadId) { ${RECEIPT} } }`,
  onThreadPresence: `subscription($threadId: ID!) { onThreadPresence(threadId: $threadId) { ${PRESENCE} } }`,
  onThreadPanel: `subscription($threadId: ID!) { onThreadPanel(threadId: $threadId) { ${PANEL} } }`,
} as const;
type Field = keyof typeof SUBSCRIPTIONS;

let provider: User;
let client: User;
let stranger: User;
let profileId: string;

async function mintedUser(role: 'client' | 'provider'): Promise<User> {
  const userId = newId('user');
  return { userId, accessToken: await mintAccessToken({ userId, roles: [role] }) };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(condition()).toBe(true);
}

/** An Amplify subscription as `user`; resolves once AppSync acknowledged (or refused) it. */
async function subscribe<T = Record<string, unknown>>(field: Field, user: User, threadId: string) {
  const received: T[] = [];
  const errors: unknown[] = [];
  let ready!: () => void;
  const acknowledged = new Promise<void>((resolve) => (ready = resolve));
  const observable = generateClient().graphql({
    query: SUBSCRIPTIONS[field],
    variables: { threadId },
    authMode: 'oidc',
    authToken: user.accessToken,
  }) as unknown as {
    subscribe(observer: { next: (value: { data: Record<string, T> }) => void; error: (error: unknown) => void }): {
      unsubscribe(): void;
    };
  };
  const { Hub } = await import('aws-amplify/utils');
  const stop = Hub.listen('api', (capsule) => {
    const payload = capsule.payload as { event?: string; data?: { query?: string; variables?: { threadId?: string } } };
    if (
      payload.event === 'Subscription ack' &&
      payload.data?.variables?.threadId === threadId &&
      payload.data.query?.includes(field)
    )
      ready();
  });
  const subscription = observable.subscribe({
    next: (value) => received.push(value.data[field]!),
    error: (error) => {
      errors.push(error);
      ready();
    },
  });
  await acknowledged;
  stop();
  return { received, errors, unsubscribe: () => subscription.unsubscribe() };
}

async function startInquiry(user: User, input: Record<string, unknown>) {
  return (
    await gqlOk(
      user.accessToken,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } message { messageId } } }`,
      { input },
    )
  ).startInquiry as { thread: { threadId: string }; message: { messageId: string } };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeAll(async () => {
  [provider, client, stranger] = await Promise.all([
    registeredUser({ role: 'provider' }),
    registeredUser({ role: 'client' }),
    registeredUser({ role: 'client' }),
  ]);
  profileId = newId('profile');
  await sql(
    `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, published_at)
     VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Pat Receipts', now())`,
    [profileId, provider.userId, `pat-${profileId.slice(-10).toLowerCase()}`],
  );
  configureAmplify(() => client.accessToken);
}, 120_000);

afterAll(() => {
  Amplify.configure({});
});

describe('realtime read receipts, presence and panel changes (Amplify v6)', () => {
  it("read receipts: the reader's cursor reaches the other member, a stranger is refused and gets nothing", async () => {
    const { thread } = await startInquiry(client, { profileId, body: 'Hello, are you free in May?' });
    const threadId = thread.threadId;
    const asProvider = await subscribe<{ userId: string; lastReadMessageId: string | null; readAt: string }>(
      'onThreadRead',
      provider,
      threadId,
    );
    const asStranger = await subscribe('onThreadRead', stranger, threadId);
    // The stranger's own thread: allowed, and the subscription filter keeps the other thread's frames out.
    const own = (await startInquiry(stranger, { profileId, body: 'My own question' })).thread.threadId;
    const asStrangerOwn = await subscribe('onThreadRead', stranger, own);
    expect(asStrangerOwn.errors).toEqual([]);
    expect(asProvider.errors).toEqual([]);
    expect(JSON.stringify(asStranger.errors)).toMatch(/NOT_FOUND/);

    const reply = (
      await gqlOk(
        provider.accessToken,
        `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`,
        { input: { threadId, body: 'Yes, May works.' } },
      )
    ).sendMessage as { messageId: string };
    const read = await gqlOk(
      client.accessToken,
      `mutation($t: ID!) { markThreadRead(threadId: $t) { unreadCount lastReadMessageId } }`,
      { t: threadId },
    );
    expect(read.markThreadRead).toEqual({ unreadCount: 0, lastReadMessageId: reply.messageId });
    await waitFor(() => asProvider.received.length === 1);
    expect(asProvider.received[0]).toMatchObject({ userId: client.userId, lastReadMessageId: reply.messageId });

    // The pull side: members see every member's cursor, a stranger is told the thread does not exist.
    const receipts = (
      await gqlOk(provider.accessToken, `query($t: ID!) { threadReadReceipts(threadId: $t) { ${RECEIPT} } }`, {
        t: threadId,
      })
    ).threadReadReceipts as { userId: string; lastReadMessageId: string | null }[];
    expect(receipts.find((r) => r.userId === client.userId)?.lastReadMessageId).toBe(reply.messageId);
    expect(receipts.find((r) => r.userId === provider.userId)?.lastReadMessageId).toBeNull();
    const intrude = await gqlAs(
      stranger.accessToken,
      `query($t: ID!) { threadReadReceipts(threadId: $t) { userId } }`,
      {
        t: threadId,
      },
    );
    expect(intrude.errors?.[0]?.errorType).toBe('NOT_FOUND');

    // publishReadReceipt is AWS_IAM only: a member's own token is refused at the field.
    const forgedReceipt = await gqlAs(
      provider.accessToken,
      `mutation($t: ID!, $u: ID!) { publishReadReceipt(threadId: $t, userId: $u) { userId } }`,
      { t: threadId, u: client.userId },
    );
    expect(forgedReceipt.errors?.[0]).toMatchObject({ errorType: 'Unauthorized' });
    await settle();
    expect(asProvider.received).toHaveLength(1);
    expect(asStranger.received).toEqual([]);
    expect(asStrangerOwn.received).toEqual([]);
    asProvider.unsubscribe();
    asStranger.unsubscribe();
    asStrangerOwn.unsubscribe();
  });

  it('presence: online, away and offline reach members; threadPresence follows; a stranger is refused', async () => {
    const other = await registeredUser({ role: 'client' });
    const { thread } = await startInquiry(other, { profileId, body: 'Presence check' });
    const threadId = thread.threadId;
    type Frame = { userId: string; status: string; typing: boolean };
    const asProvider = await subscribe<Frame>('onThreadPresence', provider, threadId);
    const asStranger = await subscribe<Frame>('onThreadPresence', stranger, threadId);
    expect(asProvider.errors).toEqual([]);
    expect(JSON.stringify(asStranger.errors)).toMatch(/NOT_FOUND/);

    const SET = `mutation($t: ID!, $s: PresenceStatus!) { setThreadPresence(threadId: $t, status: $s) { ${PRESENCE} } }`;
    const PRESENT = `query($t: ID!) { threadPresence(threadId: $t) { ${PRESENCE} } }`;
    await gqlOk(other.accessToken, SET, { t: threadId, s: 'ONLINE' });
    // Typing keeps the member online; going away clears typing.
    await gqlOk(other.accessToken, `mutation($t: ID!) { setTyping(threadId: $t, typing: true) { status } }`, {
      t: threadId,
    });
    const online = (await gqlOk(provider.accessToken, PRESENT, { t: threadId })).threadPresence as Frame[];
    expect(online).toEqual([expect.objectContaining({ userId: other.userId, status: 'ONLINE', typing: true })]);
    const away = (await gqlOk(other.accessToken, SET, { t: threadId, s: 'AWAY' })).setThreadPresence as Frame;
    expect(away).toMatchObject({ status: 'AWAY', typing: false });
    expect((await gqlOk(provider.accessToken, PRESENT, { t: threadId })).threadPresence).toEqual([
      expect.objectContaining({ userId: other.userId, status: 'AWAY', typing: false }),
    ]);
    await gqlOk(other.accessToken, SET, { t: threadId, s: 'OFFLINE' });
    expect((await gqlOk(provider.accessToken, PRESENT, { t: threadId })).threadPresence).toEqual([]);

    await waitFor(() => asProvider.received.length === 3);
    expect(asProvider.received.map((frame) => [frame.userId, frame.status])).toEqual([
      [other.userId, 'ONLINE'],
      [other.userId, 'AWAY'],
      [other.userId, 'OFFLINE'],
    ]);
    // A stranger can neither announce presence in the thread nor hear it.
    const intrude = await gqlAs(stranger.accessToken, SET, { t: threadId, s: 'ONLINE' });
    expect(intrude.errors?.[0]?.errorType).toBe('NOT_FOUND');
    await settle();
    expect(asStranger.received).toEqual([]);
    expect(asProvider.received).toHaveLength(3);
    asProvider.unsubscribe();
    asStranger.unsubscribe();
  });

  it('presence in DynamoDB Local: an ONLINE beat keeps a live typing flag, never one of an expired item', async () => {
    const presence = new PresenceRepository(
      DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint: stackInfo().endpoints.dynamodbEndpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }),
      ),
      physicalTableName('local', presenceTable),
    );
    const threadId = newId('thread');
    const userId = newId('user');
    const now = Math.floor(Date.now() / 1000);
    const at = (seconds: number) => new Date(seconds * 1000).toISOString();
    // Live and typing: the beat keeps it.
    await presence.beat({ threadId, userId, typing: true, lastSeen: at(now), expiresAt: now + 60 });
    expect(await presence.setStatus(threadId, userId, 'online', at(now + 1), now + 61)).toMatchObject({
      typing: true,
      status: 'online',
    });
    // Typing, but expired (TTL has not deleted it yet): a later visit starts not typing.
    await presence.beat({ threadId, userId, typing: true, lastSeen: at(now - 120), expiresAt: now - 60 });
    expect(await presence.setStatus(threadId, userId, 'online', at(now), now + 60)).toMatchObject({
      typing: false,
      status: 'online',
    });
    // No item yet: created not typing.
    const fresh = newId('user');
    expect(await presence.setStatus(threadId, fresh, 'online', at(now), now + 60)).toMatchObject({ typing: false });
    await presence.forget(threadId, userId);
    await presence.forget(threadId, fresh);
  });

  it('presence in DynamoDB Local: an ONLINE beat racing a typing beat never wipes the typing flag', async () => {
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stackInfo().endpoints.dynamodbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const table = physicalTableName('local', presenceTable);
    const threadId = newId('thread');
    const now = Math.floor(Date.now() / 1000);
    const at = (seconds: number) => new Date(seconds * 1000).toISOString();
    const typingBeat = (userId: string) =>
      new PresenceRepository(documents, table).beat({
        threadId,
        userId,
        typing: true,
        lastSeen: at(now),
        expiresAt: now + 60,
      });

    // The losing order, forced: setTyping(true) lands right after the ONLINE beat found no live item.
    const racedUser = newId('user');
    let raced = false;
    const interleaved = Object.create(documents) as DynamoDBDocumentClient;
    interleaved.send = (async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
      try {
        return await documents.send(command);
      } catch (error) {
        if (!raced && (error as { name?: string }).name === 'ConditionalCheckFailedException') {
          raced = true;
          await typingBeat(racedUser);
        }
        throw error;
      }
    }) as DynamoDBDocumentClient['send'];
    const stored = await new PresenceRepository(interleaved, table).setStatus(
      threadId,
      racedUser,
      'online',
      at(now),
      now + 60,
    );
    expect(raced).toBe(true);
    expect(stored).toMatchObject({ typing: true, status: 'online' });

    // And free-running: many members go ONLINE while typing at once; every one ends typing.
    const presence = new PresenceRepository(documents, table);
    const users = Array.from({ length: 25 }, () => newId('user'));
    await Promise.all(
      users.flatMap((userId) => [
        presence.setStatus(threadId, userId, 'online', at(now), now + 60),
        typingBeat(userId),
      ]),
    );
    const present = await presence.present(threadId, now);
    expect(
      present
        .filter((item) => item.typing)
        .map((item) => item.userId)
        .sort(),
    ).toEqual([...users, racedUser].sort());
    await Promise.all([...users, racedUser].map((userId) => presence.forget(threadId, userId)));
  });

  it('panel: a saved tab and a booking card state change reach members (no tab text in frames); a stranger nothing', async () => {
    const host = await mintedUser('provider');
    const buyer = await mintedUser('client');
    const studioId = await publishedStudio(host.userId, { instantBook: false });
    await openAllDay(host.accessToken, studioId, {});
    const { thread } = await startInquiry(buyer, { studioId, body: 'Could we book the loft?' });
    const threadId = thread.threadId;
    type Frame = {
      kind: string;
      tab: string | null;
      version: number | null;
      bookingId: string | null;
      bookingStatus: string | null;
      updatedByUserId: string | null;
    };
    const asHost = await subscribe<Frame>('onThreadPanel', host, threadId);
    const asBuyer = await subscribe<Frame>('onThreadPanel', buyer, threadId);
    const asStranger = await subscribe<Frame>('onThreadPanel', stranger, threadId);
    expect(asHost.errors).toEqual([]);
    expect(asBuyer.errors).toEqual([]);
    expect(JSON.stringify(asStranger.errors)).toMatch(/NOT_FOUND/);

    const UPDATE = `mutation($input: UpdateThreadTabInput!) { updateThreadTab(input: $input) { tab version } }`;
    await gqlOk(buyer.accessToken, UPDATE, {
      input: { threadId, tab: 'BRIEF', expectedVersion: 0, brief: 'Daylight, 10 looks. Mail me: b@example.com' },
    });
    await waitFor(() => asHost.received.length === 1);
    expect(asHost.received).toEqual([
      expect.objectContaining({ kind: 'TAB', tab: 'BRIEF', version: 1, updatedByUserId: buyer.userId }),
    ]);
    // A refused edit (stale version) announces nothing.
    const stale = await gqlAs(buyer.accessToken, UPDATE, {
      input: { threadId, tab: 'BRIEF', expectedVersion: 0, brief: 'older draft' },
    });
    expect(stale.errors?.[0]?.errorType).toBe('CONFLICT');

    // A booking request: booking.requested reaches messaging through the outbox; the card changes state.
    const requested = (
      await gqlOk(buyer.accessToken, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          studioId,
          startsAt: hoursFromNow(24 * 11),
          durationMinutes: 60,
        },
      })
    ).requestBooking as { id: string };
    await waitFor(() => asBuyer.received.some((frame) => frame.kind === 'CARD'), 15_000);
    expect(asBuyer.received.find((frame) => frame.kind === 'CARD')).toMatchObject({
      bookingId: requested.id,
      bookingStatus: 'REQUESTED',
      tab: null,
    });
    await gqlOk(host.accessToken, ACT, {
      input: { idempotencyKey: `act-${newId('request')}`, groupId: requested.id, action: 'DECLINE' },
    });
    await waitFor(() => asHost.received.some((frame) => frame.bookingStatus === 'DECLINED'), 15_000);
    expect(asHost.received.map((frame) => [frame.kind, frame.bookingStatus ?? frame.version])).toEqual([
      ['TAB', 1],
      ['CARD', 'REQUESTED'],
      ['CARD', 'DECLINED'],
    ]);

    // Publishing is AWS_IAM only; signed with the stack's Lambda credentials it works, from the store.
    const PUBLISH = `mutation($t: ID!, $tab: ThreadTab) { publishThreadPanelEvent(threadId: $t, tab: $tab) { ${PANEL} } }`;
    expect((await gqlAs(host.accessToken, PUBLISH, { t: threadId, tab: 'BRIEF' })).errors?.[0]).toMatchObject({
      errorType: 'Unauthorized',
    });
    const signed = new AppSyncIamClient({
      graphqlUrl: stackInfo().endpoints.graphqlUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    // A tab nobody saved has no version to announce: a typed refusal, not a frame.
    await expect(signed.execute(PUBLISH, { t: threadId, tab: 'SHOTLIST' })).rejects.toThrow(/BAD_REQUEST/);
    await settle();
    expect(asStranger.received).toEqual([]);
    expect(asHost.received).toHaveLength(3);
    for (const subscriber of [asHost, asBuyer, asStranger]) subscriber.unsubscribe();
  });
});
