/**
 * The booking rules: availability per listing, feasible slots, requests, the state machine's
 * transitions (idempotent per caller and key, audited, evented in the same transaction), expiry, and
 * who may see what. Takes its ports in the constructor; no environment, no driver, no SDK.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { appendAudit, canonicalJson } from '../core/db/audit-log.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { AppError, DependencyError, InternalError, NotFoundError, ValidationError } from '../core/errors.ts';
import { buildEvent, type DomainEvent } from '../core/events/catalog.ts';
import { requireUser, type Caller, type UserCaller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { noMetrics, noTermsEviction, type ListingTermsEviction, type MetricsRecorder } from '../core/ports.ts';
import { customMetrics } from '../../infra/definitions/metrics.ts';
import type { BookableListing } from '../profiles/index.ts';
import type { Availability } from './availability.ts';
import {
  eventTypeFor,
  mayAct,
  mayReschedule,
  nextActions,
  type CardAction,
  type BookingStatus,
  type Party,
} from './booking-state.ts';
import {
  BookingConflictError,
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  PaymentDeclinedError,
  PaymentInProgressError,
  SlotUnavailableError,
  TermsChangedError,
} from './booking.errors.ts';
import type { BookingData, BookingTx } from './booking.repositories.ts';
import type {
  BookingGroup,
  BookingLeg,
  BookingSettings,
  GroupPatch,
  PendingPayment,
  TimelineEntry,
  VoidReason,
} from './booking.repository.ts';
import type {
  BookingActionInput,
  RequestBookingInput,
  RescheduleInput,
  SetAvailabilityInput,
  SlotsInput,
} from './booking.schemas.ts';
import { decideReschedule, describePolicy, quoteCancellation, type CancellationQuote } from './cancellation.ts';
import { blockedRange, checkSlot, feasibleSlots, type ResourceCalendar } from './feasibility.ts';
import type { BookingPaymentsPort } from './payments.port.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SYSTEM = 'system:booking';

/**
 * How far along a Stripe dispute status is (an inquiry can escalate to a chargeback; closed is final):
 * the timeline shows a status only while no later one of the same dispute is on it.
 */
const DISPUTE_STATUS_RANKS: readonly (readonly [string, number])[] = [
  ['warning_needs_response', 0],
  ['warning_under_review', 1],
  ['needs_response', 2],
  ['under_review', 3],
  ['warning_closed', 4],
  ['won', 4],
  ['lost', 4],
  ['prevented', 4],
];
/** An unknown status ranks nowhere (shown whenever it arrives). */
const disputeStatusRank = (status: string) =>
  DISPUTE_STATUS_RANKS.find(([s]) => s === status)?.[1] ?? Number.POSITIVE_INFINITY;

/** The money step each action takes (the others move no money of their own). */
/** Holds an authorisation (escrow) that closing the booking must void. */
const isHeld = (group: BookingGroup) =>
  group.paymentStatus === 'AUTHORIZED' || group.paymentStatus === 'REQUIRES_ACTION';

/**
 * May have an authorisation at Stripe that closing must void. Wider than isHeld: a card authorised at
 * checkout while the group is still REQUESTED leaves paymentStatus NONE (payments cannot write the
 * group), so every closing of a group whose money is not settled records a VOID; the port's void
 * returns at once when nothing was ever asked of Stripe.
 */
const mayHoldMoney = (group: BookingGroup) =>
  group.paymentStatus !== 'CAPTURED' && group.paymentStatus !== 'VOIDED' && group.paymentStatus !== 'REFUNDED';

/** The money step an action takes on the group as it stands; null when it moves no money. */
function moneyStepOf(action: BookingActionInput['action'], group: BookingGroup): PendingPayment['step'] | null {
  switch (action) {
    case 'CONFIRM':
      return 'CAPTURE';
    case 'COMPLETE':
      return 'RELEASE';
    case 'CANCEL':
      return group.paymentStatus === 'CAPTURED' ? 'REFUND' : mayHoldMoney(group) ? 'VOID' : null;
    case 'DECLINE':
      return mayHoldMoney(group) ? 'VOID' : null;
    default:
      return null;
  }
}
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A booking id (ULID-shaped body) that is a function of the caller, their idempotency key and the
 * request: retries and concurrent duplicates of one request share it; the same key reused for a
 * different request does not (its claim is refused as a mismatch). The first character stays 0-7,
 * as in every ULID.
 */
function groupIdFor(userId: string, idempotencyKey: string, requestHash: string): `bkg_${string}` {
  const digest = createHash('sha256').update(`${userId}\0${idempotencyKey}\0${requestHash}`).digest();
  let body = CROCKFORD[digest[0]! % 8]!;
  for (let i = 1; i < 26; i++) body += CROCKFORD[digest[i]! % 32]!;
  return `bkg_${body}`;
}

const VOID_STATUS = { expired: 'EXPIRED', declined: 'DECLINED', cancelled: 'CANCELLED' } as const;
const VOID_ACTION = { expired: 'EXPIRE', declined: 'DECLINE', cancelled: 'CANCEL' } as const;
const MONEY_ACTIONS: readonly BookingActionInput['action'][] = ['CONFIRM', 'COMPLETE', 'CANCEL', 'DECLINE'];

export interface BookingPolicy {
  /** How long owners have to answer a request (capped at the start). */
  readonly respondWithinMinutes: number;
  /** How long a hold waits for the payment step. */
  readonly holdMinutes: number;
  /** How early before the start an owner may mark a session started. */
  readonly startWindowMinutes: number;
}

export const DEFAULT_BOOKING_POLICY: BookingPolicy = {
  respondWithinMinutes: 24 * 60,
  holdMinutes: 15,
  startWindowMinutes: 60,
};

export interface BookingView {
  readonly id: string;
  readonly viewerRole: Party;
  readonly status: BookingStatus;
  readonly instantBook: boolean;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly cancellationPolicy: string;
  readonly respondBy: string | null;
  readonly holdExpiresAt: string | null;
  readonly paymentStatus: string;
  readonly refundCents: number | null;
  readonly legs: {
    id: string;
    resourceType: string;
    resourceId: string;
    startsAt: string;
    endsAt: string;
    amountCents: number;
    accepted: boolean;
  }[];
  readonly timeline: {
    at: string;
    action: string;
    by: 'CLIENT' | 'OWNER' | 'SYSTEM';
    fromStatus: string | null;
    toStatus: string | null;
  }[];
  readonly myActions: CardAction[];
  readonly actionCards: { party: Party; actions: CardAction[] }[];
  /** What cancelling now would refund (client view, while cancelling is possible). */
  readonly cancellationQuote: CancellationQuote | null;
}

export interface SlotsView {
  readonly timezone: string;
  readonly durationMinutes: number;
  readonly slots: { startsAt: string; endsAt: string }[];
}

export interface AvailabilityView {
  readonly resourceId: string;
  readonly availability: Availability;
  readonly cancellationPolicy: string;
  readonly version: number;
}

export interface BookingTermsView {
  readonly resourceId: string;
  readonly instantBook: boolean;
  readonly timezone: string;
  readonly minDurationMinutes: number;
  readonly granularityMinutes: number;
  readonly minNoticeMinutes: number;
  readonly cancellationPolicy: string;
  readonly cancellationTerms: string[];
}

/** What a money step answered, handed from the Stripe call (no transaction) to the recording transaction. */
type MoneyOutcome =
  | { readonly step: 'CAPTURE'; readonly key: string; readonly captured: boolean }
  | { readonly step: 'REFUND'; readonly key: string; readonly refundCents: number }
  | { readonly step: 'VOID'; readonly key: string; readonly reason: VoidReason }
  | {
      readonly step: 'RELEASE';
      readonly key: string;
      readonly paid: readonly { legId: string; transferId: string | null; amountCents: number }[];
    };

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const hashOf = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

