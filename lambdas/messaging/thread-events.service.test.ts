import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { ValidationError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { fake } from '../core/testing/fakes.ts';
import { MessageNotFoundError, TabVersionConflictError, ThreadNotFoundError } from './messaging.errors.ts';
import type { MessagingService, ThreadTabView, ThreadView } from './messaging.service.ts';
import { updateThreadTabArgs } from './messaging.schemas.ts';
import type { PresenceStore } from './presence.repository.ts';
import { ThreadEventsService, type RealtimePublisher } from './thread-events.service.ts';
import type { MessageRecord, ParticipantRecord, TabRecord, ThreadRecord, ThreadStore } from './thread.repository.ts';

const ME = 'usr_me';
const OTHER = 'usr_other';
const THREAD = newId('thread');
const me = { kind: 'user', userId: ME, roles: ['client'] } as never;
const stranger = { kind: 'user', userId: 'usr_stranger', roles: ['client'] } as never;
const clock = { now: () => new Date('2026-12-01T10:00:00.000Z') } as Clock;

const participant = (userId: string, lastReadMsgId: string | null) =>
  ({
    threadId: THREAD,
    userId,
    lastReadMsgId,
    lastReadAt: lastReadMsgId ? '2026-12-01T09:00:00.000Z' : null,
  }) as ParticipantRecord;

function threads(extra: Partial<ThreadStore> = {}) {
  return fake<ThreadStore>('threads', {
    getParticipant: (threadId: string, userId: string) =>
      Promise.resolve(
        threadId === THREAD && userId === ME
          ? participant(ME, 'msg_1')
          : threadId === THREAD && userId === OTHER
            ? participant(OTHER, null)
            : undefined,
      ),
    getThread: () => Promise.resolve({ threadId: THREAD, participants: [ME, OTHER] } as ThreadRecord),
    ...extra,
  });
}

function recorder(fail = false) {
  const published: string[] = [];
  const publisher: RealtimePublisher = {
    readReceipt: (threadId, userId) =>
      fail ? Promise.reject(new Error('AppSync down')) : Promise.resolve(void published.push(`read ${userId}`)),
    panelTab: (threadId, tab) =>
      fail ? Promise.reject(new Error('AppSync down')) : Promise.resolve(void published.push(`tab ${tab}`)),
  };
  return { published, publisher };
}

function service(
  options: {
    messaging?: Partial<Pick<MessagingService, 'markRead' | 'updateThreadTab'>>;
    store?: Partial<ThreadStore>;
    presence?: Partial<PresenceStore>;
    publisher?: RealtimePublisher;
    warnings?: unknown[];
  } = {},
) {
  return new ThreadEventsService(
    fake<MessagingService>('messaging', options.messaging ?? {}),
    threads(options.store),
    fake<PresenceStore>('presence', options.presence ?? {}),
    options.publisher ?? recorder().publisher,
    clock,
    { warn: (message: string, context?: unknown) => void options.warnings?.push([message, context]) },
  );
}

describe('thread events: read receipts, presence and panel changes', () => {
  it('announces the read cursor after markThreadRead; a realtime outage is logged, never the mutation failing', async () => {
    const view = { threadId: THREAD, unreadCount: 0 } as ThreadView;
    const { published, publisher } = recorder();
    const ok = service({ messaging: { markRead: () => Promise.resolve(view) }, publisher });
    expect(await ok.markRead(me, THREAD, undefined)).toBe(view);
    expect(published).toEqual([`read ${ME}`]);

    const warnings: unknown[] = [];
    const down = service({
      messaging: { markRead: () => Promise.resolve(view) },
      publisher: recorder(true).publisher,
      warnings,
    });
    expect(await down.markRead(me, THREAD, undefined)).toBe(view);
    expect(warnings).toEqual([['realtime publish failed', expect.objectContaining({ what: 'read-receipt' })]]);
  });

  it('announces a saved tab, and nothing for a refused edit', async () => {
    const input = updateThreadTabArgs.parse({
      input: { threadId: THREAD, tab: 'BRIEF', expectedVersion: 0, brief: 'x' },
    }).input;
    const { published, publisher } = recorder();
    const saved = { tab: 'BRIEF', version: 1 } as ThreadTabView;
    await service({ messaging: { updateThreadTab: () => Promise.resolve(saved) }, publisher }).updateThreadTab(
      me,
      input,
    );
    expect(published).toEqual(['tab BRIEF']);
    const refused = service({
      messaging: { updateThreadTab: () => Promise.reject(new TabVersionConflictError(3)) },
      publisher,
    });
    await expect(refused.updateThreadTab(me, input)).rejects.toBeInstanceOf(TabVersionConflictError);
    expect(published).toEqual(['tab BRIEF']);
  });

  it("lists members' cursors for members only", async () => {
    expect(await service().readReceipts(me, THREAD)).toEqual([
      { threadId: THREAD, userId: ME, lastReadMessageId: 'msg_1', readAt: '2026-12-01T09:00:00.000Z' },
      { threadId: THREAD, userId: OTHER, lastReadMessageId: null, readAt: null },
    ]);
    await expect(service().readReceipts(stranger, THREAD)).rejects.toBeInstanceOf(ThreadNotFoundError);
    await expect(service().publishReadReceipt(THREAD, 'usr_stranger')).rejects.toBeInstanceOf(ThreadNotFoundError);
  });

  it('sets presence with a TTL beat, leaves at once on OFFLINE, refuses non-members', async () => {
    const calls: unknown[] = [];
    const presence: Partial<PresenceStore> = {
      setStatus: (threadId, userId, status, lastSeen, expiresAt) => {
        calls.push(['set', status, expiresAt]);
        return Promise.resolve({ threadId, userId, status, lastSeen, expiresAt, typing: false });
      },
      forget: (threadId, userId) => Promise.resolve(void calls.push(['forget', userId])),
    };
    const events = service({ presence });
    expect(await events.setPresence(me, THREAD, 'AWAY')).toMatchObject({ status: 'AWAY', typing: false });
    expect(await events.setPresence(me, THREAD, 'OFFLINE')).toMatchObject({ status: 'OFFLINE', userId: ME });
    const nowSeconds = Date.parse('2026-12-01T10:00:00.000Z') / 1000;
    expect(calls).toEqual([
      ['set', 'away', nowSeconds + 60],
      ['forget', ME],
    ]);
    await expect(events.setPresence(stranger, THREAD, 'ONLINE')).rejects.toBeInstanceOf(ThreadNotFoundError);
    expect(calls).toHaveLength(2);
  });

  it('builds panel frames from the store only: a saved tab, an ACTION message; anything else is refused', async () => {
    const tab = { tab: 'shotlist', version: 4, updatedBy: OTHER, updatedAt: '2026-12-01T09:30:00.000Z' } as TabRecord;
    const action = {
      messageId: 'msg_action',
      createdAt: '2026-12-01T09:45:00.000Z',
      card: { bookingId: 'lbg_1', status: 'HOLD' },
    } as MessageRecord;
    const text = { messageId: 'msg_text', createdAt: '2026-12-01T09:46:00.000Z', card: null } as MessageRecord;
    const events = service({
      store: {
        tabs: () => Promise.resolve([tab]),
        findMessageSk: (_threadId: string, messageId: string) => Promise.resolve(`MSG#${messageId}`),
        getMessage: (_threadId: string, sk: string) => Promise.resolve(sk === 'MSG#msg_action' ? action : text),
      },
    });
    expect(await events.publishPanelEvent(THREAD, { tab: 'SHOTLIST' })).toMatchObject({
      kind: 'TAB',
      tab: 'SHOTLIST',
      version: 4,
      updatedByUserId: OTHER,
    });
    expect(await events.publishPanelEvent(THREAD, { messageId: 'msg_action' })).toMatchObject({
      kind: 'CARD',
      bookingId: 'lbg_1',
      bookingStatus: 'HOLD',
      updatedAt: action.createdAt,
    });
    await expect(events.publishPanelEvent(THREAD, { tab: 'BRIEF' })).rejects.toBeInstanceOf(ValidationError);
    await expect(events.publishPanelEvent(THREAD, { messageId: 'msg_text' })).rejects.toBeInstanceOf(
      MessageNotFoundError,
    );
    await expect(events.publishPanelEvent(THREAD, {})).rejects.toBeInstanceOf(ValidationError);
    await expect(events.publishPanelEvent(THREAD, { tab: 'BRIEF', messageId: 'msg_action' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
