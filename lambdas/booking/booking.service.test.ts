import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { Caller } from '../core/identity.ts';
import type { Logger } from '../core/log.ts';
import { newDomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import { fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { BookableListing } from '../profiles/index.ts';
import { availabilitySchema } from './availability.ts';
import type { BookingRepositories } from './booking.repositories.ts';
import type {
  BookingGroup,
  BookingLeg,
  BookingSettings,
  BookingSettingsStore,
  BookingStore,
  Claim,
  TimelineEntry,
} from './booking.repository.ts';
import { BookingService } from './booking.service.ts';
import type { BookingPaymentsPort } from './payments.port.ts';
import { BookingConflictError } from './booking.errors.ts';

/** In-memory stores with the repositories' semantics (claims, exclusion on active blocked ranges). */
function memoryStores(listings: BookableListing[]) {
  const groups = new Map<string, BookingGroup>();
  const legs: BookingLeg[] = [];
  const settings = new Map<string, BookingSettings>();
  const transitions: {
    id: number;
    actor: string;
    key: string;
    hash: string;
    action: string;
    groupId: string | null;
    from: BookingGroup['status'] | null;
    to: BookingGroup['status'] | null;
    response: unknown;
    at: Date;
  }[] = [];
  const bookings: BookingStore = {
    claim: async (actor, key, hash, action): Promise<Claim> => {
      const found = transitions.find((t) => t.actor === actor && t.key === key);
      if (found) return { claimed: false, requestHash: found.hash, response: found.response };
      const id = transitions.length + 1;
      transitions.push({
        id,
        actor,
        key,
        hash,
        action,
        groupId: null,
        from: null,
        to: null,
        response: null,
        at: new Date(),
      });
      return { claimed: true, transitionId: id };
    },
    findClaim: async (actor, key) => {
      const found = transitions.find((t) => t.actor === actor && t.key === key && t.response !== null);
      return found ? { requestHash: found.hash, response: found.response } : null;
    },
    recordTransition: async (id, entry) => {
      Object.assign(transitions[id - 1]!, { groupId: entry.groupId, from: entry.fromStatus, to: entry.toStatus });
    },
    saveResponse: async (id, response) => {
      transitions[id - 1]!.response = JSON.parse(JSON.stringify(response));
    },
    appendTimeline: async (entry) => {
      if (transitions.some((t) => t.actor === entry.actor && t.key === entry.key)) return;
      transitions.push({
        id: transitions.length + 1,
        actor: entry.actor,
        key: entry.key,
        hash: '',
        action: entry.action,
        groupId: entry.groupId,
        from: entry.fromStatus,
        to: entry.toStatus,
        response: null,
        at: new Date(),
      });
    },
    anyTimelineKey: async (actor, keys) => transitions.some((t) => t.actor === actor && keys.includes(t.key)),
    timeline: async (groupId): Promise<TimelineEntry[]> =>
      transitions
        .filter((t) => t.groupId === groupId && t.to)
        .map((t) => ({ actor: t.actor, action: t.action, fromStatus: t.from, toStatus: t.to, at: t.at })),
    insertGroup: async (group) => {
      groups.set(group.id, { ...group, version: 1, paymentRef: null, refundCents: null, pendingPayment: null });
    },
    insertLegs: async (newLegs) => {
      for (const leg of newLegs) {
        const clash = legs.some(
          (other) =>
            other.active &&
            other.resourceId === leg.resourceId &&
            other.blockedStart < leg.blockedEnd &&
            leg.blockedStart < other.blockedEnd,
        );
        if (clash) throw new BookingConflictError('That time is no longer available');
        legs.push({ ...leg, active: true });
      }
    },
    findGroup: async (id) => groups.get(id) ?? null,
    findGroups: async (ids) => ids.flatMap((id) => (groups.has(id) ? [groups.get(id)!] : [])),
    legsOf: async (ids) => legs.filter((leg) => ids.includes(leg.groupId)).map((leg) => ({ ...leg })),
    updateGroup: async (id, patch) => {
      const next = { ...groups.get(id)!, ...patch, version: groups.get(id)!.version + 1 };
      groups.set(id, next);
      return next;
    },
    setPendingPayment: async (id, pending) => {
      const next = { ...groups.get(id)!, pendingPayment: pending };
      groups.set(id, next);
      return next;
    },
    stalePendingPaymentGroupIds: async () =>
      [...groups.values()].filter((group) => group.pendingPayment).map((group) => group.id),
    setLegsActive: async (groupId, active) => {
      for (const leg of legs) if (leg.groupId === groupId) Object.assign(leg, { active });
    },
    acceptLegs: async (groupId, owner) => {
      for (const leg of legs)
        if (leg.groupId === groupId && leg.ownerUserId === owner) Object.assign(leg, { accepted: true });
    },
    moveLegs: async (moves, options) => {
      for (const move of moves) {
        const leg = legs.find((candidate) => candidate.id === move.id)!;
        const clash = legs.some(
          (other) =>
            other.id !== leg.id &&
            other.active &&
            other.resourceId === leg.resourceId &&
            other.blockedStart < move.blockedEnd &&
            move.blockedStart < other.blockedEnd,
        );
        if (clash) throw new BookingConflictError('That time is no longer available');
        Object.assign(leg, move, options.resetAcceptance ? { accepted: false } : {});
      }
    },
    blockedRanges: async (ids, _from, _to, exceptGroupId) =>
      new Map(
        ids.map((id) => [
          id,
          legs
            .filter((leg) => leg.active && leg.resourceId === id && leg.groupId !== exceptGroupId)
            .map((leg) => ({ start: leg.blockedStart.getTime(), end: leg.blockedEnd.getTime() })),
        ]),
      ),
    groupIdsForClient: async (client) => [...groups.values()].filter((g) => g.clientUserId === client).map((g) => g.id),
    groupIdsForOwner: async (owner) => [...new Set(legs.filter((l) => l.ownerUserId === owner).map((l) => l.groupId))],
    dueGroupIds: async (now) =>
      [...groups.values()]
        .filter((g) => ['REQUESTED', 'HOLD'].includes(g.status) && (g.holdExpiresAt ?? g.respondBy)! <= now)
        .map((g) => g.id),
  };
  const settingsStore: BookingSettingsStore = {
    find: async (ids) => ids.flatMap((id) => (settings.has(id) ? [settings.get(id)!] : [])),
    upsert: async (s) => {
      const version = (settings.get(s.resourceId)?.version ?? 0) + 1;
      settings.set(s.resourceId, { ...s, version });
      return version;
    },
  };
  const repos: BookingRepositories = {
    bookings,
    settings: settingsStore,
    listings: { bookableListings: async (ids) => listings.filter((l) => ids.includes(l.id)) },
  };
  return { repos, groups, legs, transitions };
}

const user = (userId: string): Caller => ({
  kind: 'user',
  userId,
  roles: [],
  amr: ['pwd'],
  authTime: undefined,
  sessionId: undefined,
  expiresAt: 0,
});

function setup(
  options: {
    instantBook?: boolean;
    authorize?: 'authorized' | 'requires_action';
    /** Holds the refund or release at Stripe until the promise settles (another request lands meanwhile). */
    gate?: Promise<void>;
  } = {},
) {
  const owner = newId('user');
  const client = newId('user');
  const profileId = newId('profile');
  const listing: BookableListing = {
    id: profileId,
    type: 'PROFILE',
    ownerUserId: owner,
    bookable: true,
    instantBook: options.instantBook ?? false,
    hourlyRateCents: 12_000,
    currency: 'USD',
    timezone: 'Europe/London',
  };
  const stores = memoryStores([listing]);
  const uow = fakeUnitOfWork(stores.repos);
  const calls: string[] = [];
  const payments: BookingPaymentsPort = {
    authorize: async (input) => {
      calls.push(`authorize:${input.amountCents}:${input.currency}`);
      return { paymentRef: 'pay_1', status: options.authorize ?? 'authorized' };
    },
    capture: async () => {
      calls.push('capture');
      return { status: 'captured' };
    },
    void: async (input) => {
      calls.push(`void:${input.reason}`);
    },
    refund: async (input) => {
      calls.push(`refund:${input.amountCents}`);
      await options.gate;
    },
    release: async (input) => {
      await options.gate;
      calls.push(`release:${input.legs.map((leg) => `${leg.payeeUserId}:${leg.amountCents}`).join(',')}`);
      return input.legs.map((leg) => ({
        legId: leg.legId,
        transferId: `tr_${leg.legId}`,
        amountCents: leg.amountCents,
      }));
    },
  };
  const clock = new ManualClock(Date.parse('2026-06-01T08:00:00Z'));
  const errors: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message, fields) => errors.push({ message, fields }),
    child: () => logger,
  };
  const counted: string[] = [];
  const service = new BookingService(
    uow,
    payments,
    clock,
    { respondWithinMinutes: 120, holdMinutes: 15, startWindowMinutes: 60 },
    logger,
    { count: (name) => counted.push(name) },
  );
  return { service, uow, stores, calls, clock, owner, client, profileId, errors, counted };
}