export class BookingService {
  constructor(
    private readonly db: BookingData,
    private readonly payments: BookingPaymentsPort,
    private readonly clock: Clock,
    private readonly policy: BookingPolicy = DEFAULT_BOOKING_POLICY,
    private readonly logger: Logger = createLogger({ service: 'booking' }),
    private readonly metrics: MetricsRecorder = noMetrics,
    private readonly terms: ListingTermsEviction = noTermsEviction,
  ) {}

  // ---- listing side -------------------------------------------------------------------------------

  async setAvailability(caller: Caller, input: SetAvailabilityInput): Promise<AvailabilityView> {
    const user = requireUser(caller);
    const listing = await this.ownedListing(user, input.resourceId);
    const saved = await this.db.transaction(async (tx) => {
      const version = await tx.settings.upsert({
        resourceId: listing.id,
        resourceType: listing.type,
        ownerUserId: user.userId,
        availability: input.availability,
        cancellationPolicy: input.cancellationPolicy,
      });
      await appendAudit(
        tx,
        {
          actor: user.userId,
          action: 'booking.availability.set',
          subject: listing.id,
          details: { version, cancellationPolicy: input.cancellationPolicy },
        },
        this.clock.now(),
      );
      return {
        resourceId: listing.id,
        availability: input.availability,
        cancellationPolicy: input.cancellationPolicy,
        version,
      };
    });
    // The public terms (policy, zone, durations) are cached by AppSync: evict them after the commit, so
    // the next read shows the change. A failure must not turn the saved change into an error; the
    // cache's TTL (cachedReads) bounds how long the old terms show.
    try {
      await this.terms.evictTerms(listing.id);
    } catch (error) {
      this.logger.warn('booking terms eviction failed; the cache TTL bounds the stale terms', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return saved;
  }

  async availability(caller: Caller, resourceId: string): Promise<AvailabilityView | null> {
    const user = requireUser(caller);
    await this.ownedListing(user, resourceId);
    const settings = (await this.db.settings.find([resourceId]))[0];
    return settings
      ? {
          resourceId,
          availability: settings.availability,
          cancellationPolicy: settings.cancellationPolicy,
          version: settings.version,
        }
      : null;
  }

  /** Public: a bookable listing's terms (cancellation bands in words, Instant Book, zone). */
  async bookingTerms(resourceId: string): Promise<BookingTermsView> {
    const [listing] = await this.bookable([resourceId]);
    const settings = await this.settingsOf([listing!]);
    const s = settings[0]!;
    return {
      resourceId,
      instantBook: listing!.instantBook,
      timezone: s.availability.timezone,
      minDurationMinutes: s.availability.minDurationMinutes,
      granularityMinutes: s.availability.granularityMinutes,
      minNoticeMinutes: s.availability.minNoticeMinutes,
      cancellationPolicy: s.cancellationPolicy,
      cancellationTerms: describePolicy(s.cancellationPolicy),
    };
  }

  /** Public: feasible start times over the next days (the availability preview, NTB-PROF-007). */
  async slots(input: SlotsInput): Promise<SlotsView> {
    const ids = resourceIdsOf(input);
    const listings = await this.bookable(ids);
    const settings = await this.settingsOf(listings);
    const now = this.clock.nowMs();
    const from = Math.max(now, input.from ? Date.parse(input.from) : now);
    const days = input.days ?? 14;
    const calendars = await this.calendars(this.db, settings, from - 2 * DAY, from + (days + 2) * DAY);
    const slots = feasibleSlots(calendars, { now, from, days, durationMinutes: input.durationMinutes });
    return {
      timezone: settings[0]!.availability.timezone,
      durationMinutes: input.durationMinutes,
      slots: slots.map((slot) => ({
        startsAt: new Date(slot.start).toISOString(),
        endsAt: new Date(slot.end).toISOString(),
      })),
    };
  }

  // ---- requests and transitions -------------------------------------------------------------------

  async requestBooking(caller: Caller, input: RequestBookingInput): Promise<BookingView> {
    const user = requireUser(caller);
    const ids = resourceIdsOf(input);
    const listings = await this.bookable(ids);
    if (listings.some((listing) => listing.ownerUserId === user.userId))
      throw new ValidationError('You cannot book your own listing');
    const currencies = new Set(listings.map((listing) => listing.currency));
    if (currencies.size > 1) throw new ValidationError('The listings are priced in different currencies');
    const settings = await this.settingsOf(listings);
    const start = Date.parse(input.startsAt);
    const end = start + input.durationMinutes * MINUTE;
    // Read-time expiry: a lapsed request or hold on these resources frees its time before we look.
    await this.expireDue(this.clock.now(), ids);
    // The expected terms are a precondition, not part of what is booked: a retry that sends them
    // differently (or not at all) is still the same request.
    const { idempotencyKey, expectedCancellationPolicy: _policy, expectedInstantBook: _instant, ...request } = input;
    const requestHash = hashOf({ action: 'REQUEST', ...request, startsAt: start });
    // Fast paths without a transaction (a burst of competitors must not queue for connections only
    // to be refused): a completed replay gets its answer; a time already taken is a conflict. The
    // claim is looked up again after the slot check, because the first attempt of this very request
    // may have committed in between (its answer and its legs become visible together).
    const done = await this.db.bookings.findClaim(user.userId, idempotencyKey);
    if (done) return replay(done, requestHash);
    const instant = listings.every((listing) => listing.instantBook);
    // The client saw the terms through the cached Query.bookingTerms (up to its TTL old, longer if an
    // eviction failed): it must not be bound to a policy or an immediate hold it was not shown. The
    // group binds exactly these `settings` and `listings`, so checking them here covers what is bound.
    const shownPolicy = input.expectedCancellationPolicy;
    const shownInstant = input.expectedInstantBook;
    if (
      (shownPolicy != null && shownPolicy !== settings[0]!.cancellationPolicy) ||
      (shownInstant != null && shownInstant !== instant)
    ) {
      throw new TermsChangedError('The booking terms changed since they were shown; read them again', {
        cancellationPolicy: settings[0]!.cancellationPolicy,
        instantBook: instant,
      });
    }
    const precheck = checkSlot(
      await this.calendars(this.db, settings, start - 2 * DAY, end + 2 * DAY),
      this.clock.nowMs(),
      { start, end },
    );
    // Any slot that cannot succeed is refused here, before an instant booking asks Stripe for anything.
    if (!precheck.ok) {
      const committed = await this.db.bookings.findClaim(user.userId, idempotencyKey);
      if (committed) return replay(committed, requestHash);
      if (precheck.reason === 'blocked') throw new BookingConflictError('That time is no longer available');
      throw new SlotUnavailableError(`That time cannot be booked (${precheck.reason})`, { reason: precheck.reason });
    }
    // Derived from the request's idempotency key, so concurrent identical requests name one group and
    // the port (which keys the PaymentIntent by the group) creates one PaymentIntent between them.
    const groupId = groupIdFor(user.userId, idempotencyKey, requestHash);
    const amounts = listings.map((listing) => Math.round((listing.hourlyRateCents * input.durationMinutes) / 60));
    // An instant booking enters its hold inside the transaction below: its authorisation is asked of
    // Stripe first, never with the transaction open (the port records the request before calling and
    // keys it by the group, so a crash or a retry finds the same PaymentIntent). A request that then
    // loses the slot leaves an unconfirmed PaymentIntent without a payment method: nothing is held.
    const preAuthorized = instant
      ? await this.payments.authorize({
          groupId,
          clientUserId: user.userId,
          amountCents: amounts.reduce((sum, amount) => sum + amount, 0),
          currency: [...currencies][0]!,
          idempotencyKey: `${groupId}:authorize`,
        })
      : null;

    const answer = await this.db.transaction(async (tx) => {
      const claim = await tx.bookings.claim(user.userId, idempotencyKey, requestHash, 'REQUEST');
      if (!claim.claimed) return { view: replay(claim, requestHash), finish: false, replayed: true };
      const now = this.clock.nowMs();
      const calendars = await this.calendars(tx, settings, start - 2 * DAY, end + 2 * DAY);
      const check = checkSlot(calendars, now, { start, end });
      if (!check.ok) {
        if (check.reason === 'blocked') throw new BookingConflictError('That time is no longer available');
        throw new SlotUnavailableError(`That time cannot be booked (${check.reason})`, { reason: check.reason });
      }
      const legs: BookingLeg[] = listings.map((listing, i) => {
        const blocked = blockedRange(settings[i]!.availability, { start, end });
        return {
          id: newId('bookingLeg'),
          groupId,
          resourceType: listing.type,
          resourceId: listing.id,
          ownerUserId: listing.ownerUserId,
          startsAt: new Date(start),
          endsAt: new Date(end),
          blockedStart: new Date(blocked.start),
          blockedEnd: new Date(blocked.end),
          amountCents: amounts[i]!,
          accepted: instant,
          active: true,
        };
      });
      const requested: Omit<BookingGroup, 'version' | 'paymentRef' | 'refundCents' | 'pendingPayment'> = {
        id: groupId,
        clientUserId: user.userId,
        status: 'REQUESTED',
        instantBook: instant,
        startsAt: new Date(start),
        endsAt: new Date(end),
        amountCents: legs.reduce((sum, leg) => sum + leg.amountCents, 0),
        currency: [...currencies][0]!,
        // The primary listing's policy governs the group (the provider's when a studio is added).
        cancellationPolicy: settings[0]!.cancellationPolicy,
        respondBy: instant ? null : new Date(Math.min(now + this.policy.respondWithinMinutes * MINUTE, start)),
        holdExpiresAt: null,
        paymentStatus: 'NONE',
      };
      await tx.bookings.insertGroup(requested);
      await tx.bookings.insertLegs(legs);
      let group: BookingGroup = { ...requested, version: 1, paymentRef: null, refundCents: null, pendingPayment: null };
      await this.emit(tx, group, legs, null);
      if (instant) group = await this.enterHold(tx, group, legs, preAuthorized);
      await appendAudit(
        tx,
        {
          actor: user.userId,
          action: 'booking.request',
          subject: groupId,
          details: { status: group.status, legs: legs.length, instantBook: instant },
        },
        this.clock.now(),
      );
      await tx.bookings.recordTransition(claim.transitionId, {
        groupId,
        fromStatus: null,
        // The request itself; holding and confirming follow as their own timeline entries.
        toStatus: 'REQUESTED',
      });
      const view = await this.view(tx, group, legs, user.userId);
      await tx.bookings.saveResponse(claim.transitionId, view);
      return { view, finish: group.pendingPayment?.step === 'CAPTURE' };
    });
    if (!answer.finish) return answer.view;
    // An instant booking authorised at once: its capture is taken after the commit, not inside it.
    return this.finishAndView(answer.view.id, user.userId, answer.view);
  }

  /**
   * A party's transition. A transition that moves money runs in three steps so that no database
   * transaction (nor the group's row lock) is held while Stripe is called: (1) `moneyStepFor`
   * locks the group, checks the transition is allowed, records the money step and its Stripe
   * Idempotency-Key on the group and commits; (2) the payments port is called outside any
   * transaction; (3) the transition itself is written with the outcome (and the marker cleared) in
   * one transaction. Concurrent duplicates all reuse the recorded key, so Stripe moves the money once,
   * and the first to reach (3) makes the transition. A crash between (1) and (3) leaves the marker:
   * the next attempt or the sweep (`finishStalePayments`) repeats the call with the same key.
   */
  async act(caller: Caller, input: BookingActionInput): Promise<BookingView> {
    const user = requireUser(caller);
    const { idempotencyKey, ...request } = input;
    const requestHash = hashOf({ ...request });
    await this.expireIfDue(input.groupId, this.clock.now());
    // A retried request is answered from its stored response before any money step is considered.
    const done = await this.db.bookings.findClaim(user.userId, idempotencyKey);
    if (done) return this.replayAct(done, requestHash, input, user.userId);
    const outcome = await this.moneyStepFor(user.userId, input.groupId, input.action);
    const holdAuthorization =
      input.action === 'ACCEPT' ? await this.authorizeIfLastAcceptance(user.userId, input.groupId) : null;
    const answer = await this.db.transaction(async (tx) => {
      const claim = await tx.bookings.claim(user.userId, idempotencyKey, requestHash, input.action);
      if (!claim.claimed) return { view: replay(claim, requestHash), finish: false, replayed: true };
      let group = await tx.bookings.findGroup(input.groupId, { forUpdate: true });
      if (!group) throw new NotFoundError('Booking not found');
      let legs = await tx.bookings.legsOf([group.id]);
      const party = partyOf(user.userId, group, legs);
      if (!party) throw new NotFoundError('Booking not found');
      if (!mayAct(input.action, group.status, party))
        throw new InvalidTransitionError(`Cannot ${input.action.toLowerCase()} a booking that is ${group.status}`, {
          status: group.status,
        });
      // A money step recorded (and perhaps already executed at Stripe) by another action must be
      // written before anything else moves the booking: a START landing between a CANCEL's refund and
      // its recording would leave the money refunded and the session going ahead.
      if (group.pendingPayment && group.pendingPayment.step !== moneyStepOf(input.action, group))
        throw new PaymentInProgressError();
      const from = group.status;
      const now = this.clock.nowMs();
      switch (input.action) {
        case 'ACCEPT': {
          const own = legs.filter((leg) => leg.ownerUserId === user.userId);
          if (own.every((leg) => leg.accepted)) throw new InvalidTransitionError('Already accepted');
          await tx.bookings.acceptLegs(group.id, user.userId);
          legs = legs.map((leg) => (leg.ownerUserId === user.userId ? { ...leg, accepted: true } : leg));
          group = await tx.bookings.updateGroup(group.id, {});
          await this.emit(tx, group, legs, from, 'booking.accepted');
          if (legs.every((leg) => leg.accepted)) group = await this.enterHold(tx, group, legs, holdAuthorization);
          break;
        }
        case 'DECLINE':
          group = await this.close(tx, group, 'DECLINED', { paymentStatus: await this.voided(tx, group, outcome) });
          break;
        case 'CONFIRM': {
          if (outcome?.step !== 'CAPTURE' || !outcome.captured)
            throw new InvalidTransitionError('The payment step is not complete yet');
          group = await this.applyCapture(tx, group, legs, 'party');
          break;
        }
        case 'CANCEL': {
          if (group.paymentStatus === 'CAPTURED') {
            const refundCents =
              outcome?.step === 'REFUND' ? outcome.refundCents : this.refundQuote(group, party, now).refundCents;
            // A refund the kernel asks for but whose money step was not taken (the group was captured
            // after this request looked): nothing is written; the caller asks again.
            if (refundCents > 0 && outcome?.step !== 'REFUND')
              throw new InvalidTransitionError('The booking changed while cancelling; try again');
            group = await this.applyRefund(tx, group, refundCents);
          } else {
            group = await this.close(tx, group, 'CANCELLED', { paymentStatus: await this.voided(tx, group, outcome) });
          }
          break;
        }
        case 'START':
          if (now < group.startsAt.getTime() - this.policy.startWindowMinutes * MINUTE)
            throw new InvalidTransitionError('The session has not begun yet');
          group = await tx.bookings.updateGroup(group.id, { status: 'IN_PROGRESS' });
          await this.emit(tx, group, legs, from);
          break;
        case 'COMPLETE': {
          if (outcome?.step !== 'RELEASE') throw new InvalidTransitionError('The payout step is not complete yet');
          group = await this.applyRelease(tx, group, legs, outcome.paid);
          break;
        }
        case 'DISPUTE':
          group = await tx.bookings.updateGroup(group.id, { status: 'DISPUTED' });
          await this.emit(tx, group, legs, from);
          break;
      }
      await appendAudit(
        tx,
        {
          actor: user.userId,
          action: `booking.${input.action.toLowerCase()}`,
          subject: group.id,
          details: { from, to: group.status, party },
        },
        this.clock.now(),
      );
      await tx.bookings.recordTransition(claim.transitionId, {
        groupId: group.id,
        fromStatus: from,
        // An acceptance itself leaves the request open; holding and confirming follow as their own entries.
        toStatus: input.action === 'ACCEPT' ? 'REQUESTED' : group.status,
      });
      const view = await this.view(tx, group, legs, user.userId);
      await tx.bookings.saveResponse(claim.transitionId, view);
      return {
        view,
        finish: group.pendingPayment?.step === 'CAPTURE' && group.pendingPayment.party === null,
        replayed: false,
      };
    });
    if (answer.replayed && input.action === 'ACCEPT') return this.currentView(input.groupId, user.userId);
    if (!answer.finish) return answer.view;
    // The hold just entered needs only its capture: taken after the commit, not inside it.
    return this.finishAndView(input.groupId, user.userId, answer.view);
  }

  /**
   * A retried transition, answered from its claim (a reused key with another request is refused). An
   * acceptance's stored answer is the view inside its transaction (HOLD when it completed the group),
   * but its capture follows the commit: the retry answers the booking as it now stands (CONFIRMED once
   * captured), as the first answer did. Other transitions' answers are final when stored.
   */
  private async replayAct(
    claim: { requestHash: string; response: unknown },
    requestHash: string,
    input: BookingActionInput,
    viewerId: string,
  ): Promise<BookingView> {
    const stored = replay(claim, requestHash);
    return input.action === 'ACCEPT' ? this.currentView(input.groupId, viewerId) : stored;
  }

  private async currentView(groupId: string, viewerId: string): Promise<BookingView> {
    const group = await this.db.bookings.findGroup(groupId);
    if (!group) throw new NotFoundError('Booking not found');
    return this.view(this.db, group, await this.db.bookings.legsOf([groupId]), viewerId);
  }

  /** Finishes a hold's recorded capture and answers the group as it then stands (the held view if Stripe is away). */
  private async finishAndView(groupId: string, viewerId: string, held: BookingView): Promise<BookingView> {
    try {
      await this.finishPendingPayment(groupId);
    } catch {
      // Stripe unreachable or slow: the marker stays and the sweep (or the client's CONFIRM) finishes it.
      return held;
    }
    const group = (await this.db.bookings.findGroup(groupId))!;
    return this.view(this.db, group, await this.db.bookings.legsOf([groupId]), viewerId);
  }

  /** What cancelling now refunds (the cancellation kernel). */
  private refundQuote(group: BookingGroup, party: Party, now: number): CancellationQuote {
    return quoteCancellation({
      policy: group.cancellationPolicy,
      amountCents: group.amountCents,
      startsAt: group.startsAt.getTime(),
      now,
      cancelledBy: party === 'CLIENT' ? 'client' : 'owner',
    });
  }

  /**
   * Steps (1) and (2) of a money-moving transition: the step recorded under the group's row lock and
   * committed, then the payments port called with the recorded key outside any transaction. Null
   * when the action moves no money now, or is not allowed (the transition's own checks then answer).
   */
  private async moneyStepFor(userId: string, groupId: string, action: BookingActionInput['action']) {
    if (!MONEY_ACTIONS.includes(action)) return null;
    const pending = await this.db.transaction(async (tx): Promise<PendingPayment | null> => {
      const group = await tx.bookings.findGroup(groupId, { forUpdate: true });
      if (!group) return null;
      const legs = await tx.bookings.legsOf([group.id]);
      const party = partyOf(userId, group, legs);
      if (!party || !mayAct(action, group.status, party)) return null;
      const step = moneyStepOf(action, group);
      if (!step) return null;
      if (group.pendingPayment) {
        if (group.pendingPayment.step === step) return group.pendingPayment;
        throw new PaymentInProgressError();
      }
      let refundCents: number | null = null;
      if (step === 'REFUND') {
        if (group.paymentStatus !== 'CAPTURED') return null;
        refundCents = this.refundQuote(group, party, this.clock.nowMs()).refundCents;
        if (refundCents === 0) return null;
      }
      const key = `${group.id}:${step.toLowerCase()}`;
      const voidReason: VoidReason | null = step === 'VOID' ? (action === 'DECLINE' ? 'declined' : 'cancelled') : null;
      return (await tx.bookings.setPendingPayment(group.id, { step, key, refundCents, party, voidReason }))
        .pendingPayment;
    });
    if (!pending) return null;
    const group = (await this.db.bookings.findGroup(groupId))!;
    return this.takeMoneyStep(group, pending);
  }

  /**
   * Step (2): the payments port, no transaction open. A definitive refusal (a typed error that is not
   * a dependency failure, or a capture that finds nothing authorised) clears the marker, since no
   * money moved; anything else (Stripe unreachable, a crash) leaves it for the retry or the sweep.
   */
  private async takeMoneyStep(group: BookingGroup, pending: PendingPayment): Promise<MoneyOutcome> {
    try {
      switch (pending.step) {
        case 'CAPTURE': {
          const captured = await this.payments.capture({ groupId: group.id, idempotencyKey: pending.key });
          if (captured.status !== 'captured') await this.clearPending(group.id, pending.key);
          return { step: 'CAPTURE', key: pending.key, captured: captured.status === 'captured' };
        }
        case 'REFUND':
          await this.payments.refund({
            groupId: group.id,
            amountCents: pending.refundCents ?? 0,
            reason: `Cancelled by the ${pending.party === 'OWNER' ? 'owner' : 'client'} (${group.cancellationPolicy} policy)`,
            idempotencyKey: pending.key,
          });
          return { step: 'REFUND', key: pending.key, refundCents: pending.refundCents ?? 0 };
        case 'RELEASE': {
          const legs = await this.db.bookings.legsOf([group.id]);
          const paid = await this.payments.release({
            groupId: group.id,
            legs: legs
              .filter((leg) => leg.active)
              .map((leg) => ({
                legId: leg.id,
                resourceId: leg.resourceId,
                payeeUserId: leg.ownerUserId,
                amountCents: leg.amountCents,
              })),
            idempotencyKey: pending.key,
          });
          return { step: 'RELEASE', key: pending.key, paid };
        }
        case 'VOID': {
          const reason = pending.voidReason ?? 'cancelled';
          await this.payments.void({ groupId: group.id, reason, idempotencyKey: pending.key });
          return { step: 'VOID', key: pending.key, reason };
        }
      }
    } catch (error) {
      if (error instanceof AppError && !(error instanceof DependencyError) && !(error instanceof InternalError))
        await this.clearPending(group.id, pending.key);
      throw error;
    }
  }

  private async clearPending(groupId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const group = await tx.bookings.findGroup(groupId, { forUpdate: true });
      if (group?.pendingPayment?.key === key) await tx.bookings.setPendingPayment(groupId, null);
    });
  }

