/**
 * Messaging end to end with the web app's own client: AWS Amplify JS v6 (`generateClient().graphql`
 * for queries and mutations, `.subscribe()` over AppSync's real-time protocol at /graphql/realtime).
 * A client and a provider exchange messages; each member subscriber receives every message, quickly;
 * a third user's subscription is refused and receives nothing; unread counts stay exact under 50
 * concurrent senders; contact details are hidden from the recipient of an inquiry until the booking
 * is confirmed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppSyncIamClient } from '../../lambdas/adapters/appsync-iam-client.ts';
import { generateClient } from 'aws-amplify/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagingTable, presenceTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { messagingStores } from '../../lambdas/messaging/messaging.repositories.ts';
import { registeredUser } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { resetAmplify } from '../support/amplify.ts';
import { configureAmplify } from '../support/realtime.ts';
import { ACT, REQUEST, hoursFromNow, openAllDay, publishedStudio } from '../support/booking.ts';
import { mintAccessToken } from '../support/tokens.ts';
import { payHold } from '../support/checkout.ts';

type User = Pick<Awaited<ReturnType<typeof registeredUser>>, 'userId' | 'accessToken'>;

/** What the local stack sets as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for its Lambdas (infra/local/stack.ts). */
const LOCAL_ACCESS_KEY = 'S3RVER';
const LOCAL_SECRET_KEY = 'S3RVER';

async function mintedUser(role: 'client' | 'provider'): Promise<User> {
  const userId = newId('user');
  return { userId, accessToken: await mintAccessToken({ userId, roles: [role] }) };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(condition()).toBe(true);
}

/** GSI2 of the messaging table: the project threads of a booking group. */
async function projectThreadsOf(groupId: string): Promise<string[]> {
  const { endpoints } = stackInfo();
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: endpoints.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const stores = messagingStores(documents, {
    MESSAGING_TABLE: physicalTableName('local', messagingTable),
    PRESENCE_TABLE: physicalTableName('local', presenceTable),
  });
  return stores.threads.projectThreads({ lbgId: groupId });
}

const MESSAGE = 'threadId messageId authorUserId type body redacted policyHints createdAt';
const THREAD =
  'threadId kind role counterpartUserId unreadCount lastReadMessageId lastMessagePreview contactDetailsHidden archived muted';
const ON_MESSAGE = `subscription On($threadId: ID!) { onThreadMessage(threadId: $threadId) { ${MESSAGE} } }`;
const SEND = `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { ${MESSAGE} } }`;

let provider: User;
let client: User;
let stranger: User;
let profileId: string;
let current: string | null = null;

interface Received {
  readonly at: number;
  readonly message: { messageId: string; body: string; authorUserId: string; redacted: boolean; policyHints: string[] };
}

/** An Amplify subscription as `user`; resolves once AppSync acknowledged it (or refused it). */
async function subscribe(user: User, threadId: string) {
  const received: Received[] = [];
  const errors: unknown[] = [];
  const api = generateClient();
  let ready!: () => void;
  const acknowledged = new Promise<void>((resolve) => (ready = resolve));
  const observable = api.graphql({
    query: ON_MESSAGE,
    variables: { threadId },
    authMode: 'oidc',
    authToken: user.accessToken,
  }) as unknown as {
    subscribe(observer: {
      next: (value: { data: { onThreadMessage: Received['message'] } }) => void;
      error: (error: unknown) => void;
    }): { unsubscribe(): void };
  };
  const subscription = observable.subscribe({
    next: (value) => received.push({ at: performance.now(), message: value.data.onThreadMessage }),
    error: (error) => {
      errors.push(error);
      ready();
    },
  });
  // Amplify reports the start_ack on its Hub; polling the socket state would be Amplify internals.
  const { Hub } = await import('aws-amplify/utils');
  const stop = Hub.listen('api', (capsule) => {
    const payload = capsule.payload as { event?: string; data?: { variables?: { threadId?: string } } };
    if (payload.event === 'Subscription ack' && payload.data?.variables?.threadId === threadId) ready();
  });
  await acknowledged;
  stop();
  return { received, errors, unsubscribe: () => subscription.unsubscribe() };
}

