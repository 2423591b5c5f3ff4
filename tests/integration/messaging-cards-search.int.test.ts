/**
 * Action cards in threads (#13, seed 004 §1.4), with the web app's own client (AWS Amplify v6): a
 * booking's state changes reach the pair's thread as ACTION messages (booking events → the
 * messaging-bookings consumer → publishThreadEvent → the members' subscriptions); the thread's cards
 * are what the viewer may do on that booking now, computed at read time by booking's rules; acting
 * on a card is booking's own mutation, which the card names.
 */
import { generateClient } from 'aws-amplify/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { ACT, REQUEST, hoursFromNow, openAllDay, publishedStudio } from '../support/booking.ts';
import { payHold } from '../support/checkout.ts';
import { gqlAs, gqlOk } from '../support/graphql.ts';
import { resetAmplify } from '../support/amplify.ts';
import { configureAmplify } from '../support/realtime.ts';
import { mintAccessToken } from '../support/tokens.ts';

interface User {
  readonly userId: string;
  readonly accessToken: string;
}
interface Frame {
  readonly messageId: string;
  readonly type: string;
  readonly authorUserId: string;
  readonly body: string;
  readonly bookingId: string | null;
  readonly bookingStatus: string | null;
}
interface Cards {
  readonly threadId: string;
  readonly bookingId: string;
  readonly bookingStatus: string;
  readonly viewerRole: string;
  readonly cards: { action: string; mutation: string }[];
}

const MESSAGE = 'threadId messageId authorUserId type body redacted policyHints createdAt bookingId bookingStatus';
const ON_MESSAGE = `subscription On($threadId: ID!) { onThreadMessage(threadId: $threadId) { ${MESSAGE} } }`;
const CARDS = `query Cards($threadId: ID!) {
  threadActionCards(threadId: $threadId) { threadId bookingId bookingStatus viewerRole cards { action mutation } }
}`;
const RESCHEDULE = `mutation($input: RescheduleBookingGroupInput!) { rescheduleBookingGroup(input: $input) { id status startsAt } }`;

async function mintedUser(role: 'client' | 'provider'): Promise<User> {
  const userId = newId('user');
  return { userId, accessToken: await mintAccessToken({ userId, roles: [role] }) };
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(condition()).toBe(true);
}

/** An Amplify subscription to a thread's messages as `user`, once AppSync acknowledged it. */
async function subscribe(user: User, threadId: string) {
  const received: Frame[] = [];
  const errors: unknown[] = [];
  let ready!: () => void;
  const acknowledged = new Promise<void>((resolve) => (ready = resolve));
  const { Hub } = await import('aws-amplify/utils');
  const stop = Hub.listen('api', (capsule) => {
    const payload = capsule.payload as { event?: string; data?: { variables?: { threadId?: string } } };
    if (payload.event === 'Subscription ack' && payload.data?.variables?.threadId === threadId) ready();
  });
  const observable = generateClient().graphql({
    query: ON_MESSAGE,
    variables: { threadId },
    authMode: 'oidc',
    authToken: user.accessToken,
  }) as unknown as {
    subscribe(observer: {
      next: (value: { data: { onThreadMessage: Frame } }) => void;
      error: (error: unknown) => void;
    }): { unsubscribe(): void };
  };
  const subscription = observable.subscribe({
    next: (value) => received.push(value.data.onThreadMessage),
    error: (error) => {
      errors.push(error);
      ready();
    },
  });
  await acknowledged;
  stop();
  return { received, errors, unsubscribe: () => subscription.unsubscribe() };
}

/** The viewer's cards, read with Amplify as the web app does. */
async function cardsAs(user: User, threadId: string): Promise<Cards | null> {
  const answer = (await generateClient().graphql({
    query: CARDS,
    variables: { threadId },
    authMode: 'oidc',
    authToken: user.accessToken,
  })) as { data: { threadActionCards: Cards | null } };
  return answer.data.threadActionCards;
}

