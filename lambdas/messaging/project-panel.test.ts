import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import type { ObjectStore, RateLimiter } from '../core/ports.ts';
import { newId } from '../core/ids.ts';
import { fake } from '../core/testing/fakes.ts';
import { BlockedError, TabVersionConflictError, ThreadClosedError, ThreadNotFoundError } from './messaging.errors.ts';
import {
  MessagingService,
  type BookingCardSource,
  type EventInbox,
  type ListingDirectory,
  type ThreadEventPublisher,
} from './messaging.service.ts';
import { updateThreadTabArgs } from './messaging.schemas.ts';
import type { PresenceStore } from './presence.repository.ts';
import type { ParticipantRecord, TabRecord, ThreadRecord, ThreadStore } from './thread.repository.ts';

const ME = 'usr_me';
const OTHER = 'usr_other_member';
const THREAD = newId('thread');

/** Tabs with the repository's version rule (a write at v needs v - 1 stored), one thread, one member. */
function memoryThreads(
  threadStatus: 'open' | 'locked' = 'open',
  { contactRedaction = false, blocked = false }: { contactRedaction?: boolean; blocked?: boolean } = {},
) {
  const tabs = new Map<string, TabRecord>();
  return fake<ThreadStore>('threads', {
    getParticipant: (threadId: string, userId: string) =>
      Promise.resolve(
        threadId === THREAD && [ME, OTHER].includes(userId)
          ? ({ threadId, userId, threadStatus, contactRedaction } as ParticipantRecord)
          : undefined,
      ),
    getThread: () => Promise.resolve({ threadId: THREAD, bookingId: null, participants: [ME, OTHER] } as ThreadRecord),
    tabs: () => Promise.resolve([...tabs.values()]),
    // The repository's transaction: thread open, nobody blocked, then the version rule.
    putTab: (tab: TabRecord, participants: readonly string[]) => {
      expect(participants).toEqual([ME, OTHER]);
      if (threadStatus !== 'open') return Promise.resolve({ kind: 'thread-closed' as const });
      if (blocked) return Promise.resolve({ kind: 'blocked' as const });
      const current = tabs.get(tab.tab)?.version ?? 0;
      if (current !== tab.version - 1) return Promise.resolve({ kind: 'stale' as const, current });
      tabs.set(tab.tab, tab);
      return Promise.resolve({ kind: 'saved' as const });
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
const input = (tab: 'BRIEF' | 'SHOTLIST', expectedVersion: number, content: object) =>
  updateThreadTabArgs.parse({ input: { threadId: THREAD, tab, expectedVersion, ...content } }).input;

describe('project panel', () => {
  it('saves on the version edited, refuses an older one with the current version, and shows every tab', async () => {
    const messaging = service(memoryThreads());
    expect(await messaging.updateThreadTab(me, input('BRIEF', 0, { brief: 'Ten looks' }))).toMatchObject({
      tab: 'BRIEF',
      version: 1,
      brief: 'Ten looks',
      updatedByUserId: ME,
    });
    const stale = messaging.updateThreadTab(me, input('BRIEF', 0, { brief: 'Other draft' }));
    await expect(stale).rejects.toBeInstanceOf(TabVersionConflictError);
    await expect(stale).rejects.toMatchObject({ details: { currentVersion: 1 } });
    const panel = await messaging.threadPanel(me, THREAD);
    expect(panel.tabs.map((tab) => [tab.tab, tab.version, tab.brief])).toEqual([
      ['BRIEF', 1, 'Ten looks'],
      ['SHOTLIST', 0, null],
      ['MOODBOARD', 0, null],
      ['FILES', 0, null],
      ['DOCS', 0, null],
      ['EXPENSES', 0, null],
    ]);
    expect(panel.actions).toBeNull();
  });

  it('refuses a locked thread, a non-member, and content of the other tab', async () => {
    await expect(
      service(memoryThreads('locked')).updateThreadTab(me, input('BRIEF', 0, { brief: 'x' })),
    ).rejects.toBeInstanceOf(ThreadClosedError);
    await expect(
      service(memoryThreads()).threadPanel({ kind: 'user', userId: 'usr_other', roles: ['client'] } as never, THREAD),
    ).rejects.toBeInstanceOf(ThreadNotFoundError);
    expect(() => input('SHOTLIST', 0, { brief: 'wrong tab' })).toThrow();
  });

  it('refuses a blocked thread with BLOCKED', async () => {
    await expect(
      service(memoryThreads('open', { blocked: true })).updateThreadTab(me, input('BRIEF', 0, { brief: 'x' })),
    ).rejects.toBeInstanceOf(BlockedError);
  });

  it("hides another member's contact details in tabs while the thread hides them, never the author's own", async () => {
    const threads = memoryThreads('open', { contactRedaction: true });
    const messaging = service(threads);
    const other = { kind: 'user', userId: OTHER, roles: ['provider'] } as never;
    const saved = await messaging.updateThreadTab(me, input('BRIEF', 0, { brief: 'Mail me at jo@example.com' }));
    expect(saved).toMatchObject({ brief: 'Mail me at jo@example.com', redacted: false });
    await messaging.updateThreadTab(
      me,
      input('SHOTLIST', 0, { shotList: [{ title: 'Call +1 415 555 0100 first', done: false }] }),
    );
    const theirs = await messaging.threadPanel(other, THREAD);
    expect(theirs.tabs[0]).toMatchObject({ brief: 'Mail me at [contact hidden]', redacted: true });
    expect(theirs.tabs[1]!.shotList![0]!.title).not.toContain('555');
    expect(theirs.tabs[1]!.redacted).toBe(true);
    const mine = await messaging.threadPanel(me, THREAD);
    expect(mine.tabs[0]).toMatchObject({ brief: 'Mail me at jo@example.com', redacted: false });
  });
});