async function send(user: User, threadId: string, body: string, clientToken?: string) {
  const api = generateClient();
  const started = performance.now();
  const answer = (await api.graphql({
    query: SEND,
    variables: { input: { threadId, body, ...(clientToken ? { clientToken } : {}) } },
    authMode: 'oidc',
    authToken: user.accessToken,
  })) as { data: { sendMessage: Received['message'] } };
  return { message: answer.data.sendMessage, answeredAt: performance.now(), started };
}

async function startInquiry(user: User, body: string) {
  return (
    await gqlOk(
      user.accessToken,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { ${THREAD} } message { ${MESSAGE} } } }`,
      { input: { profileId, body } },
    )
  ).startInquiry as { thread: { threadId: string; unreadCount: number }; message: Received['message'] };
}

async function threadAs(user: User, threadId: string) {
  return (await gqlOk(user.accessToken, `query($t: ID!) { thread(threadId: $t) { ${THREAD} } }`, { t: threadId }))
    .thread as {
    unreadCount: number;
    lastReadMessageId: string | null;
    lastMessagePreview: string;
    contactDetailsHidden: boolean;
    kind: string;
  };
}

async function messagesAs(user: User, threadId: string) {
  const items: Received['message'][] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Received['message'][]; nextCursor: string | null } = (
      await gqlOk(
        user.accessToken,
        `query($t: ID!, $c: String) { threadMessages(threadId: $t, limit: 20, cursor: $c) { items { ${MESSAGE} } nextCursor } }`,
        { t: threadId, c: cursor },
      )
    ).threadMessages;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

beforeAll(async () => {
  [provider, client, stranger] = await Promise.all([
    registeredUser({ role: 'provider' }),
    registeredUser({ role: 'client' }),
    registeredUser({ role: 'client' }),
  ]);
  // The provider's published profile as a fixture row (publishing through the API needs the media
  // pipeline, which profiles' own tests cover); messaging reads it through contactable_listings.
  profileId = newId('profile');
  await sql(
    `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, published_at)
     VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', 'Pat Shutter', now())`,
    [profileId, provider.userId, `pat-${profileId.slice(-10).toLowerCase()}`],
  );
  configureAmplify(() => current);
  current = client.accessToken;
}, 120_000);

afterAll(() => {
  resetAmplify();
});