async function myActions(user: User, groupId: string): Promise<string[]> {
  return (await gqlOk(user.accessToken, `query($id: ID!) { booking(id: $id) { myActions } }`, { id: groupId })).booking
    .myActions as string[];
}

/** Performs a card with the booking mutation it names. */
async function act(user: User, groupId: string, card: { action: string; mutation: string }, startsAt?: string) {
  const idempotencyKey = `card-${newId('request')}`;
  if (card.mutation === 'rescheduleBookingGroup')
    return gqlAs(user.accessToken, RESCHEDULE, { input: { idempotencyKey, groupId, startsAt } });
  expect(card.mutation).toBe('actOnBooking');
  return gqlAs(user.accessToken, ACT, { input: { idempotencyKey, groupId, action: card.action } });
}

let host: User;
let buyer: User;
let stranger: User;
let studioId: string;

beforeAll(async () => {
  [host, buyer, stranger] = await Promise.all([mintedUser('provider'), mintedUser('client'), mintedUser('client')]);
  studioId = await publishedStudio(host.userId, { instantBook: false });
  await openAllDay(host.accessToken, studioId, {});
  // The signed-in user of the web app (Amplify's token provider); each call names its own authToken too.
  configureAmplify(() => buyer.accessToken);
}, 120_000);

afterAll(() => {
  resetAmplify();
});

