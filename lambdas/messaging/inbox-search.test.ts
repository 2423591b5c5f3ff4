import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { ValidationError } from '../core/errors.ts';
import type { ObjectStore, RateLimiter } from '../core/ports.ts';
import { newId } from '../core/ids.ts';
import { fake } from '../core/testing/fakes.ts';
import {
  MessagingService,
  normalizeForSearch,
  type BookingCardSource,
  type EventInbox,
  type ListingDirectory,
  type ThreadEventPublisher,
} from './messaging.service.ts';
import type { PresenceStore } from './presence.repository.ts';
import type { ParticipantRecord, ThreadStore } from './thread.repository.ts';

const ME = 'usr_me';
const [T1, T2, T3] = [newId('thread'), newId('thread'), newId('thread')];

function row(threadId: string, preview: string, kind: 'inquiry' | 'project' = 'inquiry'): ParticipantRecord {
  return {
    threadId,
    userId: ME,
    lastMessagePreview: preview,
    listingType: 'STUDIO',
    kind,
    threadStatus: 'open',
    roleContext: 'buyer',
  } as ParticipantRecord;
}

/** The inbox walk as the repository does it: newest first, stop at `limit` matches. */
function memoryThreads(rows: ParticipantRecord[]) {
  return fake<ThreadStore>('threads', {
    getParticipant: (threadId: string, userId: string) =>
      Promise.resolve(rows.find((r) => r.threadId === threadId && r.userId === userId)),
    searchInbox: (
      userId: string,
      _archived: boolean,
      matches: (row: ParticipantRecord) => boolean,
      limit: number,
      start: { threadId: string } | undefined,
    ) => {
      const from = start ? rows.findIndex((r) => r.threadId === start.threadId) + 1 : 0;
      const items: ParticipantRecord[] = [];
      for (const r of rows.slice(from))
        if (r.userId === userId && matches(r)) {
          items.push(r);
          if (items.length === limit)
            return Promise.resolve({
              items,
              last: { threadId: r.threadId, gsi1sk: `2026-12-01T00:00:00.000Z#${r.threadId}` },
            });
        }
      return Promise.resolve({ items, last: undefined });
    },
  });
}

function service(threads: ThreadStore) {
  return new MessagingService(
    threads,
    fake<PresenceStore>('presence'),
    fake<ListingDirectory>('listings'),
    fake<RateLimiter>('limiter'),
    { now: () => new Date('2026-12-01T00:00:00Z') } as Clock,
    {
      send: { name: 'send', capacity: 1, refillPerSecond: 1 },
      firstContact: { name: 'first', capacity: 1, refillPerSecond: 1 },
    },
    fake<ThreadEventPublisher>('publisher'),
    fake<EventInbox>('inbox'),
    fake<BookingCardSource>('bookings'),
    { objects: fake<ObjectStore>('previews'), bucket: 'msg-previews' },
  );
}

const me = { kind: 'user', userId: ME, roles: ['client'] } as never;

describe('inbox search', () => {
  it('ignores case and accents', () => {
    expect(normalizeForSearch('Café CORNER Ñandú')).toBe('cafe corner nandu');
  });

  it('needs every term, over the preview, listing type and thread kind; pages with a cursor bound to its query', async () => {
    const messaging = service(
      memoryThreads([
        row(T3, 'Natural light at the Café'),
        row(T2, 'See you Saturday', 'project'),
        row(T1, 'natural LIGHT, no café'),
      ]),
    );
    const ids = (page: { items: readonly { threadId: string }[] }) => page.items.map((t) => t.threadId);
    expect(ids(await messaging.searchInbox(me, 'cafe natural', null, null, null))).toEqual([T3, T1]);
    expect(ids(await messaging.searchInbox(me, 'project saturday', null, null, null))).toEqual([T2]);
    expect(ids(await messaging.searchInbox(me, 'studio', null, null, null))).toEqual([T3, T2, T1]);
    expect(ids(await messaging.searchInbox(me, 'natural sunday', null, null, null))).toEqual([]);

    const first = await messaging.searchInbox(me, 'light', null, 1, null);
    expect(ids(first)).toEqual([T3]);
    const second = await messaging.searchInbox(me, 'light', null, 1, first.nextCursor);
    expect(ids(second)).toEqual([T1]);
    await expect(messaging.searchInbox(me, 'cafe', null, 1, first.nextCursor)).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses malformed and forged cursors with a typed validation error, never a store error', async () => {
    const messaging = service(memoryThreads([row(T1, 'natural light')]));
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = [
      'not-a-cursor',
      forge([]),
      forge({ t: T1, k: 7, q: 'light' }),
      forge({ t: 'thr_1', k: `2026-12-01T00:00:00.000Z#thr_1`, q: 'light' }),
      // A well-formed key of another thread than the cursor names.
      forge({ t: T1, k: `2026-12-01T00:00:00.000Z#${T2}`, q: 'light' }),
      forge({ t: T1, k: 'x'.repeat(2_000), q: 'light' }),
      forge({ t: T1, k: `2026-12-01T00:00:00.000Z#${T1}`, q: 'light', extra: 'field' }),
    ];
    for (const cursor of forged) {
      await expect(messaging.searchInbox(me, 'light', null, 1, cursor)).rejects.toBeInstanceOf(ValidationError);
      await expect(messaging.inbox(me, null, 1, cursor)).rejects.toBeInstanceOf(ValidationError);
      await expect(messaging.threadMessages(me, T1, 1, cursor)).rejects.toBeInstanceOf(ValidationError);
    }
  });
});
