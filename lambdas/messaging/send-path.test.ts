import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { RateLimitedError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { ObjectStore } from '../core/ports.ts';
import { fake } from '../core/testing/fakes.ts';
import { MemoryRateLimiter } from '../core/testing/memory-rate-limiter.ts';
import { BlockedError, ThreadClosedError, ThreadNotFoundError } from './messaging.errors.ts';
import { sendMessageArgs } from './messaging.schemas.ts';
import {
  MessagingService,
  type BookingCardSource,
  type EventInbox,
  type ListingDirectory,
  type ThreadEventPublisher,
} from './messaging.service.ts';
import type { PresenceStore } from './presence.repository.ts';
import type { AppendMessage, AppendOutcome, ThreadRecord, ThreadStore } from './thread.repository.ts';

const ME = 'usr_me';
const OTHER = 'usr_other_member';
const THREAD = newId('thread');
const SEND_POLICY = { name: 'send', capacity: 2, refillPerSecond: 2 / 3600 };

/**
 * The thread store as the send path uses it: one thread, reads counted, and the write answering
 * the outcomes a test scripts (the real conditions are tested against DynamoDB Local in
 * tests/integration/messaging-send-conditions.int.test.ts).
 */
function scriptedThreads(outcomes: ((input: AppendMessage) => AppendOutcome)[], contactRedaction = true) {
  const calls = { getThread: 0, writes: [] as AppendMessage[] };
  const threads = fake<ThreadStore>('threads', {
    getThread: (threadId: string) => {
      calls.getThread += 1;
      return Promise.resolve(
        threadId === THREAD
          ? ({ threadId, status: 'open', participants: [ME, OTHER], contactRedaction } as ThreadRecord)
          : undefined,
      );
    },
    appendMessage: (input: AppendMessage) => {
      calls.writes.push(input);
      const next = outcomes.shift();
      if (!next) throw new Error('no scripted outcome left');
      return Promise.resolve(next(input));
    },
  });
  return { threads, calls };
}

const appended = (input: AppendMessage): AppendOutcome => ({ kind: 'appended', message: input.message });

function service(threads: ThreadStore, limiter = new MemoryRateLimiter(new ManualClock())) {
  return new MessagingService(
    threads,
    fake<PresenceStore>('presence'),
    fake<ListingDirectory>('listings'),
    limiter,
    new ManualClock(Date.UTC(2026, 11, 1)),
    { send: SEND_POLICY, firstContact: { name: 'first', capacity: 1, refillPerSecond: 1 } },
    fake<ThreadEventPublisher>('publisher'),
    fake<EventInbox>('inbox'),
    fake<BookingCardSource>('bookings'),
    { objects: fake<ObjectStore>('previews'), bucket: 'msg-previews' },
  );
}

const as = (userId: string) => ({ kind: 'user', userId, roles: ['client'] }) as never;
const send = (body: string, threadId: string = THREAD) => sendMessageArgs.parse({ input: { threadId, body } }).input;

describe('the send path', () => {
  it('reads the thread once per container; each send is then its one write, with the window in it', async () => {
    const { threads, calls } = scriptedThreads([appended, appended, appended]);
    const messaging = service(threads);
    for (const body of ['one', 'two', 'three']) await messaging.sendMessage(as(ME), send(body));
    expect(calls.getThread).toBe(1);
    expect(calls.writes).toHaveLength(3);
    for (const write of calls.writes) {
      expect(write.quota).toEqual({ policy: SEND_POLICY, key: ME });
      expect(write.contactRedaction).toBe(true);
    }
  });

  it('a stranger is NOT_FOUND without a write or a count; an unknown thread too', async () => {
    const { threads, calls } = scriptedThreads([]);
    const limiter = new MemoryRateLimiter(new ManualClock());
    const messaging = service(threads, limiter);
    await expect(messaging.sendMessage(as('usr_stranger'), send('hi'))).rejects.toBeInstanceOf(ThreadNotFoundError);
    await expect(messaging.sendMessage(as(ME), send('hi', newId('thread')))).rejects.toBeInstanceOf(
      ThreadNotFoundError,
    );
    expect(calls.writes).toHaveLength(0);
    expect(limiter.consumed).toEqual([]);
  });

  it('a thread confirmed behind the cache: the message is rewritten for the stored thread, contact details shown', async () => {
    const stored = { threadId: THREAD, status: 'open', participants: [ME, OTHER], contactRedaction: false };
    const { threads, calls } = scriptedThreads([
      () => ({ kind: 'thread-changed', thread: stored as ThreadRecord }),
      appended,
    ]);
    const answer = await service(threads).sendMessage(as(ME), send('Mail me: pat@example.com'));
    expect(calls.writes.map((write) => write.contactRedaction)).toEqual([true, false]);
    // The first try hid the address from the recipient; the rewrite does not.
    expect(calls.writes[0]!.previews[OTHER]).toBe('Mail me: [contact hidden]');
    expect(calls.writes[1]!.message.redactedBody).toBeNull();
    expect(calls.writes[1]!.previews[OTHER]).toBe('Mail me: pat@example.com');
    expect(answer).toMatchObject({ body: 'Mail me: pat@example.com', redacted: false });
  });

  it('refused sends (a block, a closed thread) still count against the window: probing runs into RATE_LIMITED', async () => {
    const blocked = (): AppendOutcome => ({ kind: 'blocked' });
    const { threads } = scriptedThreads([blocked, blocked, blocked]);
    const limiter = new MemoryRateLimiter(new ManualClock());
    const messaging = service(threads, limiter);
    await expect(messaging.sendMessage(as(ME), send('a'))).rejects.toBeInstanceOf(BlockedError);
    await expect(messaging.sendMessage(as(ME), send('b'))).rejects.toBeInstanceOf(BlockedError);
    await expect(messaging.sendMessage(as(ME), send('c'))).rejects.toBeInstanceOf(RateLimitedError);
    expect(limiter.consumed).toEqual(['send:usr_me', 'send:usr_me', 'send:usr_me']);

    const closed = scriptedThreads([() => ({ kind: 'thread-closed' })]);
    const counted = new MemoryRateLimiter(new ManualClock());
    await expect(service(closed.threads, counted).sendMessage(as(ME), send('d'))).rejects.toBeInstanceOf(
      ThreadClosedError,
    );
    expect(counted.consumed).toEqual(['send:usr_me']);
  });

  it('a full window in the write answers RATE_LIMITED with its Retry-After', async () => {
    const { threads } = scriptedThreads([() => ({ kind: 'rate-limited', retryAfterSeconds: 42 })]);
    const refused = service(threads).sendMessage(as(ME), send('too many'));
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 42 });
  });
});
