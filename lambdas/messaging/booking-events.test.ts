import { describe, expect, it } from 'vitest';
import { fake } from '../core/testing/fakes.ts';
import type { Clock } from '../core/clock.ts';
import type { ObjectStore, RateLimiter } from '../core/ports.ts';
import { ThreadNotFoundError } from './messaging.errors.ts';
import type { PresenceStore } from './presence.repository.ts';
import {
  BOOKINGS_CONSUMER,
  MessagingService,
  type BookingCardSource,
  type EventInbox,
  type ListingDirectory,
  type ThreadEventPublisher,
} from './messaging.service.ts';
import { AppSyncRealtimePublisher, type SignedGraphql } from './thread-events.publisher.ts';
import type { MessageRecord, ParticipantRecord, ThreadRecord, ThreadStore } from './thread.repository.ts';

const CLIENT = 'usr_client';
const OWNER = 'usr_owner';
const clock: Clock = { now: () => new Date('2026-11-30T12:00:00.000Z'), nowSeconds: () => 1_796_040_000 } as Clock;

/** The store as the booking consumer uses it, in memory, with the repository's idempotency rules. */
function memoryThreads() {
  const thread = { threadId: 'thr_1', participants: [CLIENT, OWNER], contactRedaction: true } as ThreadRecord;
  const participants = new Map(
    [CLIENT, OWNER].map((userId) => [userId, { threadId: 'thr_1', userId } as unknown as ParticipantRecord]),
  );
  const messages = new Map<string, MessageRecord>();
  const requests = new Map<string, string>();
  const lifted: { threadId: string; booking: unknown }[] = [];
  let cardOrder: { occurredAt: string; eventId: string } | undefined;
  const store = fake<ThreadStore>('threads', {
    findPairThread: (buyer: string, seller: string) =>
      Promise.resolve(buyer === CLIENT && seller === OWNER ? thread.threadId : undefined),
    getThread: (threadId: string) => Promise.resolve(threadId === thread.threadId ? thread : undefined),
    liftContactRedaction: (threadId: string, _participants: readonly string[], booking: unknown) => {
      lifted.push({ threadId, booking });
      return Promise.resolve();
    },
    appendSystemMessage: (message: MessageRecord, _participants: readonly string[], key: string) => {
      const first = requests.get(key);
      if (first) return Promise.resolve({ kind: 'replayed' as const, messageSk: first });
      requests.set(key, message.sk);
      messages.set(message.sk, message);
      return Promise.resolve({ kind: 'appended' as const, messageSk: message.sk });
    },
    getMessage: (_threadId: string, sk: string) => Promise.resolve(messages.get(sk)),
    setCardBooking: (threadId: string, groupId: string, order: { occurredAt: string; eventId: string }) => {
      // What the repository's condition does: move only for a newer (occurredAt, id).
      const newer =
        !cardOrder ||
        cardOrder.occurredAt < order.occurredAt ||
        (cardOrder.occurredAt === order.occurredAt && cardOrder.eventId < order.eventId);
      if (threadId === thread.threadId && newer) {
        thread.cardBookingId = groupId;
        cardOrder = order;
      }
      return Promise.resolve(newer);
    },
    getParticipant: (threadId: string, userId: string) =>
      Promise.resolve(threadId === thread.threadId ? participants.get(userId) : undefined),
  });
  return { store, messages, lifted };
}

function memoryInbox(): EventInbox & { seen: Set<string> } {
  const seen = new Set<string>();
  return {
    seen,
    // As consumeOnce: the inbox row commits only with a successful effect.
    async once(consumer, event, effect) {
      const key = `${consumer}:${event.id}`;
      if (seen.has(key)) return false;
      await effect();
      seen.add(key);
      return true;
    },
  };
}

function service(
  threads: ThreadStore,
  publisher: Pick<ThreadEventPublisher, 'publish'> & Partial<ThreadEventPublisher>,
  inbox: EventInbox,
  bookings: BookingCardSource = fake<BookingCardSource>('bookings'),
) {
  return new MessagingService(
    threads,
    fake<PresenceStore>('presence'),
    fake<ListingDirectory>('listings'),
    fake<RateLimiter>('limiter'),
    clock,
    {
      send: { name: 'send', capacity: 1, refillPerSecond: 1 },
      firstContact: { name: 'first', capacity: 1, refillPerSecond: 1 },
    },
    publisher.actionPanel
      ? (publisher as ThreadEventPublisher)
      : { ...publisher, actionPanel: () => Promise.resolve() },
    inbox,
    bookings,
    { objects: fake<ObjectStore>('previews'), bucket: 'msg-previews' },
  );
}

