/**
 * Messaging rules (NTB-MSG-001…003, seed 004 §1.4): inquiry threads from a public listing, messages
 * with exact unread counts, read cursors, mute/archive/block, reports, typing, and the
 * anti-circumvention redaction of inquiry threads until their booking is confirmed.
 * Who may see a thread: its participants only; anybody else is told it does not exist.
 */
import type { Clock } from '../core/clock.ts';
import { RateLimitedError, ValidationError } from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { fingerprintOf } from '../core/idempotency.ts';
import { idPattern, newId } from '../core/ids.ts';
import * as z from 'zod';
import type { ObjectStore, RateLimitPolicy, RateLimiter } from '../core/ports.ts';
import { enforceRateLimits } from '../core/rate-limit.ts';
import { redactContactDetails } from './contact-redaction.ts';
import {
  AttachmentUnavailableError,
  BlockedError,
  CannotContactSelfError,
  ClientTokenReusedError,
  ContendedError,
  ListingNotContactableError,
  MessageNotFoundError,
  ThreadClosedError,
  TabVersionConflictError,
  ThreadNotFoundError,
} from './messaging.errors.ts';
import type {
  ReportThreadInput,
  SendMessageInput,
  StartInquiryInput,
  UpdateThreadTabInput,
} from './messaging.schemas.ts';
import { PRESENCE_TTL_SECONDS, type PresenceStore } from './presence.repository.ts';
import {
  messageSk,
  sentPreviewKey,
  type AttachmentRecord,
  type MessageRecord,
  type ParticipantRecord,
  type TabRecord,
  type ThreadRecord,
  type ThreadStore,
} from './thread.repository.ts';

export interface ListingDirectory {
  find(
    listingType: 'PROFILE' | 'STUDIO',
    listingId: string,
  ): Promise<{ ownerUserId: string; cityCode: string | null } | undefined>;
}

/** Publishes a stored message to the thread's subscribers (the AWS_IAM `publishThreadEvent` mutation). */
export interface ThreadEventPublisher {
  publish(threadId: string, messageId: string): Promise<void>;
  /** An ACTION message's panel refresh (`publishThreadPanelEvent`); never throws (a courtesy frame). */
  actionPanel(threadId: string, messageId: string): Promise<void>;
}

/** Runs a consumer's effect once per event id (consumeOnce over the consumer inbox). */
export interface EventInbox {
  once(consumer: string, event: { readonly id: string }, effect: () => Promise<void>): Promise<boolean>;
}

/**
 * A booking's action cards for one viewer, computed by booking's own rules from the rows as they are
 * now (lambdas/booking thread-cards.query.ts): null when the viewer is not a party to it.
 */
export interface BookingCardSource {
  forViewer(
    groupId: string,
    viewerUserId: string,
  ): Promise<{
    readonly groupId: string;
    readonly status: string;
    readonly viewerRole: 'CLIENT' | 'OWNER';
    readonly actions: readonly string[];
  } | null>;
}

/** The booking events messaging posts an action message for (consumer `messaging-bookings`). */
export const BOOKING_EVENT_NOTICES = {
  'booking.requested': 'Booking requested: the owner may accept or decline.',
  'booking.accepted': 'An owner accepted their part of the booking.',
  'booking.held': 'Booking accepted: the time is held until the client pays.',
  'booking.confirmed':
    'Booking confirmed: this is now the project thread, and contact details are visible to both sides.',
  'booking.declined': 'Booking declined: the time is free again.',
  'booking.cancelled': 'Booking cancelled.',
  'booking.expired': 'Booking expired: it was not answered or paid in time.',
  'booking.started': 'The session started.',
  'booking.completed': 'The session was completed.',
  'booking.disputed': 'A dispute was opened on this booking.',
  'booking.rescheduled': 'Booking moved to a new time.',
} as const;
export type BookingEventType = keyof typeof BOOKING_EVENT_NOTICES;

/** The booking mutation that performs a card's action (booking's API; messaging has no second implementation). */
export function mutationFor(action: string): 'actOnBooking' | 'rescheduleBookingGroup' {
  return action === 'RESCHEDULE' ? 'rescheduleBookingGroup' : 'actOnBooking';
}

export interface ThreadActionCardsView {
  readonly threadId: string;
  readonly bookingId: string;
  readonly bookingStatus: string;
  readonly viewerRole: 'CLIENT' | 'OWNER';
  readonly cards: readonly { readonly action: string; readonly mutation: 'actOnBooking' | 'rescheduleBookingGroup' }[];
}

/** A project panel tab as members see it (version 0: never written). */
export interface ThreadTabView {
  readonly tab: 'BRIEF' | 'SHOTLIST' | 'MOODBOARD' | 'FILES' | 'DOCS' | 'EXPENSES';
  readonly version: number;
  readonly brief: string | null;
  readonly shotList: readonly { readonly title: string; readonly done: boolean }[] | null;
  readonly moodboard: readonly { readonly attachmentId: string; readonly caption: string | null }[] | null;
  readonly references: readonly { readonly attachmentId: string; readonly label: string }[] | null;
  readonly expenses: {
    readonly currency: string;
    readonly lines: readonly { readonly description: string; readonly amountCents: number }[];
    readonly totalCents: number;
  } | null;
  /** Contact details in this tab are hidden from the viewer. */
  readonly redacted: boolean;
  readonly updatedAt: string | null;
  readonly updatedByUserId: string | null;
}

