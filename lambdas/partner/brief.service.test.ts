import { describe, expect, it } from 'vitest';
import type { PartnerOrderRow, PartnerOrders } from '../booking/index.ts';
import { ManualClock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { PartnerPayoutRow, PartnerPayouts } from '../payments/index.ts';
import type { PartnerListings, PartnerProfileRow } from '../profiles/index.ts';
import type { BriefRow, BriefStore, InviteRow, NewBrief } from './brief.repository.ts';
import { BriefService } from './brief.service.ts';
import type { ClientRow, ClientStore } from './client.repository.ts';
import type { WebhookStore } from './webhook.repository.ts';
import { createBriefBody } from './partner.schemas.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 30, 12));
// Real ids: the brief and invite events' payloads are checked against the catalog.
const A = newId('partnerClient');
const B = newId('partnerClient');
const P = newId('profile');
const M = newId('profile');
const caller = { clientId: A, scopes: new Set(['write:briefs', 'write:invites', 'read:orders', 'read:payouts']) };
const other = { ...caller, clientId: B };

/** In-memory briefs and invites with the table's rules: known cities, one invite per provider and brief. */
function memoryBriefs(cities: string[]) {
  const briefs: BriefRow[] = [];
  const invites: (InviteRow & { client_id: string })[] = [];
  const store: BriefStore = {
    insertBrief: async (b: NewBrief) => {
      if (!cities.includes(b.cityCode)) return null;
      const row: BriefRow = {
        brief_id: b.briefId,
        client_id: b.clientId,
        role: b.role,
        city_code: b.cityCode,
        date_from: b.dateFrom,
        date_to: b.dateTo,
        budget_min_cents: b.budgetMinCents,
        budget_max_cents: b.budgetMaxCents,
        currency: b.currency,
        description: b.description,
        status: 'open',
        created_at: clock.now(),
        updated_at: clock.now(),
      };
      briefs.push(row);
      return row;
    },
    findBrief: async (id, clientId) => briefs.find((b) => b.brief_id === id && b.client_id === clientId) ?? null,
    lockBrief: async (id, clientId) => briefs.find((b) => b.brief_id === id && b.client_id === clientId) ?? null,
    closeBrief: async (id) => {
      const row = briefs.find((b) => b.brief_id === id)!;
      Object.assign(row, { status: 'closed', updated_at: clock.now() });
      return { ...row };
    },
    listBriefs: async (clientId, o) =>
      briefs
        .filter(
          (b) =>
            b.client_id === clientId && (!o.before || b.brief_id < o.before) && (!o.status || b.status === o.status),
        )
        .toSorted((x, y) => (x.brief_id < y.brief_id ? 1 : -1))
        .slice(0, o.limit),
    listInvites: async (clientId, o) =>
      invites
        .filter(
          (i) =>
            i.client_id === clientId &&
            (!o.before || i.invite_id < o.before) &&
            (!o.briefId || i.brief_id === o.briefId),
        )
        .toSorted((x, y) => (x.invite_id < y.invite_id ? 1 : -1))
        .slice(0, o.limit),
    insertInvite: async (i) => {
      if (invites.some((x) => x.brief_id === i.briefId && x.profile_id === i.profileId)) return null;
      const row = {
        invite_id: i.inviteId,
        brief_id: i.briefId,
        client_id: i.clientId,
        profile_id: i.profileId,
        message: i.message,
        status: 'sent' as const,
        created_at: clock.now(),
      };
      invites.push(row);
      return row;
    },
  };
  return { store, briefs, invites };
}

const photographer = { id: P, role: 'PHOTOGRAPHER' } as PartnerProfileRow;
const model = { id: M, role: 'MODEL' } as PartnerProfileRow;

const orderRow: PartnerOrderRow = {
  id: 'bkg_1',
  status: 'CONFIRMED',
  instant_book: false,
  starts_at: new Date('2026-12-10T17:00:00Z'),
  ends_at: new Date('2026-12-10T18:00:00Z'),
  amount_cents: 20000,
  currency: 'usd',
  cancellation_policy: 'MODERATE',
  payment_status: 'AUTHORIZED',
  created_at: clock.now(),
  updated_at: clock.now(),
  legs: [
    {
      id: 'bkl_1',
      resource_type: 'PROFILE',
      resource_id: P,
      starts_at: new Date('2026-12-10T17:00:00Z'),
      ends_at: new Date('2026-12-10T18:00:00Z'),
      amount_cents: 20000,
      accepted: true,
    },
  ],
};

function setup(accounts: Record<string, string | null> = { [A]: 'usr_A', [B]: null }) {
  const memory = memoryBriefs(['us-nyc', 'us-lax']);
  const payoutRows: PartnerPayoutRow[] = Array.from({ length: 5 }, (_, i) => ({
    id: `tr_${i}`,
    group_id: `bkg_${i}`,
    leg_id: `bkl_${i}`,
    amount_cents: 1000 * (i + 1),
    reversed_cents: 0,
    currency: 'usd',
    created_at: new Date(Date.UTC(2026, 10, 1 + i)),
  }));
  const orders: PartnerOrders = {
    order: async (id, account) => (id === orderRow.id && account === 'usr_A' ? orderRow : null),
  };
  const payouts: PartnerPayouts = {
    list: async (account, page) =>
      account !== 'usr_A'
        ? []
        : payoutRows
            .toSorted((a, b) => b.created_at.getTime() - a.created_at.getTime())
            .filter((row) => !page.before || row.created_at < page.before.createdAt)
            .slice(0, page.limit),
  };
  const clients = fake<ClientStore>('clients', {
    find: async (clientId) => ({ client_id: clientId, account_user_id: accounts[clientId] ?? null }) as ClientRow,
  });
  const listings = fake<PartnerListings>('listings', {
    profile: async (id) => [photographer, model].find((p) => p.id === id) ?? null,
  });
  const db = fakeUnitOfWork({ clients, webhooks: fake<WebhookStore>('webhooks'), briefs: memory.store });
  return { service: new BriefService(db, listings, orders, payouts, clock), events: db.kernel.events, ...memory };
}

const briefBody = (overrides: Record<string, unknown> = {}) =>
  createBriefBody.parse({
    role: 'PHOTOGRAPHER',
    city: 'us-nyc',
    dateFrom: '2026-12-05',
    dateTo: '2026-12-20',
    budget: { minCents: 50000, maxCents: 150000 },
    description: 'Lookbook shoot, 10 looks, studio or street',
    ...overrides,
  });

describe('briefs', () => {
  it('creates a brief (USD by default) and refuses past dates, long windows, unknown cities, inverted bands', async () => {
    const { service, briefs } = setup();
    const made = await service.createBrief(caller, briefBody());
    expect(made).toMatchObject({
      role: 'PHOTOGRAPHER',
      city: 'us-nyc',
      dateFrom: '2026-12-05',
      budget: { minCents: 50000, maxCents: 150000, currency: 'USD' },
      status: 'open',
    });
    expect(made.id).toMatch(/^brf_/);
    await expect(service.createBrief(caller, briefBody({ dateFrom: '2026-11-29' }))).rejects.toMatchObject({
      code: 'REQUEST.INVALID',
    });
    await expect(
      service.createBrief(caller, briefBody({ dateFrom: '2026-12-01', dateTo: '2027-12-31' })),
    ).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    await expect(service.createBrief(caller, briefBody({ city: 'us-zzz' }))).rejects.toMatchObject({
      code: 'REQUEST.INVALID',
      issues: [{ path: 'city' }],
    });
    expect(() => briefBody({ budget: { minCents: 2, maxCents: 1 } })).toThrow();
    expect(() => briefBody({ dateTo: '2026-12-01' })).toThrow();
    expect(() => briefBody({ description: 'a\u0000b' })).toThrow();
    expect(briefs).toHaveLength(1);
  });
});

describe('invites', () => {
  it('invites a published provider of the brief’s role once; others’ briefs and unknown profiles are not found', async () => {
    const { service, invites } = setup();
    const made = await service.createBrief(caller, briefBody());
    const sent = await service.createInvite(caller, {
      briefId: made.id,
      profileId: P,
      message: 'Free on the 8th?',
    });
    expect(sent).toMatchObject({ briefId: made.id, profileId: P, status: 'sent', message: 'Free on the 8th?' });
    await expect(service.createInvite(caller, { briefId: made.id, profileId: P })).rejects.toMatchObject({
      code: 'PARTNER.ALREADY_INVITED',
    });
    await expect(service.createInvite(other, { briefId: made.id, profileId: P })).rejects.toMatchObject({
      code: 'RESOURCE.NOT_FOUND',
    });
    await expect(service.createInvite(caller, { briefId: made.id, profileId: 'prf_X' })).rejects.toMatchObject({
      code: 'RESOURCE.NOT_FOUND',
    });
    await expect(service.createInvite(caller, { briefId: made.id, profileId: M })).rejects.toMatchObject({
      code: 'REQUEST.INVALID',
    });
    expect(invites).toHaveLength(1);
  });
});

describe('brief and invite lists, closing, events', () => {
  it('emits brief.created, invite.created and brief.closed (once) with the owning client, in the change’s transaction', async () => {
    const { service, events } = setup();
    const made = await service.createBrief(caller, briefBody());
    const sent = await service.createInvite(caller, { briefId: made.id, profileId: P });
    const closed = await service.closeBrief(caller, made.id);
    expect(closed).toMatchObject({ id: made.id, status: 'closed' });
    // Closing again answers the closed brief and emits nothing more.
    expect(await service.closeBrief(caller, made.id)).toEqual(closed);
    expect(events.map((e) => [e.type, e.aggregateType, e.aggregateId])).toEqual([
      ['brief.created', 'partner_brief', made.id],
      ['invite.created', 'partner_brief', made.id],
      ['brief.closed', 'partner_brief', made.id],
    ]);
    expect(events[0]!.payload).toEqual({
      briefId: made.id,
      clientId: A,
      role: 'PHOTOGRAPHER',
      city: 'us-nyc',
      dateFrom: '2026-12-05',
      dateTo: '2026-12-20',
    });
    expect(events[1]!.payload).toEqual({ briefId: made.id, clientId: A, inviteId: sent.id, profileId: P });
    // A closed brief takes no invite; another client's brief cannot be closed or read.
    await expect(service.createInvite(caller, { briefId: made.id, profileId: M })).rejects.toMatchObject({
      code: 'PARTNER.BRIEF_CLOSED',
    });
    await expect(service.closeBrief(other, made.id)).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    await expect(service.brief(other, made.id)).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    expect(await service.brief(caller, made.id)).toEqual(closed);
  });

  it('pages the caller’s own briefs and invites newest first; a cursor is bound to its filters', async () => {
    const { service } = setup();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await service.createBrief(caller, briefBody()));
    await service.createBrief(other, briefBody());
    await service.closeBrief(caller, made[0]!.id);
    const ids = made
      .map((b) => b.id)
      .toSorted()
      .toReversed();
    const first = await service.listBriefs(caller, { limit: 2 });
    const second = await service.listBriefs(caller, { limit: 2, cursor: first.nextCursor! });
    const third = await service.listBriefs(caller, { limit: 2, cursor: second.nextCursor! });
    expect([...first.data, ...second.data, ...third.data].map((b) => b.id)).toEqual(ids);
    expect(third.nextCursor).toBeNull();
    expect((await service.listBriefs(caller, { limit: 10, status: 'closed' })).data.map((b) => b.id)).toEqual([
      made[0]!.id,
    ]);
    await expect(
      service.listBriefs(caller, { limit: 2, status: 'open', cursor: first.nextCursor! }),
    ).rejects.toMatchObject({ code: 'PARTNER.INVALID_CURSOR' });
    await service.createInvite(caller, { briefId: made[1]!.id, profileId: P });
    await service.createInvite(caller, { briefId: made[2]!.id, profileId: P });
    const invites = await service.listInvites(caller, { limit: 1 });
    expect(invites.data).toHaveLength(1);
    const rest = await service.listInvites(caller, { limit: 1, cursor: invites.nextCursor! });
    expect([...invites.data, ...rest.data].map((i) => i.briefId).toSorted()).toEqual(
      [made[1]!.id, made[2]!.id].toSorted(),
    );
    expect((await service.listInvites(caller, { limit: 5, briefId: made[2]!.id })).data).toHaveLength(1);
    expect(await service.listInvites(other, { limit: 5 })).toEqual({ data: [], nextCursor: null });
  });
});