  /**
   * Step (3) of a capture: CONFIRMED, CAPTURED, the capture on the timeline, the marker cleared. The
   * system's capture of a hold shows on the timeline as taken while held, before its confirmation.
   */
  private async applyCapture(
    tx: BookingTx,
    group: BookingGroup,
    legs: readonly BookingLeg[],
    by: 'party' | 'system',
  ): Promise<BookingGroup> {
    const from = group.status;
    if (group.pendingPayment) await tx.bookings.setPendingPayment(group.id, null);
    if (by === 'system') await this.paymentStep(tx, group, 'CAPTURE', `${group.id}:captured`);
    const confirmed = await tx.bookings.updateGroup(group.id, {
      status: 'CONFIRMED',
      paymentStatus: 'CAPTURED',
      holdExpiresAt: null,
    });
    if (by === 'party') await this.paymentStep(tx, confirmed, 'CAPTURE', `${group.id}:captured`);
    await this.emit(tx, confirmed, legs, from);
    return confirmed;
  }

  /** Step (3) of a cancellation after capture: CANCELLED with the refund, the marker cleared. */
  private async applyRefund(tx: BookingTx, group: BookingGroup, refundCents: number): Promise<BookingGroup> {
    if (group.pendingPayment) await tx.bookings.setPendingPayment(group.id, null);
    return this.close(tx, group, 'CANCELLED', {
      refundCents,
      paymentStatus: refundCents > 0 ? 'REFUNDED' : 'CAPTURED',
    });
  }