/** The project panel (seed 004 §1.4): the stored tabs and the live action cards. */
export interface ThreadPanelView {
  readonly threadId: string;
  readonly tabs: readonly ThreadTabView[];
  readonly actions: ThreadActionCardsView | null;
}

const PANEL_TABS = ['brief', 'shotlist', 'moodboard', 'files', 'docs', 'expenses'] as const;

/**
 * A tab as `viewerUserId` sees it: while the thread hides contact details (an inquiry before its
 * booking is confirmed), another member's emails, phone numbers and handles in the brief and the shot
 * titles are hidden exactly as in their messages; the author always sees their own text.
 */
function toTabView(
  tab: (typeof PANEL_TABS)[number],
  stored: TabRecord | undefined,
  viewer: { readonly userId: string; readonly contactRedaction: boolean },
): ThreadTabView {
  const hide = viewer.contactRedaction && stored !== undefined && stored.updatedBy !== viewer.userId;
  let redacted = false;
  const shown = (text: string) => {
    if (!hide) return text;
    const result = redactContactDetails(text);
    redacted ||= result.redacted;
    return result.text;
  };
  const brief = stored?.brief == null ? null : shown(stored.brief);
  const shotList = stored?.shotList?.map(({ title, done }) => ({ title: shown(title), done })) ?? null;
  const moodboard =
    stored?.moodboard?.map(({ attachmentId, caption }) => ({
      attachmentId,
      caption: caption === '' ? null : shown(caption),
    })) ?? null;
  const references =
    stored?.references?.map(({ attachmentId, label }) => ({ attachmentId, label: shown(label) })) ?? null;
  const expenses = stored?.expenses
    ? {
        currency: stored.expenses.currency,
        lines: stored.expenses.lines.map(({ description, amountCents }) => ({
          description: shown(description),
          amountCents,
        })),
        totalCents: stored.expenses.lines.reduce((sum, line) => sum + line.amountCents, 0),
      }
    : null;
  return {
    tab: tab.toUpperCase() as ThreadTabView['tab'],
    version: stored?.version ?? 0,
    brief,
    shotList,
    moodboard,
    references,
    expenses,
    redacted,
    updatedAt: stored?.updatedAt ?? null,
    updatedByUserId: stored?.updatedBy ?? null,
  };
}

/** The consumer name of booking events in messaging (consumer_inbox, infra/definitions eventConsumers). */
export const BOOKINGS_CONSUMER = 'messaging-bookings';
/** Who a platform-written message is from (never a user id). */
export const SYSTEM_AUTHOR = 'system';

export interface MessagingPolicies {
  /** Per sender overall. */
  readonly send: RateLimitPolicy;
  /** Per sender: new pairs (first contact with somebody). */
  readonly firstContact: RateLimitPolicy;
}

export interface ThreadView {
  readonly threadId: string;
  readonly kind: 'INQUIRY' | 'PROJECT';
  readonly status: 'OPEN' | 'ARCHIVED' | 'LOCKED';
  readonly role: 'BUYER' | 'SELLER' | 'ADMIN';
  readonly counterpartUserId: string;
  readonly listingType: 'PROFILE' | 'STUDIO';
  readonly listingId: string;
  readonly createdAt: string;
  readonly lastMessageAt: string | null;
  readonly lastMessagePreview: string | null;
  readonly unreadCount: number;
  readonly lastReadMessageId: string | null;
  readonly muted: boolean;
  readonly archived: boolean;
  readonly blocked: boolean;
  readonly contactDetailsHidden: boolean;
}

export interface MessageView {
  readonly threadId: string;
  readonly messageId: string;
  readonly authorUserId: string;
  readonly type: 'TEXT' | 'ASSET' | 'SYSTEM' | 'ACTION';
  readonly body: string;
  /** Contact details in this message are hidden from the viewer. */
  readonly redacted: boolean;
  readonly policyHints: readonly string[];
  readonly createdAt: string;
  /** ACTION messages: the booking group and the status they announced (cards: threadActionCards). */
  readonly bookingId: string | null;
  readonly bookingStatus: string | null;
  /** ASSET messages: the scanned previews they show (download: messageAttachmentUrl, members only). */
  readonly attachments: readonly MessageAttachmentView[];
}

export interface MessageAttachmentView {
  readonly attachmentId: string;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
}

export interface PresenceView {
  readonly threadId: string;
  readonly userId: string;
  readonly typing: boolean;
  readonly lastSeen: string;
  /** ONLINE or AWAY while present; OFFLINE only in the frame of a member leaving. */
  readonly status: 'ONLINE' | 'AWAY' | 'OFFLINE';
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

const DEFAULT_PAGE = 30;
const PREVIEW_LENGTH = 140;
const READ_CURSOR_ATTEMPTS = 20;
/** A send rewritten for a thread that changed under it: redaction changes once, so twice is plenty. */
const SEND_REWRITES = 3;
/** Threads whose send metadata one container keeps (a few hundred bytes each). */
const SEND_META_ENTRIES = 10_000;

/** What a send needs of its thread. */
type ThreadMeta = Pick<ThreadRecord, 'participants' | 'contactRedaction'>;

/** A bounded map of thread → send metadata; the oldest entry goes first. */
class ThreadMetaCache {
  private readonly entries = new Map<string, ThreadMeta>();

