/**
 * Briefs and invites (write:briefs, write:invites) and the reads of a partner's orders and payouts
 * (read:orders, read:payouts). A brief is a client's request for a shoot; an invite asks one
 * published provider whose role matches to answer it. Orders and payouts are those of the RastUp
 * account the partner client acts for, read through booking's and payments' exported query
 * modules; a client acting for no account has none. Another partner's brief, or an order the
 * account did not create, answers NOT_FOUND. No answer carries an email or phone: the rows read
 * have none (the partner role has no grant on them).
 */
import type * as z from 'zod';
import type { PartnerOrderRow, PartnerOrders } from '../booking/index.ts';
import type { Clock } from '../core/clock.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { newId } from '../core/ids.ts';
import type { PartnerPayoutRow, PartnerPayouts } from '../payments/index.ts';
import type { PartnerListings } from '../profiles/index.ts';
import type { BriefRow, InviteRow } from './brief.repository.ts';
import type { Page } from './inventory.service.ts';
import { decodeCursor, encodeCursor } from './paging.ts';
import { InvalidCursorError } from './partner.errors.ts';
import type { PartnerCaller } from './partner-token.service.ts';
import type { PartnerRepositories } from './partner.repositories.ts';
import type {
  CreateBriefBody,
  CreateInviteBody,
  brief,
  briefListQuery,
  inviteListQuery,
  invite,
  order,
  payout,
  payoutListQuery,
} from './partner.schemas.ts';

export type BriefView = z.infer<typeof brief>;
export type InviteView = z.infer<typeof invite>;
export type OrderView = z.infer<typeof order>;
export type PayoutView = z.infer<typeof payout>;

const MAX_WINDOW_DAYS = 366;
const DAY_MS = 86_400_000;