  /** Step (3) of a completion: COMPLETED, each leg's transfer on the timeline, the marker cleared. */
  private async applyRelease(
    tx: BookingTx,
    group: BookingGroup,
    legs: readonly BookingLeg[],
    paid: readonly { legId: string; transferId: string | null }[],
  ): Promise<BookingGroup> {
    const from = group.status;
    if (group.pendingPayment) await tx.bookings.setPendingPayment(group.id, null);
    const completed = await tx.bookings.updateGroup(group.id, { status: 'COMPLETED' });
    for (const leg of paid)
      if (leg.transferId) await this.paymentStep(tx, completed, 'TRANSFER', `${group.id}:transfer:${leg.legId}`);
    await this.emit(tx, completed, legs, from);
    return completed;
  }

  /**
   * Finishes a group's recorded money step (a crash, a lost answer, a hold's capture after its commit):
   * the port called again with the recorded key (Stripe answers from its first execution), then the
   * outcome written as the transition it was for, on the timeline as the party who asked (or the
   * system). A step finished meanwhile by someone else is left alone.
   */
  async finishPendingPayment(groupId: string): Promise<boolean> {
    const group = await this.db.bookings.findGroup(groupId);
    if (!group?.pendingPayment) return false;
    const pending = group.pendingPayment;
    const outcome = await this.takeMoneyStep(group, pending);
    let unapplied: Record<string, unknown> | null = null;
    const finished = await this.db.transaction(async (tx) => {
      const current = await tx.bookings.findGroup(groupId, { forUpdate: true });
      if (current?.pendingPayment?.key !== pending.key) return false;
      const legs = await tx.bookings.legsOf([groupId]);
      const from = current.status;
      const allowed =
        outcome.step === 'CAPTURE'
          ? outcome.captured && from === 'HOLD'
          : outcome.step === 'REFUND'
            ? mayAct('CANCEL', from, pending.party ?? 'CLIENT')
            : outcome.step === 'VOID'
              ? from === 'REQUESTED' || from === 'HOLD'
              : from === 'IN_PROGRESS';
      if (!allowed) {
        // Nothing to write on the booking: the marker goes. A capture that found nothing authorised
        // moved no money; otherwise Stripe moved money the booking no longer reflects (the group moved
        // on, which act refuses while a step is pending, so this is a defect or a manual change):
        // audited with what was executed, logged and counted (the metric pages on-call).
        await tx.bookings.setPendingPayment(groupId, null);
        // A void moved no money (the hold is released); nothing to alert about.
        if (outcome.step !== 'VOID' && (outcome.step !== 'CAPTURE' || outcome.captured)) {
          const details = {
            step: pending.step,
            key: pending.key,
            status: from,
            refundCents: outcome.step === 'REFUND' ? outcome.refundCents : null,
            transfers: outcome.step === 'RELEASE' ? outcome.paid.filter((leg) => leg.transferId).length : null,
          };
          await appendAudit(
            tx,
            { actor: SYSTEM, action: 'booking.payment-unapplied', subject: groupId, details },
            this.clock.now(),
          );
          unapplied = details;
        }
        return false;
      }
      const action =
        outcome.step === 'CAPTURE'
          ? 'CONFIRM'
          : outcome.step === 'REFUND'
            ? 'CANCEL'
            : outcome.step === 'VOID'
              ? VOID_ACTION[outcome.reason]
              : 'COMPLETE';
      const entry = (toStatus: BookingStatus) =>
        tx.bookings.appendTimeline({
          actor: SYSTEM,
          key: `${groupId}:${pending.step.toLowerCase()}:finished`,
          action,
          groupId,
          fromStatus: from,
          toStatus,
        });
      let next: BookingGroup;
      // On the timeline in the order a party's transition shows: a hold's capture before its
      // confirmation; a cancellation or completion before the refund or transfers it made.
      if (outcome.step === 'CAPTURE') {
        next = await this.applyCapture(tx, current, legs, 'system');
        await entry(next.status);
      } else if (outcome.step === 'REFUND') {
        await entry('CANCELLED');
        next = await this.applyRefund(tx, current, outcome.refundCents);
      } else if (outcome.step === 'VOID') {
        // The closing the void was for; an expiry writes its own system entry (close), a party's
        // interrupted decline or cancellation shows as finished by the system.
        const status = VOID_STATUS[outcome.reason];
        if (status !== 'EXPIRED') await entry(status);
        next = await this.close(tx, current, status, { paymentStatus: await this.voided(tx, current, outcome) });
      } else {
        await entry('COMPLETED');
        next = await this.applyRelease(tx, current, legs, outcome.paid);
      }
      // A party's interrupted transition finished by the system is audited; a hold's own capture is
      // part of the acceptance or request that entered the hold, audited there.
      if (pending.party)
        await appendAudit(
          tx,
          {
            actor: SYSTEM,
            action: 'booking.payment-finish',
            subject: groupId,
            details: { step: pending.step, from, to: next.status },
          },
          this.clock.now(),
        );
      return true;
    });
    // Set inside the transaction's callback (which TypeScript's narrowing does not follow).
    const alert = unapplied as Record<string, unknown> | null;
    if (alert) {
      // After the commit, so an alert always has its audit entry.
      this.logger.error('money moved at Stripe could not be applied to the booking', { groupId, ...alert });
      this.metrics.count(customMetrics.bookingPaymentUnapplied.name);
    }
    return finished;
  }