  get(threadId: string): ThreadMeta | undefined {
    return this.entries.get(threadId);
  }

  remember(thread: ThreadRecord): ThreadMeta {
    const meta = { participants: [...thread.participants], contactRedaction: thread.contactRedaction };
    this.entries.delete(thread.threadId);
    this.entries.set(thread.threadId, meta);
    if (this.entries.size > SEND_META_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return meta;
  }

  forget(threadId: string): void {
    this.entries.delete(threadId);
  }
}

function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const ISO_MS = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z`;
const threadIdPattern = idPattern('thread');
const messageSkPattern = new RegExp(`^MSG#${ISO_MS}#${idPattern('message').source.slice(1, -1)}$`);
/** GSI1SK of an inbox row: `{lastMessageAt or createdAt}#{threadId}`, the same thread as the cursor's. */
const inboxKeyValid = (value: { t: string; k: string }) =>
  new RegExp(`^${ISO_MS}#`).test(value.k) && value.k.slice(25) === value.t;

/**
 * The cursors this API hands out, each checked field by field before any of it reaches DynamoDB:
 * a malformed or forged cursor is a typed BAD_REQUEST, never a store error (INTERNAL).
 */
const cursorSchemas = {
  messages: z.object({ t: z.string().regex(threadIdPattern), sk: z.string().regex(messageSkPattern) }).strict(),
  inbox: z
    .object({ t: z.string().regex(threadIdPattern), k: z.string().max(100) })
    .strict()
    .refine(inboxKeyValid),
  search: z
    .object({ t: z.string().regex(threadIdPattern), k: z.string().max(100), q: z.string().max(100) })
    .strict()
    .refine(inboxKeyValid),
};

function decodeCursor<S extends z.ZodType>(cursor: string, schema: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'is not a cursor this API returned' }]);
}

/** Case- and accent-insensitive form for inbox search. */
export function normalizeForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

const preview = (text: string) => (text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text);

export function toThreadView(participant: ParticipantRecord): ThreadView {
  return {
    threadId: participant.threadId,
    kind: participant.kind === 'project' ? 'PROJECT' : 'INQUIRY',
    status: participant.threadStatus.toUpperCase() as ThreadView['status'],
    role: participant.roleContext.toUpperCase() as ThreadView['role'],
    counterpartUserId: participant.counterpartUserId,
    listingType: participant.listingType,
    listingId: participant.listingId,
    createdAt: participant.createdAt,
    lastMessageAt: participant.lastMessageAt,
    lastMessagePreview: participant.lastMessagePreview,
    unreadCount: participant.unreadCount,
    lastReadMessageId: participant.lastReadMsgId,
    muted: participant.muted,
    archived: participant.archived,
    blocked: participant.blocked,
    contactDetailsHidden: participant.contactRedaction,
  };
}

/** A message as `viewerUserId` sees it: others' contact details hidden while the thread hides them. */
export function toMessageView(
  message: MessageRecord,
  viewerUserId: string | null,
  contactRedaction: boolean,
): MessageView {
  const hidden = contactRedaction && message.redactedBody !== null && message.authorUserId !== viewerUserId;
  return {
    threadId: message.threadId,
    messageId: message.messageId,
    authorUserId: message.authorUserId,
    type: message.type.toUpperCase() as MessageView['type'],
    body: hidden ? message.redactedBody! : message.body,
    redacted: hidden,
    policyHints: message.flags.policyHints,
    createdAt: message.createdAt,
    bookingId: message.card?.bookingId ?? null,
    bookingStatus: message.card?.status ?? null,
    // Whitelisted: the storage key stays server-side.
    attachments: (message.attachments ?? []).map(({ attachmentId, mime, w, h }) => ({
      attachmentId,
      contentType: mime,
      width: w,
      height: h,
    })),
  };
}

export class MessagingService {
  private readonly sendMeta = new ThreadMetaCache();

  constructor(
    private readonly threads: ThreadStore,
    private readonly presence: PresenceStore,
    private readonly listings: ListingDirectory,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly policies: MessagingPolicies,
    private readonly publisher: ThreadEventPublisher,
    private readonly consumed: EventInbox,
    private readonly bookings: BookingCardSource,
    /** msg-previews: a sent attachment's preview moves from unsent/ (expiring) to previews/ (kept). */
    private readonly previews: { readonly objects: Pick<ObjectStore, 'read' | 'write'>; readonly bucket: string },
  ) {}

  /** The caller's participant row, or NOT_FOUND: others' threads do not exist for them. */
  private async membership(caller: Caller, threadId: string): Promise<ParticipantRecord> {
    const user = requireUser(caller);
    const participant = await this.threads.getParticipant(threadId, user.userId);
    if (!participant) throw new ThreadNotFoundError();
    return participant;
  }