describe('action cards in threads', () => {
  it('follow the booking from request to confirmation, computed at read time, acted on through booking', async () => {
    const threadId = (
      await gqlOk(
        buyer.accessToken,
        `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
        { input: { studioId, body: 'Is the loft free next week?' } },
      )
    ).startInquiry.thread.threadId as string;
    const asHost = await subscribe(host, threadId);
    const asBuyer = await subscribe(buyer, threadId);
    expect([...asHost.errors, ...asBuyer.errors]).toEqual([]);
    // No booking yet: no cards; a non-member is told the thread does not exist.
    expect(await cardsAs(host, threadId)).toBeNull();
    const intruder = await gqlAs(stranger.accessToken, CARDS, { threadId });
    expect(intruder.errors?.[0]?.errorType).toBe('NOT_FOUND');

    const groupId = (
      await gqlOk(buyer.accessToken, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          studioId,
          startsAt: hoursFromNow(24 * 7),
          durationMinutes: 60,
        },
      })
    ).requestBooking.id as string;

    // booking.requested reaches the thread through the outbox as an ACTION message, live to both members.
    const announced = (status: string) => (frames: Frame[]) =>
      frames.some((frame) => frame.type === 'ACTION' && frame.bookingId === groupId && frame.bookingStatus === status);
    await waitFor(() => announced('REQUESTED')(asHost.received) && announced('REQUESTED')(asBuyer.received));
    expect(asHost.received.find((frame) => frame.type === 'ACTION')).toMatchObject({
      authorUserId: 'system',
      body: 'Booking requested: the owner may accept or decline.',
    });

    // The cards are booking's own answer for each side (the same rules as BookingGroup.myActions).
    const hostCards = (await cardsAs(host, threadId))!;
    expect(hostCards).toMatchObject({ threadId, bookingId: groupId, bookingStatus: 'REQUESTED', viewerRole: 'OWNER' });
    expect(hostCards.cards.map((card) => card.action)).toEqual(['ACCEPT', 'DECLINE', 'CANCEL', 'RESCHEDULE']);
    expect(hostCards.cards.map((card) => card.action)).toEqual(await myActions(host, groupId));
    const buyerCards = (await cardsAs(buyer, threadId))!;
    expect(buyerCards).toMatchObject({ bookingStatus: 'REQUESTED', viewerRole: 'CLIENT' });
    expect(buyerCards.cards).toEqual([
      { action: 'CANCEL', mutation: 'actOnBooking' },
      { action: 'RESCHEDULE', mutation: 'rescheduleBookingGroup' },
    ]);

    // The buyer moves the booking with their RESCHEDULE card: booking's mutation, booking.rescheduled posted.
    const moved = await act(buyer, groupId, buyerCards.cards[1]!, hoursFromNow(24 * 8));
    expect(moved.errors).toBeUndefined();
    await waitFor(() =>
      asBuyer.received.some((frame) => frame.type === 'ACTION' && frame.body === 'Booking moved to a new time.'),
    );

    // The host accepts with the ACCEPT card; the cards change at once (read time), before any event lands.
    const accepted = await act(
      host,
      groupId,
      hostCards.cards.find((card) => card.action === 'ACCEPT')!,
    );
    expect(accepted.data?.actOnBooking.status).toBe('HOLD');
    expect(await cardsAs(host, threadId)).toMatchObject({
      bookingStatus: 'HOLD',
      cards: [{ action: 'CANCEL', mutation: 'actOnBooking' }],
    });
    const held = (await cardsAs(buyer, threadId))!;
    expect(held.cards.map((card) => card.action)).toEqual(['CONFIRM', 'CANCEL', 'RESCHEDULE']);
    expect(held.cards.map((card) => card.action)).toEqual(await myActions(buyer, groupId));

    // A card shown before (DECLINE) is no longer allowed: booking answers with a typed refusal, never INTERNAL.
    const stale = await act(host, groupId, { action: 'DECLINE', mutation: 'actOnBooking' });
    expect(stale.errors?.[0]?.errorType).toBeDefined();
    expect(stale.errors?.[0]?.errorType).not.toMatch(/INTERNAL/);
    await waitFor(() => announced('HOLD')(asBuyer.received));

    // Paying the hold (CONFIRM) confirms it: the project thread, contact details shown, cards follow.
    await payHold(buyer.accessToken, groupId);
    await waitFor(() => announced('CONFIRMED')(asHost.received) && announced('CONFIRMED')(asBuyer.received));
    expect(await cardsAs(buyer, threadId)).toMatchObject({
      bookingStatus: 'CONFIRMED',
      cards: [
        { action: 'CANCEL', mutation: 'actOnBooking' },
        { action: 'RESCHEDULE', mutation: 'rescheduleBookingGroup' },
      ],
    });
    expect((await cardsAs(host, threadId))!.cards.map((card) => card.action)).toEqual(await myActions(host, groupId));
    const thread = (
      await gqlOk(host.accessToken, `query($t: ID!) { thread(threadId: $t) { kind contactDetailsHidden } }`, {
        t: threadId,
      })
    ).thread;
    expect(thread).toEqual({ kind: 'PROJECT', contactDetailsHidden: false });

    // One ACTION message per booking event, none twice (the consumer inbox and the system request keys).
    const stored = (
      await gqlOk(
        host.accessToken,
        `query($t: ID!) { threadMessages(threadId: $t, limit: 100) { items { ${MESSAGE} } } }`,
        { t: threadId },
      )
    ).threadMessages.items as Frame[];
    const actions = stored.filter((message) => message.type === 'ACTION').map((message) => message.bookingStatus);
    expect(new Set(actions)).toEqual(new Set(['REQUESTED', 'HOLD', 'CONFIRMED']));
    expect(actions.filter((status) => status === 'CONFIRMED')).toHaveLength(1);
    for (const subscriber of [asHost, asBuyer]) subscriber.unsubscribe();
  });
});

describe('inbox search', () => {
  const SEARCH = `query Search($query: String!, $limit: Int, $cursor: String) {
    searchMyInbox(query: $query, limit: $limit, cursor: $cursor) { items { threadId lastMessagePreview } nextCursor }
  }`;
  interface SearchPage {
    items: { threadId: string; lastMessagePreview: string }[];
    nextCursor: string | null;
  }

  async function search(user: User, query: string, limit?: number, cursor?: string | null): Promise<SearchPage> {
    const answer = (await generateClient().graphql({
      query: SEARCH,
      variables: { query, limit, cursor },
      authMode: 'oidc',
      authToken: user.accessToken,
    })) as { data: { searchMyInbox: SearchPage } };
    return answer.data.searchMyInbox;
  }

  async function inquire(user: User, studio: string, body: string): Promise<string> {
    return (
      await gqlOk(
        user.accessToken,
        `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
        { input: { studioId: studio, body } },
      )
    ).startInquiry.thread.threadId as string;
  }

  /** GSI1 is eventually consistent (as in AWS): wait until the search sees what was written. */
  async function searchUntil(user: User, query: string, count: number): Promise<SearchPage> {
    const deadline = Date.now() + 10_000;
    let page = await search(user, query);
    while (page.items.length !== count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      page = await search(user, query);
    }
    return page;
  }

  it("finds the viewer's own threads only, by what their inbox shows, ignoring case and accents", async () => {
    const [hostA, hostB, seeker, other] = await Promise.all([
      mintedUser('provider'),
      mintedUser('provider'),
      mintedUser('client'),
      mintedUser('client'),
    ]);
    const [loftA, loftB] = await Promise.all([
      publishedStudio(hostA.userId, { instantBook: false }),
      publishedStudio(hostB.userId, { instantBook: false }),
    ]);
    const withA = await inquire(seeker, loftA, 'Looking for a loft with Natural Light on Saturday');
    const withB = await inquire(seeker, loftB, 'Do you have a café corner for a coffee shoot?');
    const otherWithA = await inquire(other, loftA, 'natural light portraits, any weekday');

    expect((await searchUntil(seeker, 'NATURAL light', 1)).items.map((t) => t.threadId)).toEqual([withA]);
    expect((await searchUntil(seeker, 'cafe', 1)).items.map((t) => t.threadId)).toEqual([withB]);
    // The host sees both of their threads; a member of neither finds nothing of the seeker's.
    expect(new Set((await searchUntil(hostA, 'natural', 2)).items.map((t) => t.threadId))).toEqual(
      new Set([withA, otherWithA]),
    );
    expect((await search(other, 'cafe')).items).toEqual([]);
    expect((await search(hostB, 'natural')).items).toEqual([]);

    // Contact details hidden from the recipient stay hidden from their search.
    await gqlOk(
      seeker.accessToken,
      `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`,
      { input: { threadId: withA, body: 'Or write to seeker.loft@example.com' } },
    );
    expect((await searchUntil(seeker, 'example.com', 1)).items.map((t) => t.threadId)).toEqual([withA]);
    expect((await searchUntil(hostA, 'write to', 1)).items[0]!.lastMessagePreview).toBe('Or write to [contact hidden]');
    expect((await search(hostA, 'example.com')).items).toEqual([]);

    // Cursor pagination, newest first; a cursor belongs to its query.
    const first = await searchUntil(hostA, 'inquiry', 2);
    const one = await search(hostA, 'inquiry', 1);
    expect(one.items.map((t) => t.threadId)).toEqual([first.items[0]!.threadId]);
    expect(one.nextCursor).not.toBeNull();
    const two = await search(hostA, 'inquiry', 1, one.nextCursor);
    expect(two.items.map((t) => t.threadId)).toEqual([first.items[1]!.threadId]);
    const misuse = await gqlAs(hostA.accessToken, SEARCH, { query: 'natural', cursor: one.nextCursor });
    expect(misuse.errors?.[0]?.errorType).toBe('BAD_REQUEST');
    const tooShort = await gqlAs(hostA.accessToken, SEARCH, { query: 'a' });
    expect(tooShort.errors?.[0]?.errorType).toBe('BAD_REQUEST');
  });
});

describe('project panel tabs', () => {
  const PANEL = `query($t: ID!) { threadPanel(threadId: $t) {
    threadId tabs { tab version brief shotList { title done } updatedAt updatedByUserId }
    actions { bookingStatus cards { action mutation } }
  } }`;
  const UPDATE = `mutation($input: UpdateThreadTabInput!) {
    updateThreadTab(input: $input) { tab version brief shotList { title done } updatedByUserId }
  }`;

  it('members read and edit the brief and shot list on versions; concurrent edits of one version: one wins', async () => {
    const [owner, author, outsider] = await Promise.all([
      mintedUser('provider'),
      mintedUser('client'),
      mintedUser('client'),
    ]);
    const loft = await publishedStudio(owner.userId, { instantBook: false });
    const threadId = (
      await gqlOk(
        author.accessToken,
        `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
        { input: { studioId: loft, body: 'Shall we plan the shoot?' } },
      )
    ).startInquiry.thread.threadId as string;

    const empty = (await gqlOk(owner.accessToken, PANEL, { t: threadId })).threadPanel;
    expect(empty).toMatchObject({ threadId, actions: null });
    expect(empty.tabs.map((tab: { tab: string; version: number }) => [tab.tab, tab.version])).toEqual([
      ['BRIEF', 0],
      ['SHOTLIST', 0],
      ['MOODBOARD', 0],
      ['FILES', 0],
      ['DOCS', 0],
      ['EXPENSES', 0],
    ]);

    // Ten concurrent first edits of the brief: exactly one is saved, the others learn the current version.
    const racers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gqlAs(i % 2 ? owner.accessToken : author.accessToken, UPDATE, {
          input: { threadId, tab: 'BRIEF', expectedVersion: 0, brief: `Brief draft ${i}` },
        }),
      ),
    );
    const saved = racers.filter((answer) => !answer.errors);
    expect(saved).toHaveLength(1);
    for (const refused of racers.filter((answer) => answer.errors))
      expect(refused.errors?.[0]?.errorType).toBe('CONFLICT');
    const winner = saved[0]!.data!.updateThreadTab as { brief: string; version: number };
    expect(winner.version).toBe(1);

    const shots = await gqlOk(author.accessToken, UPDATE, {
      input: {
        threadId,
        tab: 'SHOTLIST',
        expectedVersion: 0,
        shotList: [
          { title: 'Wide of the loft', done: false },
          { title: 'Portrait by the window', done: true },
        ],
      },
    });
    expect(shots.updateThreadTab).toMatchObject({ tab: 'SHOTLIST', version: 1, updatedByUserId: author.userId });
    const edited = await gqlOk(owner.accessToken, UPDATE, {
      input: { threadId, tab: 'BRIEF', expectedVersion: 1, brief: 'Final brief: 10 looks, natural light' },
    });
    expect(edited.updateThreadTab).toMatchObject({ version: 2, updatedByUserId: owner.userId });

    const panel = (await gqlOk(author.accessToken, PANEL, { t: threadId })).threadPanel;
    // The first two of the six tabs (the others, never written: messaging-panel-tabs.int.test.ts).
    expect(panel.tabs.slice(0, 2)).toEqual([
      expect.objectContaining({
        tab: 'BRIEF',
        version: 2,
        brief: 'Final brief: 10 looks, natural light',
        shotList: null,
      }),
      expect.objectContaining({
        tab: 'SHOTLIST',
        version: 1,
        brief: null,
        shotList: [
          { title: 'Wide of the loft', done: false },
          { title: 'Portrait by the window', done: true },
        ],
      }),
    ]);

    // Outsiders: the thread does not exist. A brief on SHOTLIST is a bad request.
    expect((await gqlAs(outsider.accessToken, PANEL, { t: threadId })).errors?.[0]?.errorType).toBe('NOT_FOUND');
    const intrude = await gqlAs(outsider.accessToken, UPDATE, {
      input: { threadId, tab: 'BRIEF', expectedVersion: 2, brief: 'mine now' },
    });
    expect(intrude.errors?.[0]?.errorType).toBe('NOT_FOUND');
    const mixed = await gqlAs(author.accessToken, UPDATE, {
      input: { threadId, tab: 'SHOTLIST', expectedVersion: 1, brief: 'wrong tab' },
    });
    expect(mixed.errors?.[0]?.errorType).toBe('BAD_REQUEST');
  });
});