  /**
   * A chargeback on the group's charge (payments' `payment.dispute.changed`, applied forward only
   * there): an entry on the order timeline per dispute status, `CHARGEBACK_<STATUS>` by the system.
   * Keyed by dispute and status, so a redelivered event adds nothing.
   */
  async onPaymentDispute(event: DomainEvent<'payment.dispute.changed'>): Promise<void> {
    const { groupId, disputeId, status } = event.payload;
    const keyOf = (s: string) => `${groupId}:chargeback:${disputeId}:${s}`;
    await this.db.transaction(async (tx) => {
      const group = await tx.bookings.findGroup(groupId, { forUpdate: true });
      if (!group) return;
      // Payments emits the statuses in order, but deliveries are not ordered (a retried or slower one
      // lands after a newer one): an entry for a status this dispute has already passed would show
      // UNDER_REVIEW after WON. Under the group's lock, so two deliveries cannot both miss each other.
      const later = DISPUTE_STATUS_RANKS.filter(([, rank]) => rank > disputeStatusRank(status)).map(([s]) => keyOf(s));
      if (later.length > 0 && (await tx.bookings.anyTimelineKey(SYSTEM, later))) return;
      await tx.bookings.appendTimeline({
        actor: SYSTEM,
        key: keyOf(status),
        action: `CHARGEBACK_${status.toUpperCase()}`,
        groupId,
        fromStatus: group.status,
        toStatus: group.status,
      });
    });
    // Won (or an inquiry closed): the payout held while the dispute was open is paid now. The release
    // is idempotent per leg in payments (a leg already paid answers its transfer), so a redelivered
    // event pays nothing twice; a Stripe failure fails the delivery, which is retried.
    if (status !== 'won' && status !== 'warning_closed') return;
    const group = await this.db.bookings.findGroup(groupId);
    if (group?.status !== 'COMPLETED') return;
    const legs = await this.db.bookings.legsOf([groupId]);
    const paid = await this.payments.release({
      groupId,
      legs: legs.map((leg) => ({
        legId: leg.id,
        resourceId: leg.resourceId,
        payeeUserId: leg.ownerUserId,
        amountCents: leg.amountCents,
      })),
      idempotencyKey: `${groupId}:release:${disputeId}`,
    });
    await this.db.transaction(async (tx) => {
      for (const leg of paid)
        if (leg.transferId) await this.paymentStep(tx, group, 'TRANSFER', `${groupId}:transfer:${leg.legId}`);
    });
  }