function briefView(row: BriefRow): BriefView {
  return {
    id: row.brief_id,
    role: row.role,
    city: row.city_code,
    dateFrom: row.date_from,
    dateTo: row.date_to,
    budget: { minCents: row.budget_min_cents, maxCents: row.budget_max_cents, currency: row.currency },
    description: row.description,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function inviteView(row: InviteRow): InviteView {
  return {
    id: row.invite_id,
    briefId: row.brief_id,
    profileId: row.profile_id,
    message: row.message,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

function orderView(row: PartnerOrderRow): OrderView {
  return {
    id: row.id,
    status: row.status,
    instantBook: row.instant_book,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    amountCents: row.amount_cents,
    currency: row.currency.toUpperCase(),
    cancellationPolicy: row.cancellation_policy,
    paymentStatus: row.payment_status,
    legs: row.legs.map((leg) => ({
      id: leg.id,
      resourceType: leg.resource_type,
      resourceId: leg.resource_id,
      startsAt: leg.starts_at.toISOString(),
      endsAt: leg.ends_at.toISOString(),
      amountCents: leg.amount_cents,
      accepted: leg.accepted,
    })),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function payoutView(row: PartnerPayoutRow): PayoutView {
  return {
    id: row.id,
    orderId: row.group_id,
    legId: row.leg_id,
    amountCents: row.amount_cents,
    reversedCents: row.reversed_cents,
    currency: row.currency.toUpperCase(),
    createdAt: row.created_at.toISOString(),
  };
}

/** One row more than asked was read: it tells whether another page exists. The cursor is the last id shown. */
function pageOf<T extends { id: string }>(rows: T[], limit: number, filters: Record<string, unknown>): Page<T> {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(last.id, filters) : null };
}

export class BriefService {
  constructor(
    private readonly db: UnitOfWork<PartnerRepositories>,
    private readonly listings: Pick<PartnerListings, 'profile'>,
    private readonly orders: PartnerOrders,
    private readonly payouts: PartnerPayouts,
    private readonly clock: Clock,
  ) {}

  async createBrief(caller: PartnerCaller, body: CreateBriefBody): Promise<BriefView> {
    const today = new Date(this.clock.now()).toISOString().slice(0, 10);
    if (body.dateFrom < today)
      throw new ValidationError('dateFrom is in the past', [
        { path: 'dateFrom', message: `must be ${today} or later` },
      ]);
    if (Date.parse(body.dateTo) - Date.parse(body.dateFrom) > MAX_WINDOW_DAYS * DAY_MS)
      throw new ValidationError('The date window is too long', [
        { path: 'dateTo', message: `at most ${MAX_WINDOW_DAYS} days after dateFrom` },
      ]);
    return this.db.transaction(async (tx) => {
      const row = await tx.briefs.insertBrief({
        briefId: newId('partnerBrief'),
        clientId: caller.clientId,
        role: body.role,
        cityCode: body.city,
        dateFrom: body.dateFrom,
        dateTo: body.dateTo,
        budgetMinCents: body.budget.minCents,
        budgetMaxCents: body.budget.maxCents,
        currency: body.budget.currency,
        description: body.description,
      });
      if (!row) throw new ValidationError('Unknown city', [{ path: 'city', message: 'not a city RastUp serves' }]);
      await enqueueEvent(
        tx,
        buildEvent('brief.created', {
          briefId: row.brief_id,
          clientId: row.client_id,
          role: row.role,
          city: row.city_code,
          dateFrom: row.date_from,
          dateTo: row.date_to,
        }),
      );
      return briefView(row);
    });
  }

  async brief(caller: PartnerCaller, briefId: string): Promise<BriefView> {
    const row = await this.db.briefs.findBrief(briefId, caller.clientId);
    if (!row) throw new NotFoundError('No such brief');
    return briefView(row);
  }

  /** Closes the caller's brief (no more invites). Closing a closed brief changes nothing and emits nothing. */
  async closeBrief(caller: PartnerCaller, briefId: string): Promise<BriefView> {
    return this.db.transaction(async (tx) => {
      const row = await tx.briefs.lockBrief(briefId, caller.clientId);
      if (!row) throw new NotFoundError('No such brief');
      if (row.status === 'closed') return briefView(row);
      const closed = await tx.briefs.closeBrief(row.brief_id);
      await enqueueEvent(tx, buildEvent('brief.closed', { briefId: row.brief_id, clientId: row.client_id }));
      return briefView(closed);
    });
  }

  async listBriefs(caller: PartnerCaller, query: z.infer<typeof briefListQuery>): Promise<Page<BriefView>> {
    const filters = { list: 'briefs', status: query.status ?? null };
    const before = decodeCursor(query.cursor, filters);
    const rows = await this.db.briefs.listBriefs(caller.clientId, {
      before,
      status: query.status,
      limit: query.limit + 1,
    });
    return pageOf(rows.map(briefView), query.limit, filters);
  }

  async listInvites(caller: PartnerCaller, query: z.infer<typeof inviteListQuery>): Promise<Page<InviteView>> {
    const filters = { list: 'invites', briefId: query.briefId ?? null };
    const before = decodeCursor(query.cursor, filters);
    const rows = await this.db.briefs.listInvites(caller.clientId, {
      before,
      briefId: query.briefId,
      limit: query.limit + 1,
    });
    return pageOf(rows.map(inviteView), query.limit, filters);
  }

  async createInvite(caller: PartnerCaller, body: CreateInviteBody): Promise<InviteView> {
    const found = await this.db.briefs.findBrief(body.briefId, caller.clientId);
    if (!found) throw new NotFoundError('No such brief');
    if (found.status !== 'open') throw new ConflictError('The brief is closed', 'PARTNER.BRIEF_CLOSED');
    const provider = await this.listings.profile(body.profileId);
    if (!provider) throw new NotFoundError('No such published profile');
    if (provider.role !== found.role)
      throw new ValidationError('The provider’s role is not the brief’s', [
        { path: 'profileId', message: `the brief asks for a ${found.role}` },
      ]);
    return this.db.transaction(async (tx) => {
      // Under the brief's lock: a close that commits first is seen, so no invite joins a closed brief.
      const locked = await tx.briefs.lockBrief(found.brief_id, caller.clientId);
      if (locked?.status !== 'open') throw new ConflictError('The brief is closed', 'PARTNER.BRIEF_CLOSED');
      const row = await tx.briefs.insertInvite({
        inviteId: newId('partnerInvite'),
        briefId: found.brief_id,
        clientId: caller.clientId,
        profileId: provider.id,
        message: body.message ?? null,
      });
      if (!row) throw new ConflictError('This provider is already invited to this brief', 'PARTNER.ALREADY_INVITED');
      await enqueueEvent(
        tx,
        buildEvent('invite.created', {
          briefId: row.brief_id,
          clientId: caller.clientId,
          inviteId: row.invite_id,
          profileId: row.profile_id,
        }),
      );
      return inviteView(row);
    });
  }

  async order(caller: PartnerCaller, orderId: string): Promise<OrderView> {
    const account = await this.accountOf(caller);
    const row = account ? await this.orders.order(orderId, account) : null;
    if (!row) throw new NotFoundError('No such order');
    return orderView(row);
  }

  async listPayouts(caller: PartnerCaller, query: z.infer<typeof payoutListQuery>): Promise<Page<PayoutView>> {
    const filters = { list: 'payouts' };
    const after = decodeCursor(query.cursor, filters);
    const account = await this.accountOf(caller);
    if (!account) return { data: [], nextCursor: null };
    let before: { createdAt: Date; id: string } | undefined;
    if (after !== undefined) {
      const [at, id] = after.split('|');
      if (!at || !id || Number.isNaN(Date.parse(at)))
        throw new InvalidCursorError('The cursor is not one this API issued');
      before = { createdAt: new Date(at), id };
    }
    const rows = await this.payouts.list(account, { before, limit: query.limit + 1 });
    const data = rows.slice(0, query.limit).map(payoutView);
    const last = data.at(-1);
    return {
      data,
      nextCursor: rows.length > query.limit && last ? encodeCursor(`${last.createdAt}|${last.id}`, filters) : null,
    };
  }

  private async accountOf(caller: PartnerCaller): Promise<string | null> {
    return (await this.db.clients.find(caller.clientId))?.account_user_id ?? null;
  }
}