  /**
   * Opens (or reuses) the caller's inquiry thread with a published profile's or studio's owner and
   * sends the first message. One thread per pair; the first contact with a new person is rate limited.
   */
  async startInquiry(caller: Caller, input: StartInquiryInput): Promise<{ thread: ThreadView; message: MessageView }> {
    const user = requireUser(caller);
    const listingType = input.profileId ? 'PROFILE' : 'STUDIO';
    const listingId = (input.profileId ?? input.studioId)!;
    const listing = await this.listings.find(listingType, listingId);
    if (!listing) throw new ListingNotContactableError();
    if (listing.ownerUserId === user.userId) throw new CannotContactSelfError();

    let threadId: string | undefined = await this.threads.findPairThread(user.userId, listing.ownerUserId);
    if (!threadId) {
      await enforceRateLimits(this.limiter, [
        { policy: this.policies.firstContact, key: user.userId },
        { policy: this.policies.send, key: user.userId },
      ]);
      const now = this.clock.now().toISOString();
      const newThreadId = newId('thread');
      const thread: ThreadRecord = {
        pk: `THR#${newThreadId}`,
        threadId: newThreadId,
        kind: 'inquiry',
        status: 'open',
        buyerUserId: user.userId,
        sellerUserId: listing.ownerUserId,
        participants: [user.userId, listing.ownerUserId],
        listingType,
        listingId,
        city: listing.cityCode,
        lbgId: null,
        legId: null,
        bookingId: null,
        createdAt: now,
        updatedAt: now,
        lastMessageAt: null,
        messageCount: 0,
        contactRedaction: true,
        safeModeRequired: true,
      };
      const participant = (
        userId: string,
        counterpartUserId: string,
        roleContext: 'buyer' | 'seller',
      ): ParticipantRecord => ({
        threadId: newThreadId,
        userId,
        roleContext,
        counterpartUserId,
        kind: 'inquiry',
        threadStatus: 'open',
        listingType,
        listingId,
        contactRedaction: true,
        createdAt: now,
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
      const created = await this.threads.createThread({
        thread,
        participants: [
          participant(user.userId, listing.ownerUserId, 'buyer'),
          participant(listing.ownerUserId, user.userId, 'seller'),
        ],
      });
      threadId = created.kind === 'created' ? newThreadId : created.threadId;
      // The first message needs no read of the thread this request just wrote.
      if (created.kind === 'created') this.sendMeta.remember(thread);
      const message = await this.append(user.userId, threadId, input.body, input.clientToken, 'none');
      return { thread: toThreadView(await this.membership(caller, threadId)), message };
    }
    const message = await this.sendMessage(caller, {
      threadId: threadId as SendMessageInput['threadId'],
      body: input.body,
      clientToken: input.clientToken,
    });
    return { thread: toThreadView(await this.membership(caller, threadId)), message };
  }

  /**
   * Sends into a thread the caller belongs to. Answers the message as its recipients see it (contact
   * details hidden in an inquiry thread): that answer is what subscribers receive.
   */
  async sendMessage(caller: Caller, input: SendMessageInput): Promise<MessageView> {
    const user = requireUser(caller);
    if (input.attachmentId) {
      // Claiming an attachment copies its preview before the write: members only, within their rate, first.
      await this.membership(caller, input.threadId);
      return this.append(
        user.userId,
        input.threadId,
        input.body ?? '',
        input.clientToken,
        'before',
        input.attachmentId,
      );
    }
    return this.append(user.userId, input.threadId, input.body ?? '', input.clientToken, 'in-write');
  }

  /**
   * What a send needs of its thread (members, contact redaction): from this container's cache, or
   * one read. Both change only under conditions the send's own transaction checks (participants only
   * when the thread is locked, redaction only from on to off), so a stale entry never writes a wrong
   * message: the write is refused, answers the stored thread, and is redone for it.
   */
  private async threadMeta(threadId: string): Promise<ThreadMeta> {
    const cached = this.sendMeta.get(threadId);
    if (cached) return cached;
    const thread = await this.threads.getThread(threadId);
    if (!thread) throw new ThreadNotFoundError();
    return this.sendMeta.remember(thread);
  }

  /**
   * Writes a message (one transaction, see ThreadStore.appendMessage). `rateLimit`: the sender's
   * send window is counted `in-write` (inside that transaction: counted only when the message is
   * written), `before` it (the write follows work that must not run past the limit), or not at all
   * (the first message of a new inquiry, already counted with the first contact).
   */
  private async append(
    authorUserId: string,
    threadId: string,
    body: string,
    clientToken: string | null | undefined,
    rateLimit: 'in-write' | 'before' | 'none',
    attachmentId: string | null = null,
  ): Promise<MessageView> {
    let thread = await this.threadMeta(threadId);
    // The members are fixed while the thread is open (the write checks it): a stranger is answered here.
    if (!thread.participants.includes(authorUserId)) throw new ThreadNotFoundError();
    const fingerprint = fingerprintOf(attachmentId ? { threadId, body, attachmentId } : { threadId, body });
    if (rateLimit === 'before')
      await enforceRateLimits(this.limiter, [{ policy: this.policies.send, key: authorUserId }]);
    // Only a scanned, SFW image the author uploaded into this very thread (the write re-checks it).
    const attachment = attachmentId ? await this.threads.getAttachment(threadId, attachmentId) : undefined;
    if (attachmentId && (!attachment || attachment.uploaderUserId !== authorUserId || attachment.status !== 'ready'))
      throw new AttachmentUnavailableError();
    const previewKey = attachment ? await this.keepPreview(attachment) : null;
    for (let attempt = 0; attempt < SEND_REWRITES; attempt++) {
      const redaction = thread.contactRedaction ? redactContactDetails(body) : { text: body, redacted: false };
      const createdAt = this.clock.now().toISOString();
      const messageId = newId('message');
      const message: MessageRecord = {
        sk: messageSk(createdAt, messageId),
        threadId,
        messageId,
        type: attachment ? 'asset' : 'text',
        body,
        redactedBody: redaction.redacted ? redaction.text : null,
        authorUserId,
        createdAt,
        nsfwBand: attachment?.nsfwBand ?? 0,
        flags: { moderation: 'clean', policyHints: redaction.redacted ? ['CONTACT_DETAILS_HIDDEN'] : [] },
        ...(attachment
          ? {
              attachments: [
                {
                  kind: 'preview' as const,
                  attachmentId: attachment.attachmentId,
                  s3Key: previewKey!,
                  mime: 'image/webp',
                  w: attachment.previewWidth ?? 0,
                  h: attachment.previewHeight ?? 0,
                },
              ],
            }
          : {}),
      };
      const previews: Record<string, string> = {};
      for (const userId of thread.participants)
        previews[userId] = preview((userId === authorUserId ? body : redaction.text) || '[image]');
      const outcome = await this.threads.appendMessage(
        {
          message,
          previews,
          clientToken,
          fingerprint,
          strike: redaction.redacted,
          contactRedaction: thread.contactRedaction,
          ...(rateLimit === 'in-write' ? { quota: { policy: this.policies.send, key: authorUserId } } : {}),
        },
        thread.participants,
      );
      switch (outcome.kind) {
        case 'appended':
          return toMessageView(outcome.message, null, thread.contactRedaction);
        case 'replayed': {
          if (outcome.fingerprint !== fingerprint) throw new ClientTokenReusedError();
          const first = await this.threads.getMessage(threadId, outcome.messageSk);
          if (!first) throw new ContendedError();
          return toMessageView(first, null, thread.contactRedaction);
        }
        case 'thread-changed':
          // Its booking was confirmed since this container last looked: write the message for the thread as it is.
          thread = this.sendMeta.remember(outcome.thread);
          continue;
        case 'thread-closed':
          this.sendMeta.forget(threadId);
          await this.countRefusedSend(rateLimit, authorUserId);
          throw new ThreadClosedError();
        case 'not-participant':
          // Not counted: a stranger was never counted for a thread they cannot see.
          this.sendMeta.forget(threadId);
          throw new ThreadNotFoundError();
        case 'blocked':
          await this.countRefusedSend(rateLimit, authorUserId);
          throw new BlockedError();
        case 'attachment-unavailable':
          throw new AttachmentUnavailableError();
        case 'rate-limited':
          throw new RateLimitedError('Too many requests; try again later', outcome.retryAfterSeconds);
      }
    }
    throw new ContendedError();
  }

  /**
   * A member's send the write refused (a block, a closed thread) still counts against their send
   * window, with a call of its own on this refusal path only: probing a block over and over runs into
   * the limit (RATE_LIMITED) as it did when every send was counted before its write.
   */
  private async countRefusedSend(rateLimit: 'in-write' | 'before' | 'none', authorUserId: string): Promise<void> {
    if (rateLimit === 'in-write')
      await enforceRateLimits(this.limiter, [{ policy: this.policies.send, key: authorUserId }]);
  }

  /**
   * Copies an unsent preview to where sent ones live, before the write that claims it (which records
   * the new key): the unsent copy expires with the bucket's lifecycle either way. Concurrent sends of
   * one attachment copy the same bytes to the same key and only one claims it; a send whose claim
   * fails leaves a copy the next successful send reuses.
   */
  private async keepPreview(attachment: AttachmentRecord): Promise<string> {
    const kept = sentPreviewKey(attachment.threadId, attachment.attachmentId);
    if (attachment.previewKey === kept) return kept;
    const bytes = attachment.previewKey
      ? await this.previews.objects.read(this.previews.bucket, attachment.previewKey)
      : null;
    if (!bytes) throw new AttachmentUnavailableError();
    await this.previews.objects.write(this.previews.bucket, kept, bytes, 'image/webp');
    return kept;
  }

  async thread(caller: Caller, threadId: string): Promise<ThreadView> {
    return toThreadView(await this.membership(caller, threadId));
  }

  async threadMessages(
    caller: Caller,
    threadId: string,
    limit: number | null | undefined,
    cursor: string | null | undefined,
  ): Promise<Page<MessageView>> {
    const user = requireUser(caller);
    let start: z.infer<typeof cursorSchemas.messages> | undefined;
    try {
      start = cursor ? decodeCursor(cursor, cursorSchemas.messages) : undefined;
      if (start && start.t !== threadId)
        throw new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'belongs to another thread' }]);
    } catch (error) {
      // A non-member learns nothing, not even that their cursor was bad: NOT_FOUND comes first.
      await this.membership(caller, threadId);
      throw error;
    }
    // Membership comes from the participant row the page's own Query reads (no separate lookup).
    const page = await this.threads.threadPage(threadId, user.userId, limit ?? DEFAULT_PAGE, start?.sk);
    if (!page) throw new ThreadNotFoundError();
    const { participant } = page;
    return {
      items: page.items.map((message) => toMessageView(message, participant.userId, participant.contactRedaction)),
      nextCursor: page.lastSk ? encodeCursor({ t: threadId, sk: page.lastSk }) : null,
    };
  }

  async inbox(
    caller: Caller,
    archived: boolean | null | undefined,
    limit: number | null | undefined,
    cursor: string | null | undefined,
  ): Promise<Page<ThreadView>> {
    const user = requireUser(caller);
    const start = cursor ? decodeCursor(cursor, cursorSchemas.inbox) : undefined;
    const page = await this.threads.inbox(
      user.userId,
      Boolean(archived),
      limit ?? DEFAULT_PAGE,
      start ? { threadId: start.t, gsi1sk: start.k } : undefined,
    );
    return {
      items: page.items.map(toThreadView),
      nextCursor: page.last ? encodeCursor({ t: page.last.threadId, k: page.last.gsi1sk }) : null,
    };
  }

  /**
   * Searches the caller's own threads (NTB-MSG-001): every term of `query` must occur, ignoring case
   * and accents, in what the caller's inbox shows of a thread — the last message's preview as they
   * saw it (contact details still hidden for them stay hidden here), the counterpart's kind of
   * listing and the thread's kind. Newest first, cursor paginated like the inbox.
   */
  async searchInbox(
    caller: Caller,
    query: string,
    archived: boolean | null | undefined,
    limit: number | null | undefined,
    cursor: string | null | undefined,
  ): Promise<Page<ThreadView>> {
    const user = requireUser(caller);
    const terms = normalizeForSearch(query).split(/\s+/).filter(Boolean);
    const start = cursor ? decodeCursor(cursor, cursorSchemas.search) : undefined;
    if (start && start.q !== query)
      throw new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'belongs to another search' }]);
    const page = await this.threads.searchInbox(
      user.userId,
      Boolean(archived),
      (row) => {
        const text = normalizeForSearch(
          [row.lastMessagePreview ?? '', row.listingType, row.kind === 'project' ? 'project' : 'inquiry'].join(' '),
        );
        return terms.every((term) => text.includes(term));
      },
      limit ?? DEFAULT_PAGE,
      start ? { threadId: start.t, gsi1sk: start.k } : undefined,
    );
    return {
      items: page.items.map(toThreadView),
      nextCursor: page.last ? encodeCursor({ t: page.last.threadId, k: page.last.gsi1sk, q: query }) : null,
    };
  }

  /**
   * Moves the caller's read cursor to `upToMessageId` (default: the newest message) and sets the
   * unread count to the exact number of others' messages after it. Recounted when a message lands
   * in between; a cursor never moves backwards.
   */
  async markRead(caller: Caller, threadId: string, upToMessageId: string | null | undefined): Promise<ThreadView> {
    const participant = await this.membership(caller, threadId);
    for (let attempt = 0; attempt < READ_CURSOR_ATTEMPTS; attempt++) {
      const thread = await this.threads.getThread(threadId);
      if (!thread) throw new ThreadNotFoundError();
      let target: { sk: string; messageId: string } | undefined;
      if (upToMessageId) {
        const sk = await this.threads.findMessageSk(threadId, upToMessageId);
        if (!sk)
          throw new ValidationError('Unknown message', [{ path: 'upToMessageId', message: 'is not in this thread' }]);
        target = { sk, messageId: upToMessageId };
      } else {
        const newest = (await this.threads.listMessages(threadId, 1, undefined)).items[0];
        if (!newest) return toThreadView(participant);
        target = { sk: newest.sk, messageId: newest.messageId };
      }
      const unreadCount = await this.threads.countUnreadAfter(threadId, participant.userId, target.sk);
      const moved = await this.threads.setReadCursor(
        threadId,
        participant.userId,
        { ...target, at: this.clock.now().toISOString(), unreadCount },
        thread.messageCount,
      );
      if (moved === 'stale') continue;
      return toThreadView(await this.membership(caller, threadId));
    }
    throw new ContendedError();
  }

  async setFlag(
    caller: Caller,
    threadId: string,
    flag: 'muted' | 'archived' | 'blocked',
    value: boolean,
  ): Promise<ThreadView> {
    const participant = await this.membership(caller, threadId);
    const updated = await this.threads.setParticipantFlag(threadId, participant.userId, flag, value);
    if (!updated) throw new ThreadNotFoundError();
    return toThreadView(updated);
  }

  async report(caller: Caller, input: ReportThreadInput): Promise<{ reportId: string; threadId: string }> {
    const participant = await this.membership(caller, input.threadId);
    if (input.messageId && !(await this.threads.findMessageSk(input.threadId, input.messageId)))
      throw new ValidationError('Unknown message', [{ path: 'input.messageId', message: 'is not in this thread' }]);
    const reportId = newId('request');
    await this.threads.putReport({
      threadId: input.threadId,
      reportId,
      reporterUserId: participant.userId,
      messageId: input.messageId ?? null,
      reason: input.reason,
      note: input.note ?? null,
      createdAt: this.clock.now().toISOString(),
    });
    return { reportId, threadId: input.threadId };
  }

  async setTyping(caller: Caller, threadId: string, typing: boolean): Promise<PresenceView> {
    const participant = await this.membership(caller, threadId);
    const now = this.clock.now();
    const record = {
      threadId,
      userId: participant.userId,
      typing,
      lastSeen: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + PRESENCE_TTL_SECONDS,
    };
    await this.presence.beat(record);
    return { threadId, userId: record.userId, typing, lastSeen: record.lastSeen, status: 'ONLINE' };
  }

  async threadPresence(caller: Caller, threadId: string): Promise<PresenceView[]> {
    await this.membership(caller, threadId);
    const present = await this.presence.present(threadId, this.clock.nowSeconds());
    return present.map(({ userId, typing, lastSeen, status }) => ({
      threadId,
      userId,
      typing,
      lastSeen,
      status: status === 'away' ? ('AWAY' as const) : ('ONLINE' as const),
    }));
  }

  /** A subscription to a thread: allowed for its participants only (AppSync subscription resolver). */
  async authorizeSubscription(caller: Caller, threadId: string): Promise<null> {
    await this.membership(caller, threadId);
    return null;
  }

  /**
   * A booking event (consumer `messaging-bookings`): in the thread between the client and each owner,
   * an action message announces the new state (published live) and the thread's action cards follow
   * this booking from now on (computed at read time: threadActionCards). `booking.confirmed` also turns
   * the pair's inquiry thread into the booking's project thread (GSI2 `LBG#{groupId}`) with contact
   * details shown from then on. Once per event (consumer inbox); each step is idempotent too, so a
   * retry after a partial run completes it without doubling anything. A pair that never wrote to
   * each other has no thread to post in. Answers the threads posted in.
   */
  async onBookingEvent(event: {
    readonly id: string;
    readonly type: BookingEventType;
    readonly occurredAt: string;
    readonly payload: {
      readonly groupId: string;
      readonly clientUserId: string;
      readonly status: string;
      readonly legs: readonly { readonly legId: string; readonly ownerUserId: string }[];
    };
  }): Promise<string[]> {
    const posted: string[] = [];
    const actions: { threadId: string; messageId: string }[] = [];
    await this.consumed.once(BOOKINGS_CONSUMER, event, async () => {
      const { groupId, clientUserId, legs, status } = event.payload;
      const firstLegOf = new Map<string, string>();
      for (const leg of legs)
        if (leg.ownerUserId !== clientUserId && !firstLegOf.has(leg.ownerUserId))
          firstLegOf.set(leg.ownerUserId, leg.legId);
      for (const [ownerUserId, legId] of firstLegOf) {
        const threadId = await this.threads.findPairThread(clientUserId, ownerUserId);
        if (!threadId) continue;
        if (event.type === 'booking.confirmed')
          await this.bookingConfirmed({ threadId, bookingId: groupId, lbgId: groupId, legId });
        // The card follows the newest booking event only; a late older one still posts its message.
        await this.threads.setCardBooking(
          threadId,
          groupId,
          { occurredAt: new Date(event.occurredAt).toISOString(), eventId: event.id },
          this.clock.now().toISOString(),
        );
        const messageId = await this.appendSystemMessage(
          threadId,
          event.type === 'booking.confirmed' ? `booking-confirmed:${groupId}` : `booking-event:${event.id}`,
          BOOKING_EVENT_NOTICES[event.type],
          { bookingId: groupId, status },
        );
        // Inside the inbox transaction: a failed message frame rolls back and the redelivery resends it.
        await this.publisher.publish(threadId, messageId);
        posted.push(threadId);
        actions.push({ threadId, messageId });
      }
    });
    // The panel frame after the commit: the transaction is not held open for it, and it cannot fail the event.
    for (const { threadId, messageId } of actions) await this.publisher.actionPanel(threadId, messageId);
    return posted;
  }

  /**
   * The thread's action cards for the viewer: what they may do now on the booking the thread follows,
   * from booking's rules over its current rows (never a stored, possibly stale, copy). Each card names
   * the booking mutation that performs it. Null when the thread follows no booking the viewer is party to.
   */
  async threadActionCards(caller: Caller, threadId: string): Promise<ThreadActionCardsView | null> {
    const participant = await this.membership(caller, threadId);
    const thread = await this.threads.getThread(threadId);
    if (!thread) throw new ThreadNotFoundError();
    const groupId = thread.cardBookingId ?? thread.bookingId ?? null;
    if (!groupId) return null;
    const booking = await this.bookings.forViewer(groupId, participant.userId);
    if (!booking) return null;
    return {
      threadId,
      bookingId: booking.groupId,
      bookingStatus: booking.status,
      viewerRole: booking.viewerRole,
      cards: booking.actions.map((action) => ({ action, mutation: mutationFor(action) })),
    };
  }

  /**
   * The project panel of a thread for a member: the brief and shot list snapshots (fast reads from
   * the thread's partition) and the action cards, computed now. Contractual data (docs, amendments,
   * receipts) belongs to PostgreSQL and is not a tab here.
   */
  async threadPanel(caller: Caller, threadId: string): Promise<ThreadPanelView> {
    const participant = await this.membership(caller, threadId);
    const stored = new Map((await this.threads.tabs(threadId)).map((tab) => [tab.tab, tab]));
    return {
      threadId,
      tabs: PANEL_TABS.map((tab) => toTabView(tab, stored.get(tab), participant)),
      actions: await this.threadActionCards(caller, threadId),
    };
  }

  /**
   * A member replaces one tab's snapshot, naming the version they edited: of concurrent edits of one
   * version exactly one is saved; the others are refused with the current version (reload, merge).
   * The write itself checks that the thread is open (a locked thread, an erased member: THREAD_CLOSED)
   * and that nobody blocked it (BLOCKED), in the same transaction as the versioned put.
   */
  async updateThreadTab(caller: Caller, input: UpdateThreadTabInput): Promise<ThreadTabView> {
    const participant = await this.membership(caller, input.threadId);
    const thread = await this.threads.getThread(input.threadId);
    if (!thread) throw new ThreadNotFoundError();
    const tab = input.tab.toLowerCase() as TabRecord['tab'];
    const attachmentIds = [
      ...(input.moodboard ?? []).map((item) => item.attachmentId),
      ...(input.references ?? []).map((item) => item.attachmentId),
    ];
    await this.requireSentAttachments(input.threadId, attachmentIds);
    const record: TabRecord = {
      threadId: input.threadId,
      tab,
      version: input.expectedVersion + 1,
      brief: tab === 'brief' ? (input.brief ?? '') : null,
      shotList: tab === 'shotlist' ? (input.shotList ?? []).map(({ title, done }) => ({ title, done })) : null,
      ...(tab === 'moodboard'
        ? {
            moodboard: (input.moodboard ?? []).map(({ attachmentId, caption }) => ({
              attachmentId,
              caption: caption ?? '',
            })),
          }
        : {}),
      ...(tab === 'files' || tab === 'docs'
        ? { references: (input.references ?? []).map(({ attachmentId, label }) => ({ attachmentId, label })) }
        : {}),
      ...(tab === 'expenses'
        ? {
            expenses: {
              currency: input.expenses?.currency ?? 'USD',
              lines: (input.expenses?.lines ?? []).map(({ description, amountCents }) => ({
                description,
                amountCents,
              })),
            },
          }
        : {}),
      updatedBy: participant.userId,
      updatedAt: this.clock.now().toISOString(),
    };
    const outcome = await this.threads.putTab(record, thread.participants);
    switch (outcome.kind) {
      case 'saved':
        return toTabView(tab, record, participant);
      case 'stale':
        throw new TabVersionConflictError(outcome.current);
      case 'thread-closed':
        throw new ThreadClosedError();
      case 'blocked':
        throw new BlockedError();
    }
  }

  /**
   * Moodboard images and file/doc references name attachments already sent in a message of this
   * thread: members can open them (messageAttachmentUrl), and they never expire as unsent ones do.
   */
  private async requireSentAttachments(threadId: string, attachmentIds: readonly string[]): Promise<void> {
    const unique = [...new Set(attachmentIds)];
    const found = await Promise.all(unique.map((id) => this.threads.getAttachment(threadId, id)));
    const missing = unique.filter((_, index) => {
      const attachment = found[index];
      return !attachment || attachment.status !== 'ready' || attachment.messageId === null;
    });
    if (missing.length > 0)
      throw new ValidationError(
        'Unknown attachment',
        missing.map((id) => ({ path: 'input', message: `${id} is not an attachment sent in this thread` })),
      );
  }

  /** Writes a platform message once per `requestKey`; answers its id (the first one on a replay). */
  async appendSystemMessage(
    threadId: string,
    requestKey: string,
    body: string,
    card?: { readonly bookingId: string; readonly status: string },
  ): Promise<string> {
    const thread = await this.threads.getThread(threadId);
    if (!thread) throw new ThreadNotFoundError();
    const createdAt = this.clock.now().toISOString();
    const messageId = newId('message');
    const message: MessageRecord = {
      sk: messageSk(createdAt, messageId),
      threadId,
      messageId,
      type: card ? 'action' : 'system',
      body,
      redactedBody: null,
      authorUserId: SYSTEM_AUTHOR,
      createdAt,
      nsfwBand: 0,
      flags: { moderation: 'clean', policyHints: [] },
      ...(card ? { card: { bookingId: card.bookingId, status: card.status } } : {}),
    };
    const outcome = await this.threads.appendSystemMessage(message, thread.participants, requestKey);
    if (outcome.kind === 'appended') return messageId;
    const first = await this.threads.getMessage(threadId, outcome.messageSk);
    if (!first) throw new ContendedError();
    return first.messageId;
  }

  /**
   * The AWS_IAM `publishThreadEvent` mutation: answers a stored message as every member may see it,
   * which AppSync then pushes to the thread's subscribers (onThreadMessage). The caller names ids
   * only; the frame's content always comes from the store.
   */
  async publishThreadEvent(threadId: string, messageId: string): Promise<MessageView> {
    const thread = await this.threads.getThread(threadId);
    if (!thread) throw new ThreadNotFoundError();
    const sk = await this.threads.findMessageSk(threadId, messageId);
    const message = sk ? await this.threads.getMessage(threadId, sk) : undefined;
    if (!message) throw new MessageNotFoundError();
    return toMessageView(message, null, thread.contactRedaction);
  }

  /**
   * The booking of an inquiry thread was confirmed: contact details are shown from now on and the
   * thread becomes a project thread (GSI2 by booking group / leg). Idempotent.
   */
  async bookingConfirmed(booking: {
    threadId: string;
    bookingId: string;
    lbgId?: string | null;
    legId?: string | null;
  }): Promise<void> {
    const thread = await this.threads.getThread(booking.threadId);
    if (!thread) throw new ThreadNotFoundError();
    await this.threads.liftContactRedaction(
      thread.threadId,
      thread.participants,
      { bookingId: booking.bookingId, lbgId: booking.lbgId ?? null, legId: booking.legId ?? null },
      this.clock.now().toISOString(),
    );
  }
}