  /**
   * Payments renewed the group's lapsing card authorisation off-session, or could not (the card needs
   * the client): an entry on the order timeline by the system, `PAYMENT_REAUTHORIZED` or
   * `PAYMENT_ACTION_REQUIRED_<REASON>`, once per outcome (a redelivery adds nothing). Policy: the hold is
   * kept (the old authorisation can still be captured until it lapses); the entry is the notice.
   */
  async onAuthorizationRenewal(event: DomainEvent<'payment.authorization.renewal'>): Promise<void> {
    const { groupId, outcome, reason } = event.payload;
    const action =
      outcome === 'renewed' ? 'PAYMENT_REAUTHORIZED' : `PAYMENT_ACTION_REQUIRED_${(reason ?? 'unknown').toUpperCase()}`;
    await this.db.transaction(async (tx) => {
      const group = await tx.bookings.findGroup(groupId, { forUpdate: true });
      if (!group) return;
      await tx.bookings.appendTimeline({
        actor: SYSTEM,
        key: `${groupId}:authorization:${event.id}`,
        action,
        groupId,
        fromStatus: group.status,
        toStatus: group.status,
      });
    });
  }

  /** The sweep's first part: money steps recorded more than a minute ago and never finished. */
  async finishStalePayments(now: Date): Promise<{ finished: number; failed: number }> {
    let finished = 0;
    let failed = 0;
    const ids = await this.db.bookings.stalePendingPaymentGroupIds(new Date(now.getTime() - MINUTE), 100);
    for (const id of ids) {
      try {
        if (await this.finishPendingPayment(id)) finished++;
      } catch {
        failed++;
      }
    }
    return { finished, failed };
  }

  /**
   * Moves every leg of a group to a new start (same duration) in one transaction: the reschedule
   * kernel (cancellation.ts) says whether this party may move it now, the feasibility engine whether
   * the new time is open (the group's own legs aside), and the exclusion constraint decides races
   * (BOOKING.CONFLICT). Idempotent per caller and key, audited, `booking.rescheduled` in the outbox.
   */
  async reschedule(caller: Caller, input: RescheduleInput): Promise<BookingView> {
    const user = requireUser(caller);
    const { idempotencyKey } = input;
    const newStart = Date.parse(input.startsAt);
    const requestHash = hashOf({ action: 'RESCHEDULE', groupId: input.groupId, startsAt: newStart });
    await this.expireIfDue(input.groupId, this.clock.now());
    return this.db.transaction(async (tx) => {
      const claim = await tx.bookings.claim(user.userId, idempotencyKey, requestHash, 'RESCHEDULE');
      if (!claim.claimed) return replay(claim, requestHash);
      const group = await tx.bookings.findGroup(input.groupId, { forUpdate: true });
      if (!group) throw new NotFoundError('Booking not found');
      const legs = await tx.bookings.legsOf([group.id]);
      const party = partyOf(user.userId, group, legs);
      if (!party) throw new NotFoundError('Booking not found');
      const status = group.status;
      if (status !== 'REQUESTED' && status !== 'HOLD' && status !== 'CONFIRMED')
        throw new InvalidTransitionError(`Cannot reschedule a booking that is ${status}`, { status });
      if (
        !mayReschedule(
          status,
          party,
          legs.every((leg) => leg.ownerUserId === user.userId),
        )
      )
        throw new InvalidTransitionError(
          party === 'OWNER' && status === 'REQUESTED'
            ? 'This booking includes another listing: only the client can move it'
            : 'Once accepted, only the client can move a booking; ask them, or cancel with a full refund.',
          { status },
        );
      const now = this.clock.nowMs();
      const decision = decideReschedule({
        policy: group.cancellationPolicy,
        startsAt: group.startsAt.getTime(),
        newStartsAt: newStart,
        now,
        by: party === 'CLIENT' ? 'client' : 'owner',
        status,
      });
      if (!decision.allowed) throw new InvalidTransitionError(decision.explanation, { status });
      const newEnd = newStart + (group.endsAt.getTime() - group.startsAt.getTime());
      const found = await tx.settings.find(legs.map((leg) => leg.resourceId));
      const settings = legs.map((leg) => {
        const match = found.find((candidate) => candidate.resourceId === leg.resourceId);
        if (!match) throw new NotFoundError('This listing has no availability yet');
        return match;
      });
      const calendars = await this.calendars(tx, settings, newStart - 2 * DAY, newEnd + 2 * DAY, group.id);
      const check = checkSlot(calendars, now, { start: newStart, end: newEnd });
      if (!check.ok) {
        if (check.reason === 'blocked') throw new BookingConflictError('That time is no longer available');
        throw new SlotUnavailableError(`That time cannot be booked (${check.reason})`, { reason: check.reason });
      }
      await tx.bookings.moveLegs(
        legs.map((leg, i) => {
          const blocked = blockedRange(settings[i]!.availability, { start: newStart, end: newEnd });
          return {
            id: leg.id,
            startsAt: new Date(newStart),
            endsAt: new Date(newEnd),
            blockedStart: new Date(blocked.start),
            blockedEnd: new Date(blocked.end),
          };
        }),
        { resetAcceptance: status === 'REQUESTED' },
      );
      const moved = await tx.bookings.updateGroup(group.id, {
        startsAt: new Date(newStart),
        endsAt: new Date(newEnd),
        ...(group.respondBy ? { respondBy: new Date(Math.min(group.respondBy.getTime(), newStart)) } : {}),
        ...(group.holdExpiresAt ? { holdExpiresAt: new Date(Math.min(group.holdExpiresAt.getTime(), newStart)) } : {}),
      });
      const movedLegs = await tx.bookings.legsOf([group.id]);
      await enqueueEvent(
        tx,
        buildEvent('booking.rescheduled', {
          ...eventPayload(moved, movedLegs, status),
          previousStartsAt: group.startsAt.toISOString(),
          previousEndsAt: group.endsAt.toISOString(),
        }),
      );
      await appendAudit(
        tx,
        {
          actor: user.userId,
          action: 'booking.reschedule',
          subject: group.id,
          details: {
            party,
            from: group.startsAt.toISOString(),
            to: moved.startsAt.toISOString(),
            explanation: decision.explanation,
          },
        },
        this.clock.now(),
      );
      await tx.bookings.recordTransition(claim.transitionId, {
        groupId: group.id,
        fromStatus: status,
        toStatus: status,
      });
      const view = await this.view(tx, moved, movedLegs, user.userId);
      await tx.bookings.saveResponse(claim.transitionId, view);
      return view;
    });
  }

  // ---- reads --------------------------------------------------------------------------------------

  async booking(caller: Caller, id: string): Promise<BookingView> {
    const user = requireUser(caller);
    await this.expireIfDue(id, this.clock.now());
    const group = await this.db.bookings.findGroup(id);
    if (!group) throw new NotFoundError('Booking not found');
    const legs = await this.db.bookings.legsOf([id]);
    if (!partyOf(user.userId, group, legs)) throw new NotFoundError('Booking not found');
    return this.view(this.db, group, legs, user.userId);
  }

  async myBookings(caller: Caller, as: Party): Promise<BookingView[]> {
    const user = requireUser(caller);
    const ids =
      as === 'CLIENT'
        ? await this.db.bookings.groupIdsForClient(user.userId, 100)
        : await this.db.bookings.groupIdsForOwner(user.userId, 100);
    if (ids.length === 0) return [];
    let groups = await this.db.bookings.findGroups(ids);
    const now = this.clock.now();
    const due = groups.filter((group) => isDue(group, now));
    for (const group of due) await this.expire(group.id, now);
    if (due.length > 0) groups = await this.db.bookings.findGroups(ids);
    const legs = await this.db.bookings.legsOf(ids);
    return Promise.all(
      groups.map((group) =>
        this.view(
          this.db,
          group,
          legs.filter((leg) => leg.groupId === group.id),
          user.userId,
        ),
      ),
    );
  }

