/**
 * Realtime beyond messages (seed 004 §1.4.B.2, issue #13): read receipts, presence and project-panel
 * changes, each pushed to the members of a thread only.
 *
 * - Read receipts: `markThreadRead` moves the reader's cursor (MessagingService), then the platform
 *   publishes the stored cursor through the AWS_IAM `publishReadReceipt` mutation (onThreadRead). The
 *   reader's own Thread answer is not what subscribers get: it carries their unread count and flags.
 * - Presence: `setThreadPresence` (ONLINE/AWAY beats in the TTL table, OFFLINE deletes the item) is a
 *   user mutation that onThreadPresence subscribes to directly, as onThreadTyping does with setTyping.
 * - Panel: a saved tab or a card state change is announced through `publishThreadPanelEvent`. Frames
 *   carry versions and states, never tab text: members see tab content redacted per viewer
 *   (threadPanel), so one broadcast frame cannot carry it.
 *
 * Who may subscribe is decided at subscribe time by the membership check (authorizeSubscription);
 * AppSync then filters frames by the subscription's threadId argument.
 */
import type { Clock } from '../core/clock.ts';
import { ValidationError } from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import type { Logger } from '../core/log.ts';
import { MessageNotFoundError, ThreadNotFoundError } from './messaging.errors.ts';
import type { MessagingService, PresenceView, ThreadTabView, ThreadView } from './messaging.service.ts';
import type { UpdateThreadTabInput } from './messaging.schemas.ts';
import { PRESENCE_TTL_SECONDS, type PresenceStore } from './presence.repository.ts';
import type { ParticipantRecord, ThreadStore } from './thread.repository.ts';

/** The AWS_IAM publishing mutations this service's events go through (AppSync fans out on mutations only). */
export interface RealtimePublisher {
  readReceipt(threadId: string, userId: string): Promise<void>;
  panelTab(threadId: string, tab: ThreadTabView['tab']): Promise<void>;
}

export interface ReadReceiptView {
  readonly threadId: string;
  readonly userId: string;
  readonly lastReadMessageId: string | null;
  readonly readAt: string | null;
}

export interface ThreadPanelEventView {
  readonly threadId: string;
  readonly kind: 'TAB' | 'CARD';
  readonly tab: ThreadTabView['tab'] | null;
  readonly version: number | null;
  readonly bookingId: string | null;
  readonly bookingStatus: string | null;
  readonly updatedByUserId: string | null;
  readonly updatedAt: string;
}

const toReceipt = (participant: ParticipantRecord): ReadReceiptView => ({
  threadId: participant.threadId,
  userId: participant.userId,
  lastReadMessageId: participant.lastReadMsgId,
  readAt: participant.lastReadAt,
});