describe('messaging over AppSync with AWS Amplify v6', () => {
  it('a client and a provider exchange messages; members receive each one at once, a third user nothing', async () => {
    const { thread } = await startInquiry(client, 'Hello! Are you free next Friday for headshots?');
    const threadId = thread.threadId;

    const asClient = await subscribe(client, threadId);
    const asProvider = await subscribe(provider, threadId);
    const asStranger = await subscribe(stranger, threadId);
    expect(asClient.errors).toEqual([]);
    expect(asProvider.errors).toEqual([]);
    // Refused at subscribe time (the thread does not exist for them), as AppSync's subscription resolver does.
    expect(JSON.stringify(asStranger.errors)).toMatch(/NOT_FOUND/);

    const sent: Awaited<ReturnType<typeof send>>[] = [];
    for (const [author, body] of [
      [provider, 'Yes, Friday works. Morning or afternoon?'],
      [client, 'Morning please, around 10.'],
      [provider, 'Booked in my calendar. See you then!'],
    ] as const) {
      sent.push(await send(author, threadId, body));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));

    for (const subscriber of [asClient, asProvider]) {
      expect(subscriber.received.map((entry) => entry.message.messageId)).toEqual(sent.map((s) => s.message.messageId));
      subscriber.received.forEach((entry, index) => {
        // Within 100 ms of the mutation's answer (the frame is pushed before the answer is sent).
        expect(entry.at - sent[index]!.answeredAt).toBeLessThan(100);
      });
    }
    expect(asStranger.received).toEqual([]);
    // A stranger cannot read it either: the thread does not exist for them.
    const read = await gqlAs(
      stranger.accessToken,
      `query($t: ID!) { threadMessages(threadId: $t) { items { body } } }`,
      {
        t: threadId,
      },
    );
    expect(read.errors?.[0]?.errorType).toBe('NOT_FOUND');
    const intrude = await gqlAs(stranger.accessToken, SEND, { input: { threadId, body: 'hi' } });
    expect(intrude.errors?.[0]?.errorType).toBe('NOT_FOUND');

    expect((await messagesAs(client, threadId)).map((m) => m.body)).toEqual([
      'Booked in my calendar. See you then!',
      'Morning please, around 10.',
      'Yes, Friday works. Morning or afternoon?',
      'Hello! Are you free next Friday for headshots?',
    ]);
    for (const subscriber of [asClient, asProvider, asStranger]) subscriber.unsubscribe();
  });

  it('keeps unread counts exact under 50 concurrent senders, and read cursors exact', async () => {
    const other = await registeredUser({ role: 'client' });
    const { thread } = await startInquiry(other, 'Opening message');
    const threadId = thread.threadId;
    const fromOther = 25;
    const fromProvider = 25;
    const sends = [
      ...Array.from({ length: fromOther }, (_, i) =>
        gqlOk(other.accessToken, SEND, { input: { threadId, body: `client ${i}`, clientToken: `client-token-${i}` } }),
      ),
      ...Array.from({ length: fromProvider }, (_, i) =>
        gqlOk(provider.accessToken, SEND, { input: { threadId, body: `provider ${i}` } }),
      ),
    ];
    await Promise.all(sends);
    // The opening message counts for the provider too.
    expect((await threadAs(provider, threadId)).unreadCount).toBe(fromOther + 1);
    expect((await threadAs(other, threadId)).unreadCount).toBe(fromProvider);
    expect(await messagesAs(provider, threadId)).toHaveLength(fromOther + fromProvider + 1);

    // Retries with the same client tokens add nothing.
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        gqlOk(other.accessToken, SEND, { input: { threadId, body: `client ${i}`, clientToken: `client-token-${i}` } }),
      ),
    );
    expect((await threadAs(provider, threadId)).unreadCount).toBe(fromOther + 1);

    // Marking read while the other side keeps sending: the count is exactly their messages after the cursor.
    await Promise.all([
      gqlOk(provider.accessToken, `mutation($t: ID!) { markThreadRead(threadId: $t) { unreadCount } }`, {
        t: threadId,
      }),
      ...Array.from({ length: 10 }, (_, i) =>
        gqlOk(other.accessToken, SEND, { input: { threadId, body: `late ${i}` } }),
      ),
    ]);
    const after = await threadAs(provider, threadId);
    const newestFirst = await messagesAs(provider, threadId);
    const cursorAt = newestFirst.findIndex((m) => m.messageId === after.lastReadMessageId);
    expect(cursorAt).toBeGreaterThanOrEqual(0);
    const unreadAfterCursor = newestFirst.slice(0, cursorAt).filter((m) => m.authorUserId === other.userId).length;
    expect(after.unreadCount).toBe(unreadAfterCursor);

    const finalRead = await gqlOk(
      provider.accessToken,
      `mutation($t: ID!) { markThreadRead(threadId: $t) { unreadCount } }`,
      {
        t: threadId,
      },
    );
    expect(finalRead.markThreadRead.unreadCount).toBe(0);
    // The provider's own messages never count as unread for them; the other side still has 25 unread.
    expect((await threadAs(other, threadId)).unreadCount).toBe(fromProvider);
  });

  it('counts each message once when identical retried sends race distinct sends into one thread', async () => {
    const other = await registeredUser({ role: 'client' });
    const { thread } = await startInquiry(other, 'Opening message');
    const threadId = thread.threadId;
    // 8 client tokens each sent 5 times at once (a flaky network's retries), 30 distinct sends by
    // the provider and 10 distinct token-less ones by the client, all in flight together (the client's
    // 50 stay within the per-sender burst of 60, replays included).
    const retried = Array.from({ length: 8 }, (_, i) => ({ token: `retried-token-${i}`, body: `retried ${i}` }));
    const answers = await Promise.all([
      ...retried.flatMap(({ token, body }) =>
        Array.from({ length: 5 }, () =>
          gqlOk(other.accessToken, SEND, { input: { threadId, body, clientToken: token } }).then((data) => ({
            token,
            messageId: (data.sendMessage as { messageId: string }).messageId,
          })),
        ),
      ),
      ...Array.from({ length: 30 }, (_, i) =>
        gqlOk(provider.accessToken, SEND, { input: { threadId, body: `provider ${i}` } }).then(() => null),
      ),
      ...Array.from({ length: 10 }, (_, i) =>
        gqlOk(other.accessToken, SEND, { input: { threadId, body: `distinct ${i}` } }).then(() => null),
      ),
    ]);
    // Every retry of a token answered the one message that token wrote.
    for (const { token } of retried) {
      const ids = new Set(answers.filter((a) => a?.token === token).map((a) => a!.messageId));
      expect(ids.size).toBe(1);
    }
    const messages = await messagesAs(provider, threadId);
    expect(messages).toHaveLength(1 + 8 + 30 + 10);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(messages.length);
    for (const { body } of retried) expect(messages.filter((m) => m.body === body)).toHaveLength(1);
    // The opening message and the client's 18 distinct messages are unread for the provider, once each.
    expect((await threadAs(provider, threadId)).unreadCount).toBe(1 + 8 + 10);
    expect((await threadAs(other, threadId)).unreadCount).toBe(30);
  });

  it('hides emails and phone numbers from the recipient of an inquiry until the booking is confirmed', async () => {
    // A host with a bookable studio, and a client who writes to them first.
    const host = await mintedUser('provider');
    const buyer = await mintedUser('client');
    const studioId = await publishedStudio(host.userId, { instantBook: false });
    await openAllDay(host.accessToken, studioId, {});
    const { thread, message } = (
      await gqlOk(
        buyer.accessToken,
        `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { ${THREAD} } message { ${MESSAGE} } } }`,
        {
          input: {
            studioId,
            body: 'Hi! Email me at pat.buyer@example.com or call +1 (555) 123-4567 to settle details.',
          },
        },
      )
    ).startInquiry as { thread: { threadId: string }; message: Received['message'] };
    const threadId = thread.threadId;
    // What the sender is answered (and subscribers receive) is what recipients see.
    expect(message.body).not.toMatch(/example\.com|555/);
    expect(message.policyHints).toContain('CONTACT_DETAILS_HIDDEN');

    const seenByHost = (await messagesAs(host, threadId))[0]!;
    expect(seenByHost.body).toBe('Hi! Email me at [contact hidden] or call [contact hidden] to settle details.');
    expect(seenByHost.redacted).toBe(true);
    const hostThread = await threadAs(host, threadId);
    expect(hostThread.lastMessagePreview).not.toMatch(/example\.com|555/);
    expect(hostThread).toMatchObject({ contactDetailsHidden: true, kind: 'INQUIRY' });
    // The author still sees what they wrote.
    expect((await messagesAs(buyer, threadId))[0]!.body).toMatch(/pat\.buyer@example\.com/);

    // Requested but not yet confirmed: still hidden.
    const requested = (
      await gqlOk(buyer.accessToken, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          studioId,
          startsAt: hoursFromNow(24 * 9),
          durationMinutes: 60,
        },
      })
    ).requestBooking as { id: string; status: string };
    expect(requested.status).toBe('REQUESTED');
    const asHost = await subscribe(host, threadId);
    expect(asHost.errors).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await messagesAs(host, threadId)).find((m) => m.messageId === message.messageId)!.redacted).toBe(true);

    // The host accepts through booking's API: booking.confirmed reaches messaging through the outbox.
    const confirmed = (
      await gqlOk(host.accessToken, ACT, {
        input: { idempotencyKey: `act-${newId('request')}`, groupId: requested.id, action: 'ACCEPT' },
      })
    ).actOnBooking as { status: string };
    // Booking is wired to Stripe (the stand-in): the hold is confirmed once the client's card pays it.
    expect(confirmed.status).toBe('HOLD');
    await payHold(buyer.accessToken, requested.id);
    const deadline = Date.now() + 15_000;
    while ((await threadAs(host, threadId)).kind !== 'PROJECT' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await threadAs(host, threadId)).toMatchObject({ contactDetailsHidden: false, kind: 'PROJECT' });

    const afterConfirm = await messagesAs(host, threadId);
    const opening = afterConfirm.find((m) => m.messageId === message.messageId)!;
    expect(opening.body).toMatch(/pat\.buyer@example\.com/);
    expect(opening.body).toMatch(/\+1 \(555\) 123-4567/);
    expect(opening.redacted).toBe(false);
    // An action message from the platform tells both sides; it was published live (AWS_IAM) to the member's subscription.
    const notice = afterConfirm[0]!;
    expect(notice).toMatchObject({ type: 'ACTION', authorUserId: 'system' });
    expect(notice.body).toMatch(/^Booking confirmed/);
    await waitFor(() => asHost.received.some((entry) => entry.message.messageId === notice.messageId));
    // GSI2: the project threads of the booking group.
    expect(await projectThreadsOf(requested.id)).toEqual([threadId]);
    // New messages are no longer redacted.
    const sent = await gqlOk(buyer.accessToken, SEND, { input: { threadId, body: 'Again: pat.buyer@example.com' } });
    expect(sent.sendMessage.body).toBe('Again: pat.buyer@example.com');
    asHost.unsubscribe();
  });

  it('publishThreadEvent is AWS_IAM only: API key and OIDC callers are refused, a signed event reaches members only', async () => {
    const { thread, message } = await startInquiry(client, 'A message to publish again');
    const threadId = thread.threadId;
    const PUBLISH = `mutation($t: ID!, $m: ID!) { publishThreadEvent(threadId: $t, messageId: $m) { ${MESSAGE} } }`;
    const variables = { t: threadId, m: message.messageId };

    // OIDC (even a member) and API key: AppSync's field-level refusal; nothing is published.
    const asMember = await gqlAs(provider.accessToken, PUBLISH, variables);
    expect(asMember.data?.publishThreadEvent ?? null).toBeNull();
    expect(asMember.errors?.[0]).toMatchObject({ errorType: 'Unauthorized' });
    const { endpoints } = stackInfo();
    const withKey = await fetch(endpoints.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': endpoints.apiKey },
      body: JSON.stringify({ query: PUBLISH, variables }),
    });
    const keyAnswer = (await withKey.json()) as { errors?: { errorType: string }[] };
    expect(keyAnswer.errors?.[0]?.errorType).toBe('Unauthorized');
    // Signed with a secret the stack never issued: refused before any resolver runs.
    const forged = new AppSyncIamClient({
      graphqlUrl: endpoints.graphqlUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: 'not-the-secret' },
    });
    await expect(forged.execute(PUBLISH, variables)).rejects.toThrow(/did not accept/);

    const asClient = await subscribe(client, threadId);
    const asProvider = await subscribe(provider, threadId);
    const asStranger = await subscribe(stranger, threadId);
    expect(JSON.stringify(asStranger.errors)).toMatch(/NOT_FOUND/);
    expect(asClient.received).toEqual([]);

    // The credentials the local stack issues to its Lambdas (process.env of the stack, as in Lambda).
    const signed = new AppSyncIamClient({
      graphqlUrl: endpoints.graphqlUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_SECRET_KEY },
    });
    const answer = await signed.execute(PUBLISH, variables);
    expect(answer.publishThreadEvent).toMatchObject({ messageId: message.messageId, threadId });
    await waitFor(() => asClient.received.length === 1 && asProvider.received.length === 1);
    expect(asClient.received[0]!.message.messageId).toBe(message.messageId);
    expect(asProvider.received[0]!.message.body).toBe('A message to publish again');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(asStranger.received).toEqual([]);
    // A message of another thread cannot be pushed into this one: the answer is read from the store.
    const other = await startInquiry(stranger, 'Stranger opening');
    await expect(signed.execute(PUBLISH, { t: threadId, m: other.message.messageId })).rejects.toThrow(/NOT_FOUND/);
    expect(asClient.received).toHaveLength(1);
    for (const subscriber of [asClient, asProvider, asStranger]) subscriber.unsubscribe();
  });
});