  // ---- expiry -------------------------------------------------------------------------------------

  /** The scheduled sweep: expires every request/hold past its deadline. */
  async sweep(now: Date): Promise<{ expired: number; paymentsFinished: number; failed: number }> {
    const { finished: paymentsFinished, failed: paymentsFailed } = await this.finishStalePayments(now);
    let expired = 0;
    // One group whose void fails (Stripe down, a crash) must not stop the others expiring: it is
    // counted and left due (its VOID marker, if recorded, is finished by a later sweep). Ids that
    // failed in this run are not tried again here, and a page of nothing but them ends the run.
    const failed = new Set<string>();
    for (;;) {
      const ids = await this.db.bookings.dueGroupIds(now, 100);
      const fresh = ids.filter((id) => !failed.has(id));
      for (const id of fresh) {
        try {
          if (await this.expire(id, now)) expired++;
        } catch {
          failed.add(id);
        }
      }
      if (ids.length < 100 || fresh.length === 0)
        return { expired, paymentsFinished, failed: paymentsFailed + failed.size };
    }
  }

  private async expireDue(now: Date, resourceIds: readonly string[]): Promise<void> {
    for (const id of await this.db.bookings.dueGroupIds(now, 100, resourceIds)) await this.expire(id, now);
  }

  private async expireIfDue(groupId: string, now: Date): Promise<void> {
    const group = await this.db.bookings.findGroup(groupId);
    if (group && isDue(group, now)) await this.expire(groupId, now);
  }

  /**
   * Expires one group if it is still open and past its deadline (re-checked under the row lock). A
   * held authorisation is voided in three steps, like every money step: VOID recorded and committed,
   * Stripe called outside any transaction, then the expiry written (a crash between: the sweep).
   */
  private async expire(groupId: string, now: Date): Promise<boolean> {
    // An unanswered request may still hold a card authorised at checkout (paymentStatus NONE), so
    // every expiry of a group whose money is not settled takes the void's steps (re-checked under the lock).
    const seen = await this.db.bookings.findGroup(groupId);
    if (!seen || !isDue(seen, now)) return false;
    const mayVoid = mayHoldMoney(seen) || seen.pendingPayment?.step === 'VOID';
    const pending = !mayVoid
      ? null
      : await this.db.transaction(async (tx): Promise<PendingPayment | null> => {
          const group = await tx.bookings.findGroup(groupId, { forUpdate: true });
          if (!group || !isDue(group, now)) return null;
          if (group.pendingPayment) return group.pendingPayment.step === 'VOID' ? group.pendingPayment : null;
          if (!mayHoldMoney(group)) return null;
          return (
            await tx.bookings.setPendingPayment(group.id, {
              step: 'VOID',
              key: `${group.id}:void`,
              refundCents: null,
              party: null,
              voidReason: 'expired',
            })
          ).pendingPayment;
        });
    let outcome: MoneyOutcome | null = null;
    if (pending) {
      const group = await this.db.bookings.findGroup(groupId);
      if (!group) return false;
      outcome = await this.takeMoneyStep(group, pending);
    }
    return this.db.transaction(async (tx) => {
      const group = await tx.bookings.findGroup(groupId, { forUpdate: true });
      // A hold whose capture is recorded is finished, not voided (finishStalePayments); a hold voided
      // by another path meanwhile (its marker gone or another key) is left to it.
      if (!group || !isDue(group, now)) return false;
      if (group.pendingPayment && (group.pendingPayment.step !== 'VOID' || group.pendingPayment.key !== outcome?.key))
        return false;
      if (isHeld(group) && outcome?.step !== 'VOID') return false;
      const legs = await tx.bookings.legsOf([groupId]);
      const closed = await this.close(tx, group, 'EXPIRED', {
        paymentStatus: await this.voided(tx, group, outcome),
      });
      await appendAudit(
        tx,
        {
          actor: SYSTEM,
          action: 'booking.expire',
          subject: groupId,
          details: { from: group.status, legs: legs.length },
        },
        now,
      );
      return closed.status === 'EXPIRED';
    });
  }

  // ---- steps --------------------------------------------------------------------------------------

  /**
   * Before an ACCEPT's transaction: when the caller's acceptance is the last one the group waits for,
   * the hold it enters needs an authorisation, asked of Stripe here with no transaction open (the
   * port's request is recorded first and keyed by the group). Null when this acceptance does not
   * complete the group, as far as can be seen before the row lock; a concurrent acceptance that
   * changes that is refused in the transaction with a retryable conflict (enterHold).
   */
  private async authorizeIfLastAcceptance(userId: string, groupId: string) {
    const group = await this.db.bookings.findGroup(groupId);
    if (!group || group.status !== 'REQUESTED') return null;
    const legs = await this.db.bookings.legsOf([groupId]);
    const own = legs.filter((leg) => leg.ownerUserId === userId);
    if (own.length === 0 || own.every((leg) => leg.accepted)) return null;
    if (!legs.every((leg) => leg.accepted || leg.ownerUserId === userId)) return null;
    return this.payments.authorize({
      groupId: group.id,
      clientUserId: group.clientUserId,
      amountCents: group.amountCents,
      currency: group.currency,
      idempotencyKey: `${group.id}:authorize`,
    });
  }

  /**
   * Every leg accepted: hold the time and confirm when the authorisation needs nothing more. The
   * authorisation was asked of Stripe before this transaction (`authorization`); without one (a
   * concurrent acceptance made this the last after the caller looked) the caller retries.
   */
  private async enterHold(
    tx: BookingTx,
    group: BookingGroup,
    legs: readonly BookingLeg[],
    authorization: Awaited<ReturnType<BookingPaymentsPort['authorize']>> | null,
  ): Promise<BookingGroup> {
    if (!authorization) throw new PaymentInProgressError();
    const now = this.clock.nowMs();
    let held = await tx.bookings.updateGroup(group.id, {
      status: 'HOLD',
      holdExpiresAt: new Date(Math.min(now + this.policy.holdMinutes * MINUTE, group.startsAt.getTime())),
    });
    await tx.bookings.appendTimeline({
      actor: SYSTEM,
      key: `${group.id}:held`,
      action: 'HOLD',
      groupId: group.id,
      fromStatus: group.status,
      toStatus: 'HOLD',
    });
    await this.emit(tx, held, legs, group.status);
    const auth = authorization;
    if (auth.status === 'declined') throw new PaymentDeclinedError('The payment was declined; nothing was booked');
    if (auth.status === 'requires_action')
      return tx.bookings.updateGroup(group.id, { paymentStatus: 'REQUIRES_ACTION', paymentRef: auth.paymentRef });
    // Authorised: the capture is recorded here and taken after this transaction commits
    // (finishPendingPayment), never with the group's row lock held across Stripe.
    held = await tx.bookings.updateGroup(group.id, { paymentRef: auth.paymentRef, paymentStatus: 'AUTHORIZED' });
    return tx.bookings.setPendingPayment(group.id, {
      step: 'CAPTURE',
      key: `${group.id}:capture`,
      refundCents: null,
      party: null,
    });
  }

  /** A money step on the order timeline (capture, a leg's transfer), by the system, once per key. */
  private async paymentStep(tx: BookingTx, group: BookingGroup, action: 'CAPTURE' | 'TRANSFER', key: string) {
    await tx.bookings.appendTimeline({
      actor: SYSTEM,
      key,
      action,
      groupId: group.id,
      fromStatus: group.status,
      toStatus: group.status,
    });
  }