const event = {
  id: 'evt_1',
  type: 'booking.confirmed' as const,
  occurredAt: '2026-11-30T11:00:00.000Z',
  payload: {
    groupId: 'bkg_1',
    clientUserId: CLIENT,
    status: 'CONFIRMED',
    legs: [
      { legId: 'leg_1', ownerUserId: OWNER },
      { legId: 'leg_2', ownerUserId: OWNER },
      { legId: 'leg_3', ownerUserId: 'usr_never_wrote' },
    ],
  },
};

describe('booking events in messaging', () => {
  it("turns the pair's inquiry into the group's project thread and publishes one system message", async () => {
    const threads = memoryThreads();
    const published: [string, string][] = [];
    const inbox = memoryInbox();
    const messaging = service(
      threads.store,
      { publish: (threadId, messageId) => Promise.resolve(void published.push([threadId, messageId])) },
      inbox,
    );
    expect(await messaging.onBookingEvent(event)).toEqual(['thr_1']);
    // One owner with two legs: one conversion (first leg); the owner who never wrote has no thread.
    expect(threads.lifted).toEqual([
      { threadId: 'thr_1', booking: { bookingId: 'bkg_1', lbgId: 'bkg_1', legId: 'leg_1' } },
    ]);
    const [notice] = [...threads.messages.values()];
    expect(notice).toMatchObject({
      type: 'action',
      authorUserId: 'system',
      redactedBody: null,
      card: { bookingId: 'bkg_1', status: 'CONFIRMED' },
    });
    expect(published).toEqual([['thr_1', notice!.messageId]]);
    expect(inbox.seen).toEqual(new Set([`${BOOKINGS_CONSUMER}:evt_1`]));

    // A redelivery is a no-op.
    expect(await messaging.onBookingEvent(event)).toEqual([]);
    expect(threads.messages.size).toBe(1);
    expect(published).toHaveLength(1);
  });

  it('a failed publish fails the event; the retry republishes the same message, never a second one', async () => {
    const threads = memoryThreads();
    const published: string[] = [];
    let fail = true;
    const messaging = service(
      threads.store,
      {
        publish: (_threadId, messageId) => {
          if (fail) return Promise.reject(new Error('AppSync unavailable'));
          published.push(messageId);
          return Promise.resolve();
        },
      },
      memoryInbox(),
    );
    await expect(messaging.onBookingEvent(event)).rejects.toThrow('AppSync unavailable');
    fail = false;
    expect(await messaging.onBookingEvent(event)).toEqual(['thr_1']);
    expect(threads.messages.size).toBe(1);
    expect(published).toEqual([[...threads.messages.values()][0]!.messageId]);
  });

  it('a failed panel frame is logged, never fails the event (no second message frame), and waits for the commit', async () => {
    const threads = memoryThreads();
    const inbox = memoryInbox();
    let open = false;
    const transactional: EventInbox = {
      once: async (consumer, evt, effect) => {
        open = true;
        try {
          return await inbox.once(consumer, evt, effect);
        } finally {
          open = false;
        }
      },
    };
    const calls: { mutation: string; inTransaction: boolean }[] = [];
    // The signed AppSync client as the publisher sees it: the message frame goes through, the panel one fails.
    const graphql: SignedGraphql = {
      execute: (query) => {
        const mutation = /publish\w+/.exec(query)![0];
        calls.push({ mutation, inTransaction: open });
        if (mutation === 'publishThreadPanelEvent') return Promise.reject(new Error('AppSync unavailable'));
        return Promise.resolve({ [mutation]: { bookingId: 'bkg_1' } });
      },
    };
    const warnings: unknown[] = [];
    const publisher = new AppSyncRealtimePublisher(graphql, { warn: (...args: unknown[]) => void warnings.push(args) });
    const messaging = service(threads.store, publisher, transactional);

    expect(await messaging.onBookingEvent(event)).toEqual(['thr_1']);
    expect(await messaging.onBookingEvent(event)).toEqual([]);
    expect(calls).toEqual([
      { mutation: 'publishThreadEvent', inTransaction: true },
      { mutation: 'publishThreadPanelEvent', inTransaction: false },
    ]);
    expect(inbox.seen.size).toBe(1);
    expect(warnings).toEqual([
      ['realtime publish failed', expect.objectContaining({ what: 'action-panel', threadId: 'thr_1' })],
    ]);
  });

  it('every other booking event posts one action message per event, and the cards follow that booking', async () => {
    const threads = memoryThreads();
    const published: string[] = [];
    const asked: [string, string][] = [];
    const messaging = service(
      threads.store,
      { publish: (_threadId, messageId) => Promise.resolve(void published.push(messageId)) },
      memoryInbox(),
      {
        forViewer: (groupId, userId) => {
          asked.push([groupId, userId]);
          return Promise.resolve(
            userId === OWNER
              ? {
                  groupId,
                  status: 'REQUESTED',
                  viewerRole: 'OWNER',
                  actions: ['ACCEPT', 'DECLINE', 'CANCEL', 'RESCHEDULE'],
                }
              : null,
          );
        },
      },
    );
    const owner = { kind: 'user', userId: OWNER, roles: ['provider'] } as never;
    const client = { kind: 'user', userId: CLIENT, roles: ['client'] } as never;
    // No booking yet: no cards.
    expect(await messaging.threadActionCards(owner, 'thr_1')).toBeNull();

    const requested = {
      ...event,
      id: 'evt_req',
      type: 'booking.requested' as const,
      payload: { ...event.payload, groupId: 'bkg_2', status: 'REQUESTED' },
    };
    expect(await messaging.onBookingEvent(requested)).toEqual(['thr_1']);
    expect(await messaging.onBookingEvent(requested)).toEqual([]);
    const [card] = [...threads.messages.values()];
    expect(card).toMatchObject({ type: 'action', card: { bookingId: 'bkg_2', status: 'REQUESTED' } });
    expect(published).toEqual([card!.messageId]);
    // Redaction is booking.confirmed's alone.
    expect(threads.lifted).toEqual([]);

    expect(await messaging.threadActionCards(owner, 'thr_1')).toEqual({
      threadId: 'thr_1',
      bookingId: 'bkg_2',
      bookingStatus: 'REQUESTED',
      viewerRole: 'OWNER',
      cards: [
        { action: 'ACCEPT', mutation: 'actOnBooking' },
        { action: 'DECLINE', mutation: 'actOnBooking' },
        { action: 'CANCEL', mutation: 'actOnBooking' },
        { action: 'RESCHEDULE', mutation: 'rescheduleBookingGroup' },
      ],
    });
    // Not a party to the booking (per booking's rules): no cards.
    expect(await messaging.threadActionCards(client, 'thr_1')).toBeNull();
    expect(asked).toEqual([
      ['bkg_2', OWNER],
      ['bkg_2', CLIENT],
    ]);
    // Not a member of the thread: it does not exist for them.
    await expect(
      messaging.threadActionCards({ kind: 'user', userId: 'usr_other', roles: ['client'] } as never, 'thr_1'),
    ).rejects.toBeInstanceOf(ThreadNotFoundError);
  });

  it('a late, older booking event posts its message but leaves the cards on the newer booking', async () => {
    const threads = memoryThreads();
    const messaging = service(threads.store, { publish: () => Promise.resolve() }, memoryInbox());
    const at = (occurredAt: string, id: string, groupId: string) => ({
      ...event,
      id,
      occurredAt,
      type: 'booking.requested' as const,
      payload: { ...event.payload, groupId, status: 'REQUESTED' },
    });
    await messaging.onBookingEvent(at('2026-11-30T11:00:02.000Z', 'evt_new', 'bkg_new'));
    // Delivered late, with an offset: still older once normalised to UTC.
    await messaging.onBookingEvent(at('2026-11-30T12:00:01.000+01:00', 'evt_old', 'bkg_old'));
    const thread = await threads.store.getThread('thr_1');
    expect(thread?.cardBookingId).toBe('bkg_new');
    expect([...threads.messages.values()].map((message) => message.card?.bookingId)).toEqual(['bkg_new', 'bkg_old']);
  });
});