export class ThreadEventsService {
  constructor(
    private readonly messaging: Pick<MessagingService, 'markRead' | 'updateThreadTab'>,
    private readonly threads: Pick<
      ThreadStore,
      'getParticipant' | 'getThread' | 'tabs' | 'findMessageSk' | 'getMessage'
    >,
    private readonly presence: Pick<PresenceStore, 'setStatus' | 'forget'>,
    private readonly publisher: RealtimePublisher,
    private readonly clock: Clock,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  private async membership(caller: Caller, threadId: string): Promise<ParticipantRecord> {
    const user = requireUser(caller);
    const participant = await this.threads.getParticipant(threadId, user.userId);
    if (!participant) throw new ThreadNotFoundError();
    return participant;
  }

  /**
   * A live frame is a courtesy on top of a committed change (the receipt and the tab are read back by
   * threadReadReceipts / threadPanel): a realtime outage must not fail, and so invite retries of, the
   * user's mutation. It is logged (ids only) and alarms through the error rate of the publisher.
   */
  private async announce(what: string, threadId: string, publish: () => Promise<void>): Promise<void> {
    try {
      await publish();
    } catch (error) {
      this.logger.warn('realtime publish failed', { what, threadId, error });
    }
  }

  /** markThreadRead, then the reader's stored cursor to the other members (before the answer). */
  async markRead(caller: Caller, threadId: string, upToMessageId: string | null | undefined): Promise<ThreadView> {
    const view = await this.messaging.markRead(caller, threadId, upToMessageId);
    const userId = requireUser(caller).userId;
    await this.announce('read-receipt', threadId, () => this.publisher.readReceipt(threadId, userId));
    return view;
  }

  /** updateThreadTab, then the saved version to the members (a refused edit announces nothing). */
  async updateThreadTab(caller: Caller, input: UpdateThreadTabInput): Promise<ThreadTabView> {
    const view = await this.messaging.updateThreadTab(caller, input);
    await this.announce('panel-tab', input.threadId, () => this.publisher.panelTab(input.threadId, view.tab));
    return view;
  }

  /** Every member's read cursor (the pull side of onThreadRead), members only. */
  async readReceipts(caller: Caller, threadId: string): Promise<ReadReceiptView[]> {
    await this.membership(caller, threadId);
    const thread = await this.threads.getThread(threadId);
    if (!thread) throw new ThreadNotFoundError();
    const members = await Promise.all(
      thread.participants.map((userId) => this.threads.getParticipant(threadId, userId)),
    );
    return members.filter((member): member is ParticipantRecord => member !== undefined).map(toReceipt);
  }

  /**
   * The caller's presence in a thread: ONLINE/AWAY is a beat that expires after the TTL unless
   * repeated; OFFLINE removes it at once. The answer is the frame onThreadPresence pushes.
   */
  async setPresence(caller: Caller, threadId: string, status: 'ONLINE' | 'AWAY' | 'OFFLINE'): Promise<PresenceView> {
    const participant = await this.membership(caller, threadId);
    const now = this.clock.now();
    const lastSeen = now.toISOString();
    if (status === 'OFFLINE') {
      await this.presence.forget(threadId, participant.userId);
      return { threadId, userId: participant.userId, typing: false, lastSeen, status };
    }
    const stored = await this.presence.setStatus(
      threadId,
      participant.userId,
      status === 'AWAY' ? 'away' : 'online',
      lastSeen,
      Math.floor(now.getTime() / 1000) + PRESENCE_TTL_SECONDS,
    );
    return { threadId, userId: stored.userId, typing: stored.typing, lastSeen: stored.lastSeen, status };
  }

  /** AWS_IAM `publishReadReceipt`: a member's cursor as stored (the caller names ids only). */
  async publishReadReceipt(threadId: string, userId: string): Promise<ReadReceiptView> {
    const participant = await this.threads.getParticipant(threadId, userId);
    if (!participant) throw new ThreadNotFoundError();
    return toReceipt(participant);
  }

  /**
   * AWS_IAM `publishThreadPanelEvent`: a tab's stored version, or the card state an ACTION message of
   * the thread announced; always read from the store.
   */
  async publishPanelEvent(
    threadId: string,
    about: { readonly tab?: ThreadTabView['tab'] | null; readonly messageId?: string | null },
  ): Promise<ThreadPanelEventView> {
    if (Boolean(about.tab) === Boolean(about.messageId))
      throw new ValidationError('Exactly one of tab and messageId', [{ path: 'tab', message: 'or messageId' }]);
    const thread = await this.threads.getThread(threadId);
    if (!thread) throw new ThreadNotFoundError();
    if (about.tab) {
      const stored = (await this.threads.tabs(threadId)).find((tab) => tab.tab.toUpperCase() === about.tab);
      if (!stored)
        throw new ValidationError('The tab was never saved', [{ path: 'tab', message: 'has no version yet' }]);
      return {
        threadId,
        kind: 'TAB',
        tab: about.tab,
        version: stored.version,
        bookingId: null,
        bookingStatus: null,
        updatedByUserId: stored.updatedBy,
        updatedAt: stored.updatedAt,
      };
    }
    const sk = await this.threads.findMessageSk(threadId, about.messageId!);
    const message = sk ? await this.threads.getMessage(threadId, sk) : undefined;
    if (!message?.card) throw new MessageNotFoundError();
    return {
      threadId,
      kind: 'CARD',
      tab: null,
      version: null,
      bookingId: message.card.bookingId,
      bookingStatus: message.card.status,
      updatedByUserId: null,
      updatedAt: message.createdAt,
    };
  }
}