  /** Declined, cancelled or expired: the status, the time freed, the event; a system timeline entry for expiry. */
  private async close(
    tx: BookingTx,
    group: BookingGroup,
    status: 'DECLINED' | 'CANCELLED' | 'EXPIRED',
    patch: GroupPatch,
  ): Promise<BookingGroup> {
    const closed = await tx.bookings.updateGroup(group.id, { ...patch, status });
    await tx.bookings.setLegsActive(group.id, false);
    if (status === 'EXPIRED')
      await tx.bookings.appendTimeline({
        actor: SYSTEM,
        key: `${group.id}:expired`,
        action: 'EXPIRE',
        groupId: group.id,
        fromStatus: group.status,
        toStatus: 'EXPIRED',
      });
    await this.emit(tx, closed, await tx.bookings.legsOf([group.id]), group.status);
    return closed;
  }

  /**
   * Step (3) of a void: the payment status a closing group gets. A held authorisation must have been
   * voided by the step taken before this transaction (never here, with the row locked); the marker goes.
   */
  private async voided(
    tx: BookingTx,
    group: BookingGroup,
    outcome: MoneyOutcome | null,
  ): Promise<BookingGroup['paymentStatus']> {
    if (group.pendingPayment?.step === 'VOID') await tx.bookings.setPendingPayment(group.id, null);
    if (!isHeld(group)) return group.paymentStatus;
    if (outcome?.step !== 'VOID') throw new InvalidTransitionError('The booking changed while closing; try again');
    return 'VOIDED';
  }

  private async emit(
    tx: BookingTx,
    group: BookingGroup,
    legs: readonly BookingLeg[],
    fromStatus: BookingStatus | null,
    type: ReturnType<typeof eventTypeFor> | 'booking.accepted' = eventTypeFor(group.status),
  ): Promise<void> {
    await enqueueEvent(tx, buildEvent(type, eventPayload(group, legs, fromStatus)));
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private async ownedListing(user: UserCaller, resourceId: string): Promise<BookableListing> {
    const listing = (await this.db.listings.bookableListings([resourceId]))[0];
    if (!listing || listing.ownerUserId !== user.userId) throw new NotFoundError('Listing not found');
    return listing;
  }

  /** Published listings of active owners, in the order asked; anything else is NOT_FOUND. */
  private async bookable(ids: readonly string[]): Promise<BookableListing[]> {
    const found = await this.db.listings.bookableListings(ids);
    return ids.map((id) => {
      const listing = found.find((candidate) => candidate.id === id);
      if (!listing?.bookable) throw new NotFoundError('Listing not found');
      return listing;
    });
  }

  /** Every listing must have published its availability to be bookable. */
  private async settingsOf(listings: readonly BookableListing[]): Promise<BookingSettings[]> {
    const settings = await this.db.settings.find(listings.map((listing) => listing.id));
    return listings.map((listing) => {
      const found = settings.find((candidate) => candidate.resourceId === listing.id);
      if (!found) throw new NotFoundError('This listing has no availability yet');
      return found;
    });
  }

  private async calendars(
    db: Pick<BookingData, 'bookings'>,
    settings: readonly BookingSettings[],
    from: number,
    to: number,
    exceptGroupId?: string,
  ): Promise<ResourceCalendar[]> {
    const blocked = await db.bookings.blockedRanges(
      settings.map((s) => s.resourceId),
      new Date(from),
      new Date(to),
      ...(exceptGroupId ? [exceptGroupId] : []),
    );
    return settings.map((s) => ({ availability: s.availability, blocked: blocked.get(s.resourceId) ?? [] }));
  }

  private async view(
    db: Pick<BookingData, 'bookings'>,
    group: BookingGroup,
    legs: readonly BookingLeg[],
    viewerId: string,
  ): Promise<BookingView> {
    const role: Party = group.clientUserId === viewerId ? 'CLIENT' : 'OWNER';
    const visible = role === 'CLIENT' ? legs : legs.filter((leg) => leg.ownerUserId === viewerId);
    const ownAccepted = visible.every((leg) => leg.accepted);
    const ownsEveryLeg = legs.every((leg) => leg.ownerUserId === viewerId);
    const timeline: TimelineEntry[] = await db.bookings.timeline(group.id);
    const mayCancel = role === 'CLIENT' && mayAct('CANCEL', group.status, 'CLIENT');
    return {
      id: group.id,
      viewerRole: role,
      status: group.status,
      instantBook: group.instantBook,
      startsAt: group.startsAt.toISOString(),
      endsAt: group.endsAt.toISOString(),
      amountCents: visible.reduce((sum, leg) => sum + leg.amountCents, 0),
      currency: group.currency,
      cancellationPolicy: group.cancellationPolicy,
      respondBy: iso(group.respondBy),
      holdExpiresAt: iso(group.holdExpiresAt),
      paymentStatus: group.paymentStatus,
      refundCents: group.refundCents,
      legs: visible.map((leg) => ({
        id: leg.id,
        resourceType: leg.resourceType,
        resourceId: leg.resourceId,
        startsAt: leg.startsAt.toISOString(),
        endsAt: leg.endsAt.toISOString(),
        amountCents: leg.amountCents,
        accepted: leg.accepted,
      })),
      timeline: timeline.map((entry) => ({
        at: entry.at.toISOString(),
        action: entry.action,
        by: entry.actor === group.clientUserId ? 'CLIENT' : entry.actor.startsWith('system:') ? 'SYSTEM' : 'OWNER',
        fromStatus: entry.fromStatus,
        toStatus: entry.toStatus,
      })),
      myActions: nextActions(group.status, role, { ownLegsAccepted: ownAccepted, soleOwner: ownsEveryLeg }),
      actionCards:
        role === 'CLIENT'
          ? [
              { party: 'CLIENT', actions: nextActions(group.status, 'CLIENT') },
              {
                party: 'OWNER',
                actions: nextActions(group.status, 'OWNER', {
                  ownLegsAccepted: legs.every((leg) => leg.accepted),
                  soleOwner: new Set(legs.map((leg) => leg.ownerUserId)).size === 1,
                }),
              },
            ]
          : [
              {
                party: 'OWNER',
                actions: nextActions(group.status, 'OWNER', { ownLegsAccepted: ownAccepted, soleOwner: ownsEveryLeg }),
              },
              { party: 'CLIENT', actions: nextActions(group.status, 'CLIENT') },
            ],
      cancellationQuote: mayCancel
        ? group.paymentStatus === 'CAPTURED'
          ? quoteCancellation({
              policy: group.cancellationPolicy,
              amountCents: group.amountCents,
              startsAt: group.startsAt.getTime(),
              now: this.clock.nowMs(),
              cancelledBy: 'client',
            })
          : {
              policy: group.cancellationPolicy,
              refundPercent: 100,
              refundCents: 0,
              retainedCents: 0,
              explanation: 'Nothing has been charged yet: cancelling releases the time and any authorisation.',
            }
        : null,
    };
  }
}

function eventPayload(group: BookingGroup, legs: readonly BookingLeg[], fromStatus: BookingStatus | null) {
  return {
    groupId: group.id,
    clientUserId: group.clientUserId,
    fromStatus,
    status: group.status,
    startsAt: group.startsAt.toISOString(),
    endsAt: group.endsAt.toISOString(),
    legs: legs.map((leg) => ({
      legId: leg.id,
      resourceType: leg.resourceType,
      resourceId: leg.resourceId,
      ownerUserId: leg.ownerUserId,
    })),
  };
}

function resourceIdsOf(input: { profileId?: string | null; studioId?: string | null }): string[] {
  return [input.profileId, input.studioId].filter((id): id is string => Boolean(id));
}

function partyOf(userId: string, group: BookingGroup, legs: readonly BookingLeg[]): Party | null {
  if (group.clientUserId === userId) return 'CLIENT';
  return legs.some((leg) => leg.ownerUserId === userId) ? 'OWNER' : null;
}

function isDue(group: BookingGroup, now: Date): boolean {
  const deadline =
    group.status === 'HOLD' ? group.holdExpiresAt : group.status === 'REQUESTED' ? group.respondBy : null;
  return deadline !== null && deadline.getTime() <= now.getTime();
}

function replay(claim: { requestHash: string; response: unknown }, requestHash: string): BookingView {
  if (claim.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
  return claim.response as BookingView;
}