async function open(s: ReturnType<typeof setup>) {
  await s.service.setAvailability(user(s.owner), {
    resourceId: s.profileId,
    cancellationPolicy: 'MODERATE',
    availability: availabilitySchema.parse({
      timezone: 'Europe/London',
      weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
      minNoticeMinutes: 60,
      bufferAfterMinutes: 30,
    }),
  });
}

const key = () => `k-${newId('request')}`;
const gid = (id: string) => id as `bkg_${string}`;
const START = '2026-06-10T09:00:00Z'; // 10:00 in London (BST)

describe('booking service', () => {
  it('requests, accepts and confirms: events, audit, payments in order, and the owner sees the action card', async () => {
    const s = setup();
    await open(s);
    const requested = await s.service.requestBooking(user(s.client), {
      idempotencyKey: key(),
      profileId: s.profileId,
      startsAt: START,
      durationMinutes: 90,
    });
    expect(requested).toMatchObject({
      status: 'REQUESTED',
      amountCents: 18_000,
      respondBy: '2026-06-01T10:00:00.000Z',
    });
    const ownerView = await s.service.booking(user(s.owner), requested.id);
    expect(ownerView.myActions).toEqual(['ACCEPT', 'DECLINE', 'CANCEL', 'RESCHEDULE']);
    const confirmed = await s.service.act(user(s.owner), {
      idempotencyKey: key(),
      groupId: gid(requested.id),
      action: 'ACCEPT',
    });
    expect(confirmed.status).toBe('CONFIRMED');
    expect(s.calls).toEqual(['authorize:18000:USD', 'capture']);
    expect(s.uow.kernel.eventTypes()).toEqual([
      'booking.requested',
      'booking.accepted',
      'booking.held',
      'booking.confirmed',
    ]);
    expect(s.uow.kernel.auditActions()).toEqual(['booking.availability.set', 'booking.request', 'booking.accept']);
  });

  it('completion releases each leg to its owner through the port, once, with capture and transfer on the timeline', async () => {
    const s = setup({ instantBook: true });
    await open(s);
    const group = await s.service.requestBooking(user(s.client), {
      idempotencyKey: key(),
      profileId: s.profileId,
      startsAt: START,
      durationMinutes: 60,
    });
    expect(group.status).toBe('CONFIRMED');
    s.clock.set(new Date(START));
    await s.service.act(user(s.owner), { idempotencyKey: key(), groupId: gid(group.id), action: 'START' });
    const done = await s.service.act(user(s.owner), {
      idempotencyKey: key(),
      groupId: gid(group.id),
      action: 'COMPLETE',
    });
    await expect(
      s.service.act(user(s.owner), { idempotencyKey: key(), groupId: gid(group.id), action: 'COMPLETE' }),
    ).rejects.toMatchObject({ code: 'BOOKING.INVALID_TRANSITION' });
    expect(s.calls.filter((call) => call.startsWith('release'))).toEqual([`release:${s.owner}:12000`]);
    expect(done.timeline.map((entry) => [entry.action, entry.by, entry.toStatus])).toEqual([
      ['REQUEST', 'CLIENT', 'REQUESTED'],
      ['HOLD', 'SYSTEM', 'HOLD'],
      ['CAPTURE', 'SYSTEM', 'HOLD'],
      ['CONFIRM', 'SYSTEM', 'CONFIRMED'],
      ['START', 'OWNER', 'IN_PROGRESS'],
      ['COMPLETE', 'OWNER', 'COMPLETED'],
      ['TRANSFER', 'SYSTEM', 'COMPLETED'],
    ]);
  });

  it('replays a transition with the same key: the first answer, no second effect', async () => {
    const s = setup({ instantBook: true });
    await open(s);
    const group = await s.service.requestBooking(user(s.client), {
      idempotencyKey: key(),
      profileId: s.profileId,
      startsAt: START,
      durationMinutes: 60,
    });
    expect(group.status).toBe('CONFIRMED');
    const cancelKey = key();
    const first = await s.service.act(user(s.client), {
      idempotencyKey: cancelKey,
      groupId: gid(group.id),
      action: 'CANCEL',
    });
    const again = await s.service.act(user(s.client), {
      idempotencyKey: cancelKey,
      groupId: gid(group.id),
      action: 'CANCEL',
    });
    expect(again).toEqual(first);
    // Nine days before under MODERATE: a full refund, paid once.
    expect(s.calls.filter((call) => call.startsWith('refund'))).toEqual(['refund:12000']);
    expect(s.uow.kernel.eventTypes().filter((type) => type === 'booking.cancelled')).toHaveLength(1);
    await expect(
      s.service.act(user(s.client), { idempotencyKey: cancelKey, groupId: gid(group.id), action: 'DISPUTE' }),
    ).rejects.toMatchObject({ code: 'BOOKING.IDEMPOTENCY_KEY_REUSED' });
  });

  it('answers NOT_FOUND to anyone but the client and the owners, and refuses a taken slot as BOOKING.CONFLICT', async () => {
    const s = setup();
    await open(s);
    const group = await s.service.requestBooking(user(s.client), {
      idempotencyKey: key(),
      profileId: s.profileId,
      startsAt: START,
      durationMinutes: 60,
    });
    const stranger = user(newId('user'));
    await expect(s.service.booking(stranger, group.id)).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    await expect(
      s.service.act(stranger, { idempotencyKey: key(), groupId: gid(group.id), action: 'CANCEL' }),
    ).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    // 10:00–11:00 plus the 30-minute after-buffer: 11:00 is still inside the buffer, 11:30 is free.
    await expect(
      s.service.requestBooking(user(newId('user')), {
        idempotencyKey: key(),
        profileId: s.profileId,
        startsAt: '2026-06-10T10:00:00Z',
        durationMinutes: 60,
      }),
    ).rejects.toMatchObject({ code: 'BOOKING.CONFLICT' });
    await expect(
      s.service.requestBooking(user(s.owner), {
        idempotencyKey: key(),
        profileId: s.profileId,
        startsAt: '2026-06-11T10:00:00Z',
        durationMinutes: 60,
      }),
    ).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    await expect(
      s.service.requestBooking(user(newId('user')), {
        idempotencyKey: key(),
        profileId: s.profileId,
        startsAt: '2026-06-10T15:30:00Z',
        durationMinutes: 60,
      }),
    ).rejects.toMatchObject({ code: 'BOOKING.SLOT_UNAVAILABLE', details: { reason: 'closed' } });
  });

  it('expires a hold at read time past its deadline, frees the slot and voids the authorisation', async () => {
    const s = setup({ instantBook: true, authorize: 'requires_action' });
    await open(s);
    const held = await s.service.requestBooking(user(s.client), {
      idempotencyKey: key(),
      profileId: s.profileId,
      startsAt: START,
      durationMinutes: 60,
    });
    expect(held).toMatchObject({
      status: 'HOLD',
      paymentStatus: 'REQUIRES_ACTION',
      myActions: ['CONFIRM', 'CANCEL', 'RESCHEDULE'],
    });
    s.clock.advance(16 * 60_000);
    const expired = await s.service.booking(user(s.client), held.id);
    expect(expired).toMatchObject({ status: 'EXPIRED', paymentStatus: 'VOIDED' });
    expect(s.calls.at(-1)).toBe('void:expired');
    expect(s.stores.legs.every((leg) => !leg.active)).toBe(true);
    const again = await s.service.requestBooking(user(newId('user')), {
      idempotencyKey: key(),
      profileId: s.profileId,
      startsAt: START,
      durationMinutes: 60,
    });
    expect(again.status).toBe('HOLD');
    // The sweep finds nothing more to do at this time, and the second hold once its deadline passed.
    expect(await s.service.sweep(s.clock.now())).toEqual({ expired: 0, paymentsFinished: 0, failed: 0 });
    s.clock.advance(16 * 60_000);
    expect(await s.service.sweep(s.clock.now())).toEqual({ expired: 1, paymentsFinished: 0, failed: 0 });
  });

  it('lists slots for the preview without the booked time and its buffer', async () => {
    const s = setup({ instantBook: true });
    await open(s);
    const before = await s.service.slots({ profileId: s.profileId, durationMinutes: 60, from: START, days: 1 });
    expect(before.slots.slice(0, 3).map((slot) => slot.startsAt)).toEqual([
      '2026-06-10T09:00:00.000Z',
      '2026-06-10T09:30:00.000Z',
      '2026-06-10T10:00:00.000Z',
    ]);
    await s.service.requestBooking(user(s.client), {
      idempotencyKey: key(),
      profileId: s.profileId,
      startsAt: START,
      durationMinutes: 60,
    });
    const after = await s.service.slots({ profileId: s.profileId, durationMinutes: 60, from: START, days: 1 });
    // Booked 10:00–11:00 BST with a 30-minute after-buffer: the next start is 11:30 BST.
    expect(after.slots[0]!.startsAt).toBe('2026-06-10T10:30:00.000Z');
  });

  describe('reschedule', () => {
    const confirmedGroup = async (s: ReturnType<typeof setup>, startsAt = START) =>
      s.service.requestBooking(user(s.client), {
        idempotencyKey: key(),
        profileId: s.profileId,
        startsAt,
        durationMinutes: 60,
      });

    it('moves every leg and the group atomically, once per key, with one event and one audit entry', async () => {
      const s = setup({ instantBook: true });
      await open(s);
      const group = await confirmedGroup(s);
      const input = { idempotencyKey: key(), groupId: gid(group.id), startsAt: '2026-06-11T12:00:00Z' };
      const first = await s.service.reschedule(user(s.client), input);
      const second = await s.service.reschedule(user(s.client), input);
      expect(second).toEqual(first);
      expect(first).toMatchObject({
        status: 'CONFIRMED',
        startsAt: '2026-06-11T12:00:00.000Z',
        endsAt: '2026-06-11T13:00:00.000Z',
      });
      expect(first.legs[0]).toMatchObject({ startsAt: '2026-06-11T12:00:00.000Z', endsAt: '2026-06-11T13:00:00.000Z' });
      expect(first.timeline.at(-1)).toMatchObject({ action: 'RESCHEDULE', by: 'CLIENT', toStatus: 'CONFIRMED' });
      // The blocked range moved with the leg (buffer included).
      expect(s.stores.legs[0]).toMatchObject({
        blockedStart: new Date('2026-06-11T12:00:00Z'),
        blockedEnd: new Date('2026-06-11T13:30:00Z'),
      });
      expect(s.uow.kernel.eventTypes().filter((type) => type === 'booking.rescheduled')).toHaveLength(1);
      expect(s.uow.kernel.auditActions().filter((action) => action === 'booking.reschedule')).toHaveLength(1);
      await expect(
        s.service.reschedule(user(s.client), { ...input, startsAt: '2026-06-12T12:00:00Z' }),
      ).rejects.toMatchObject({ code: 'BOOKING.IDEMPOTENCY_KEY_REUSED' });
    });

    it('may overlap its own old time, but another booking is BOOKING.CONFLICT and a closed hour SLOT_UNAVAILABLE', async () => {
      const s = setup({ instantBook: true });
      await open(s);
      const mine = await confirmedGroup(s);
      await confirmedGroup(s, '2026-06-10T12:00:00Z');
      const shifted = await s.service.reschedule(user(s.client), {
        idempotencyKey: key(),
        groupId: gid(mine.id),
        startsAt: '2026-06-10T09:30:00Z',
      });
      expect(shifted.startsAt).toBe('2026-06-10T09:30:00.000Z');
      await expect(
        s.service.reschedule(user(s.client), {
          idempotencyKey: key(),
          groupId: gid(mine.id),
          startsAt: '2026-06-10T11:30:00Z',
        }),
      ).rejects.toBeInstanceOf(BookingConflictError);
      await expect(
        s.service.reschedule(user(s.client), {
          idempotencyKey: key(),
          groupId: gid(mine.id),
          startsAt: '2026-06-10T20:00:00Z',
        }),
      ).rejects.toMatchObject({ code: 'BOOKING.SLOT_UNAVAILABLE' });
      // Nothing moved by the refusals.
      expect((await s.service.booking(user(s.client), mine.id)).startsAt).toBe('2026-06-10T09:30:00.000Z');
    });

    it('follows the kernel: too late for the client under the policy, never by the owner once accepted, NOT_FOUND to strangers', async () => {
      const s = setup({ instantBook: true });
      await open(s);
      const group = await confirmedGroup(s);
      // MODERATE: free until 5 days before the start; 9 days remain now, 3 days after the clock moves.
      s.clock.advance(6 * 24 * 3_600_000);
      await expect(
        s.service.reschedule(user(s.client), {
          idempotencyKey: key(),
          groupId: gid(group.id),
          startsAt: '2026-06-11T12:00:00Z',
        }),
      ).rejects.toMatchObject({ code: 'BOOKING.INVALID_TRANSITION', message: expect.stringContaining('5 days') });
      await expect(
        s.service.reschedule(user(s.owner), {
          idempotencyKey: key(),
          groupId: gid(group.id),
          startsAt: '2026-06-11T12:00:00Z',
        }),
      ).rejects.toMatchObject({ code: 'BOOKING.INVALID_TRANSITION' });
      await expect(
        s.service.reschedule(user(newId('user')), {
          idempotencyKey: key(),
          groupId: gid(group.id),
          startsAt: '2026-06-11T12:00:00Z',
        }),
      ).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    });
  });

  describe('a money step in flight', () => {
    function gated() {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      return { s: setup({ instantBook: true, gate }), open };
    }
    async function confirmed(s: ReturnType<typeof setup>) {
      await open(s);
      const group = await s.service.requestBooking(user(s.client), {
        idempotencyKey: key(),
        profileId: s.profileId,
        startsAt: START,
        durationMinutes: 60,
      });
      expect(group.status).toBe('CONFIRMED');
      return gid(group.id);
    }
    const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

    it('refuses START while a CANCEL’s refund is at Stripe: the cancellation lands, refunded, nothing else', async () => {
      const { s, open: release } = gated();
      const groupId = await confirmed(s);
      s.clock.set(new Date(Date.parse(START) - 30 * 60_000)); // inside the start window
      const cancelling = s.service.act(user(s.owner), { idempotencyKey: key(), groupId, action: 'CANCEL' });
      await settle(); // the marker is recorded and the refund is at Stripe
      expect(s.calls.at(-1)).toBe('refund:12000');
      await expect(
        s.service.act(user(s.owner), { idempotencyKey: key(), groupId, action: 'START' }),
      ).rejects.toMatchObject({ code: 'BOOKING.PAYMENT_IN_PROGRESS', errorType: 'CONFLICT' });
      release();
      expect(await cancelling).toMatchObject({ status: 'CANCELLED', paymentStatus: 'REFUNDED' });
      expect(s.stores.groups.get(groupId)!.pendingPayment).toBeNull();
      expect(s.counted).toEqual([]);
    });

    it('refuses DISPUTE while COMPLETE’s payout is at Stripe', async () => {
      const { s, open: release } = gated();
      const groupId = await confirmed(s);
      s.clock.set(new Date(START));
      await s.service.act(user(s.owner), { idempotencyKey: key(), groupId, action: 'START' });
      const completing = s.service.act(user(s.owner), { idempotencyKey: key(), groupId, action: 'COMPLETE' });
      await settle();
      await expect(
        s.service.act(user(s.client), { idempotencyKey: key(), groupId, action: 'DISPUTE' }),
      ).rejects.toMatchObject({ code: 'BOOKING.PAYMENT_IN_PROGRESS' });
      release();
      expect(await completing).toMatchObject({ status: 'COMPLETED' });
      expect((await s.service.act(user(s.client), { idempotencyKey: key(), groupId, action: 'DISPUTE' })).status).toBe(
        'DISPUTED',
      );
    });

    it('a refund Stripe made that can no longer be applied is audited, logged and counted, not dropped silently', async () => {
      const s = setup({ instantBook: true });
      const groupId = await confirmed(s);
      // The state the old race left (or a manual change): a CANCEL's refund recorded, the group moved on.
      const group = s.stores.groups.get(groupId)!;
      s.stores.groups.set(groupId, {
        ...group,
        status: 'IN_PROGRESS',
        pendingPayment: { step: 'REFUND', key: `${groupId}:refund`, refundCents: 12_000, party: 'CLIENT' },
      });
      expect(await s.service.finishPendingPayment(groupId)).toBe(false);
      expect(s.stores.groups.get(groupId)).toMatchObject({ status: 'IN_PROGRESS', pendingPayment: null });
      expect(s.uow.kernel.auditActions().at(-1)).toBe('booking.payment-unapplied');
      expect(s.uow.kernel.audit.at(-1)!.details).toMatchObject({
        step: 'REFUND',
        refundCents: 12_000,
        status: 'IN_PROGRESS',
      });
      expect(s.counted).toEqual(['BookingPaymentUnapplied']);
      expect(s.errors).toEqual([expect.objectContaining({ fields: expect.objectContaining({ groupId }) })]);
    });

    it('a dispute status delivered after a later one (UNDER_REVIEW after WON) adds no timeline entry; in order all show', async () => {
      const chargebacks = async (s: ReturnType<typeof setup>, groupId: string, statuses: string[]) => {
        for (const status of statuses)
          await s.service.onPaymentDispute(
            newDomainEvent('payment.dispute.changed', {
              disputeId: 'dp_test1',
              groupId,
              status,
              reason: 'fraudulent',
              amountCents: 12_000,
              currency: 'usd',
              evidenceDueBy: null,
            }),
          );
        return (await s.service.booking(user(s.client), groupId)).timeline
          .map((entry) => entry.action)
          .filter((action) => action.startsWith('CHARGEBACK_'));
      };
      const late = setup({ instantBook: true });
      expect(await chargebacks(late, await confirmed(late), ['needs_response', 'won', 'under_review', 'won'])).toEqual([
        'CHARGEBACK_NEEDS_RESPONSE',
        'CHARGEBACK_WON',
      ]);
      const inOrder = setup({ instantBook: true });
      expect(await chargebacks(inOrder, await confirmed(inOrder), ['needs_response', 'under_review', 'won'])).toEqual([
        'CHARGEBACK_NEEDS_RESPONSE',
        'CHARGEBACK_UNDER_REVIEW',
        'CHARGEBACK_WON',
      ]);
    });
  });
});