describe('orders and payouts', () => {
  it('shows the account’s own order; another’s, or a client acting for no account, gets NOT_FOUND', async () => {
    const { service } = setup({ [A]: 'usr_A', [B]: 'usr_B' });
    expect(await service.order(caller, 'bkg_1')).toMatchObject({
      id: 'bkg_1',
      currency: 'USD',
      legs: [{ id: 'bkl_1', resourceType: 'PROFILE', accepted: true }],
    });
    await expect(service.order(other, 'bkg_1')).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
    const { service: none } = setup({ [A]: null });
    await expect(none.order(caller, 'bkg_1')).rejects.toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
  });

  it('pages payouts newest first with opaque cursors that refuse tampering; no account, no payouts', async () => {
    const { service } = setup();
    const first = await service.listPayouts(caller, { limit: 2 });
    expect(first.data.map((p) => p.id)).toEqual(['tr_4', 'tr_3']);
    const second = await service.listPayouts(caller, { limit: 2, cursor: first.nextCursor! });
    const third = await service.listPayouts(caller, { limit: 2, cursor: second.nextCursor! });
    expect([...second.data, ...third.data].map((p) => p.id)).toEqual(['tr_2', 'tr_1', 'tr_0']);
    expect(third.nextCursor).toBeNull();
    await expect(service.listPayouts(caller, { limit: 2, cursor: 'bm9wZQ' })).rejects.toMatchObject({
      code: 'PARTNER.INVALID_CURSOR',
    });
    expect(await service.listPayouts(other, { limit: 2 })).toEqual({ data: [], nextCursor: null });
  });
});
