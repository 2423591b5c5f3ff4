/** SQL of the booking domain. Rows are validated as they leave the database. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { availabilitySchema, type Availability } from './availability.ts';
import { BOOKING_STATUSES, type BookingStatus } from './booking-state.ts';
import { BookingConflictError } from './booking.errors.ts';
import { CANCELLATION_POLICIES, type CancellationPolicy } from './cancellation.ts';
import type { Interval } from './feasibility.ts';

export type ResourceType = 'PROFILE' | 'STUDIO';

// ---- settings -------------------------------------------------------------------------------------

const settingsRow = z.object({
  resource_id: z.string(),
  resource_type: z.enum(['PROFILE', 'STUDIO']),
  owner_user_id: z.string(),
  availability: availabilitySchema,
  cancellation_policy: z.enum(CANCELLATION_POLICIES),
  version: z.number().int(),
});

export interface BookingSettings {
  readonly resourceId: string;
  readonly resourceType: ResourceType;
  readonly ownerUserId: string;
  readonly availability: Availability;
  readonly cancellationPolicy: CancellationPolicy;
  readonly version: number;
}

export class BookingSettingsRepository {
  constructor(private readonly db: Queryable) {}

  async find(resourceIds: readonly string[]): Promise<BookingSettings[]> {
    const result = await this.db.query(
      `SELECT resource_id, resource_type, owner_user_id, availability, cancellation_policy, version
         FROM booking_settings WHERE resource_id = ANY($1::text[])`,
      [resourceIds],
    );
    return parseRows(settingsRow, result.rows).map((row) => ({
      resourceId: row.resource_id,
      resourceType: row.resource_type,
      ownerUserId: row.owner_user_id,
      availability: row.availability,
      cancellationPolicy: row.cancellation_policy,
      version: row.version,
    }));
  }

  async upsert(settings: Omit<BookingSettings, 'version'>): Promise<number> {
    const result = await this.db.query<{ version: number }>(
      `INSERT INTO booking_settings (resource_id, resource_type, owner_user_id, availability, cancellation_policy)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (resource_id) DO UPDATE
         SET availability = EXCLUDED.availability, cancellation_policy = EXCLUDED.cancellation_policy,
             owner_user_id = EXCLUDED.owner_user_id, version = booking_settings.version + 1, updated_at = now()
       RETURNING version`,
      [
        settings.resourceId,
        settings.resourceType,
        settings.ownerUserId,
        JSON.stringify(settings.availability),
        settings.cancellationPolicy,
      ],
    );
    return result.rows[0]!.version;
  }
}

export type BookingSettingsStore = PortOf<BookingSettingsRepository>;

// ---- groups, legs, transitions --------------------------------------------------------------------

const PAYMENT_STATUSES = [
  'NONE',
  'AUTHORIZED',
  'REQUIRES_ACTION',
  'DECLINED',
  'CAPTURED',
  'VOIDED',
  'REFUNDED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_STEPS = ['CAPTURE', 'REFUND', 'RELEASE', 'VOID'] as const;
export type PaymentStep = (typeof PAYMENT_STEPS)[number];
export const VOID_REASONS = ['expired', 'declined', 'cancelled'] as const;
export type VoidReason = (typeof VOID_REASONS)[number];
export interface PendingPayment {
  readonly step: PaymentStep;
  readonly key: string;
  readonly refundCents: number | null;
  readonly party: 'CLIENT' | 'OWNER' | null;
  /** VOID only: the closing it is for (expiry, a decline, a cancellation before capture). */
  readonly voidReason?: VoidReason | null;
}

const groupRow = z.object({
  id: z.string(),
  client_user_id: z.string(),
  status: z.enum(BOOKING_STATUSES),
  instant_book: z.boolean(),
  starts_at: z.date(),
  ends_at: z.date(),
  amount_cents: z.number().int(),
  currency: z.string(),
  cancellation_policy: z.enum(CANCELLATION_POLICIES),
  respond_by: z.date().nullable(),
  hold_expires_at: z.date().nullable(),
  payment_status: z.enum(PAYMENT_STATUSES),
  payment_ref: z.string().nullable(),
  refund_cents: z.number().int().nullable(),
  version: z.number().int(),
  payment_pending: z.enum(PAYMENT_STEPS).nullable(),
  payment_pending_key: z.string().nullable(),
  payment_pending_cents: z.number().int().nullable(),
  payment_pending_party: z.enum(['CLIENT', 'OWNER']).nullable(),
  payment_pending_reason: z.enum(VOID_REASONS).nullable(),
});

export interface BookingGroup {
  readonly id: string;
  readonly clientUserId: string;
  readonly status: BookingStatus;
  readonly instantBook: boolean;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly amountCents: number;
  readonly currency: string;
  readonly cancellationPolicy: CancellationPolicy;
  readonly respondBy: Date | null;
  readonly holdExpiresAt: Date | null;
  readonly paymentStatus: PaymentStatus;
  readonly paymentRef: string | null;
  readonly refundCents: number | null;
  readonly version: number;
  /**
   * A money step recorded before its Stripe call and not yet finished (migration 3030): the step, the
   * Stripe Idempotency-Key it uses, the refund amount decided then, and who asked (null: the system).
   */
  readonly pendingPayment: PendingPayment | null;
}

const GROUP_COLUMNS = `id, client_user_id, status, instant_book, starts_at, ends_at, amount_cents, currency::text AS currency,
  cancellation_policy, respond_by, hold_expires_at, payment_status, payment_ref, refund_cents, version,
  payment_pending, payment_pending_key, payment_pending_cents, payment_pending_party, payment_pending_reason`;

const toGroup = (row: z.infer<typeof groupRow>): BookingGroup => ({
  id: row.id,
  clientUserId: row.client_user_id,
  status: row.status,
  instantBook: row.instant_book,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  amountCents: row.amount_cents,
  currency: row.currency.trim(),
  cancellationPolicy: row.cancellation_policy,
  respondBy: row.respond_by,
  holdExpiresAt: row.hold_expires_at,
  paymentStatus: row.payment_status,
  paymentRef: row.payment_ref,
  refundCents: row.refund_cents,
  pendingPayment:
    row.payment_pending && row.payment_pending_key
      ? {
          step: row.payment_pending,
          key: row.payment_pending_key,
          refundCents: row.payment_pending_cents,
          party: row.payment_pending_party,
          voidReason: row.payment_pending_reason,
        }
      : null,
  version: row.version,
});

const legRow = z.object({
  id: z.string(),
  group_id: z.string(),
  resource_type: z.enum(['PROFILE', 'STUDIO']),
  resource_id: z.string(),
  owner_user_id: z.string(),
  starts_at: z.date(),
  ends_at: z.date(),
  blocked_start: z.date(),
  blocked_end: z.date(),
  amount_cents: z.number().int(),
  accepted: z.boolean(),
  active: z.boolean(),
});

export interface BookingLeg {
  readonly id: string;
  readonly groupId: string;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
  readonly ownerUserId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly blockedStart: Date;
  readonly blockedEnd: Date;
  readonly amountCents: number;
  readonly accepted: boolean;
  readonly active: boolean;
}

const LEG_COLUMNS = `id, group_id, resource_type, resource_id, owner_user_id, starts_at, ends_at,
  lower(blocked) AS blocked_start, upper(blocked) AS blocked_end, amount_cents, accepted, active`;

const toLeg = (row: z.infer<typeof legRow>): BookingLeg => ({
  id: row.id,
  groupId: row.group_id,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  ownerUserId: row.owner_user_id,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  blockedStart: row.blocked_start,
  blockedEnd: row.blocked_end,
  amountCents: row.amount_cents,
  accepted: row.accepted,
  active: row.active,
});

const transitionRow = z.object({
  actor: z.string(),
  action: z.string(),
  from_status: z.enum(BOOKING_STATUSES).nullable(),
  to_status: z.enum(BOOKING_STATUSES).nullable(),
  created_at: z.date(),
});

export interface TimelineEntry {
  readonly actor: string;
  readonly action: string;
  readonly fromStatus: BookingStatus | null;
  readonly toStatus: BookingStatus | null;
  readonly at: Date;
}

export type Claim =
  | { readonly claimed: true; readonly transitionId: number }
  | { readonly claimed: false; readonly requestHash: string; readonly response: unknown };

export type GroupPatch = Partial<
  Pick<
    BookingGroup,
    'status' | 'respondBy' | 'holdExpiresAt' | 'paymentStatus' | 'paymentRef' | 'refundCents' | 'startsAt' | 'endsAt'
  >
>;

const PATCH_COLUMNS: Record<keyof GroupPatch, string> = {
  startsAt: 'starts_at',
  endsAt: 'ends_at',
  status: 'status',
  respondBy: 'respond_by',
  holdExpiresAt: 'hold_expires_at',
  paymentStatus: 'payment_status',
  paymentRef: 'payment_ref',
  refundCents: 'refund_cents',
};

export class BookingRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Takes the idempotency key for this actor. A concurrent holder of the same key makes this wait
   * until it commits (then the first answer is returned) or rolls back (then this one proceeds).
   */
  async claim(actor: string, idempotencyKey: string, requestHash: string, action: string): Promise<Claim> {
    const inserted = await this.db.query<{ id: number }>(
      `INSERT INTO booking_transitions (actor, idempotency_key, request_hash, action)
       VALUES ($1, $2, $3, $4) ON CONFLICT (actor, idempotency_key) DO NOTHING RETURNING id`,
      [actor, idempotencyKey, requestHash, action],
    );
    if (inserted.rows[0]) return { claimed: true, transitionId: inserted.rows[0].id };
    const existing = await this.db.query<{ request_hash: string; response: unknown }>(
      'SELECT request_hash, response FROM booking_transitions WHERE actor = $1 AND idempotency_key = $2',
      [actor, idempotencyKey],
    );
    const row = existing.rows[0]!;
    return { claimed: false, requestHash: row.request_hash, response: row.response };
  }

  /** The stored answer of a completed transition of this actor and key, if there is one (no lock). */
  async findClaim(actor: string, idempotencyKey: string): Promise<{ requestHash: string; response: unknown } | null> {
    const result = await this.db.query<{ request_hash: string; response: unknown }>(
      `SELECT request_hash, response FROM booking_transitions
        WHERE actor = $1 AND idempotency_key = $2 AND response IS NOT NULL`,
      [actor, idempotencyKey],
    );
    const row = result.rows[0];
    return row ? { requestHash: row.request_hash, response: row.response } : null;
  }

  /** What the claimed transition did (it then shows on the timeline). */
  async recordTransition(
    transitionId: number,
    entry: { groupId: string; fromStatus: BookingStatus | null; toStatus: BookingStatus },
  ): Promise<void> {
    await this.db.query(
      `UPDATE booking_transitions SET group_id = $2, from_status = $3, to_status = $4 WHERE id = $1`,
      [transitionId, entry.groupId, entry.fromStatus, entry.toStatus],
    );
  }

  /** The answer a replay of this transition gets. */
  async saveResponse(transitionId: number, response: unknown): Promise<void> {
    await this.db.query(`UPDATE booking_transitions SET response = $2 WHERE id = $1`, [
      transitionId,
      JSON.stringify(response),
    ]);
  }

  /** A timeline entry of a step that follows another (held → confirmed, system expiry). */
  async appendTimeline(entry: {
    actor: string;
    key: string;
    action: string;
    groupId: string;
    fromStatus: BookingStatus | null;
    toStatus: BookingStatus;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO booking_transitions (actor, idempotency_key, request_hash, action, group_id, from_status, to_status)
       VALUES ($1, $2, '', $3, $4, $5, $6) ON CONFLICT (actor, idempotency_key) DO NOTHING`,
      [entry.actor, entry.key, entry.action, entry.groupId, entry.fromStatus, entry.toStatus],
    );
  }

  /** Whether any of these timeline entries (by actor and key) was written. */
  async anyTimelineKey(actor: string, keys: readonly string[]): Promise<boolean> {
    const result = await this.db.query(
      `SELECT 1 FROM booking_transitions WHERE actor = $1 AND idempotency_key = ANY($2::text[]) LIMIT 1`,
      [actor, keys],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async timeline(groupId: string): Promise<TimelineEntry[]> {
    const result = await this.db.query(
      `SELECT actor, action, from_status, to_status, created_at FROM booking_transitions
        WHERE group_id = $1 AND to_status IS NOT NULL ORDER BY id`,
      [groupId],
    );
    return parseRows(transitionRow, result.rows).map((row) => ({
      actor: row.actor,
      action: row.action,
      fromStatus: row.from_status,
      toStatus: row.to_status,
      at: row.created_at,
    }));
  }

  async insertGroup(
    group: Omit<BookingGroup, 'version' | 'paymentRef' | 'refundCents' | 'pendingPayment'>,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO booking_groups (id, client_user_id, status, instant_book, starts_at, ends_at, amount_cents, currency,
         cancellation_policy, respond_by, hold_expires_at, payment_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        group.id,
        group.clientUserId,
        group.status,
        group.instantBook,
        group.startsAt,
        group.endsAt,
        group.amountCents,
        group.currency,
        group.cancellationPolicy,
        group.respondBy,
        group.holdExpiresAt,
        group.paymentStatus,
      ],
    );
  }

  /** Inserts the legs; an overlap with another active leg is `BOOKING.CONFLICT` (the exclusion constraint). */
  async insertLegs(legs: readonly Omit<BookingLeg, 'active'>[]): Promise<void> {
    for (const leg of legs) {
      try {
        await this.db.query(
          `INSERT INTO booking_legs (id, group_id, resource_type, resource_id, owner_user_id, starts_at, ends_at, blocked,
             amount_cents, accepted)
           VALUES ($1, $2, $3, $4, $5, $6, $7, tstzrange($8, $9, '[)'), $10, $11)`,
          [
            leg.id,
            leg.groupId,
            leg.resourceType,
            leg.resourceId,
            leg.ownerUserId,
            leg.startsAt,
            leg.endsAt,
            leg.blockedStart,
            leg.blockedEnd,
            leg.amountCents,
            leg.accepted,
          ],
        );
      } catch (error) {
        if ((error as { code?: string }).code === '23P01')
          throw new BookingConflictError('That time is no longer available', { resourceId: leg.resourceId });
        throw error;
      }
    }
  }

  async findGroup(id: string, options: { forUpdate?: boolean } = {}): Promise<BookingGroup | null> {
    const result = await this.db.query(
      `SELECT ${GROUP_COLUMNS} FROM booking_groups WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return parseRows(groupRow, result.rows).map(toGroup)[0] ?? null;
  }

  async findGroups(ids: readonly string[]): Promise<BookingGroup[]> {
    const result = await this.db.query(
      `SELECT ${GROUP_COLUMNS} FROM booking_groups WHERE id = ANY($1::text[]) ORDER BY starts_at DESC`,
      [ids],
    );
    return parseRows(groupRow, result.rows).map(toGroup);
  }

  async legsOf(groupIds: readonly string[]): Promise<BookingLeg[]> {
    const result = await this.db.query(
      `SELECT ${LEG_COLUMNS} FROM booking_legs WHERE group_id = ANY($1::text[]) ORDER BY id`,
      [groupIds],
    );
    return parseRows(legRow, result.rows).map(toLeg);
  }

  /**
   * Records (or, with null, clears) the money step a group is about to take. Recorded in its own short
   * transaction before Stripe is called, cleared by the transaction that records the outcome.
   */
  async setPendingPayment(id: string, pending: PendingPayment | null): Promise<BookingGroup> {
    const result = await this.db.query(
      `UPDATE booking_groups SET payment_pending = $2, payment_pending_key = $3, payment_pending_cents = $4,
         payment_pending_party = $5, payment_pending_since = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END,
         payment_pending_reason = $6, updated_at = now()
        WHERE id = $1 RETURNING ${GROUP_COLUMNS}`,
      [
        id,
        pending?.step ?? null,
        pending?.key ?? null,
        pending?.refundCents ?? null,
        pending?.party ?? null,
        pending?.voidReason ?? null,
      ],
    );
    return parseRows(groupRow, result.rows).map(toGroup)[0]!;
  }

  /** Groups whose money step was recorded before `before` and never finished (a crash, a lost answer). */
  async stalePendingPaymentGroupIds(before: Date, limit: number): Promise<string[]> {
    const result = await this.db.query<{ id: string }>(
      `SELECT id FROM booking_groups WHERE payment_pending IS NOT NULL AND payment_pending_since <= $1
        ORDER BY payment_pending_since LIMIT $2`,
      [before, limit],
    );
    return result.rows.map((row) => row.id);
  }

  async updateGroup(id: string, patch: GroupPatch): Promise<BookingGroup> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as [keyof GroupPatch, unknown][];
    const sets = entries.map(([key], i) => `${PATCH_COLUMNS[key]} = $${i + 2}`);
    const result = await this.db.query(
      `UPDATE booking_groups SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
        WHERE id = $1 RETURNING ${GROUP_COLUMNS}`,
      [id, ...entries.map(([, value]) => value)],
    );
    return parseRows(groupRow, result.rows).map(toGroup)[0]!;
  }

  /**
   * Moves legs to new times (a reschedule), each with its new blocked range. The exclusion
   * constraint decides: an overlap with another active leg is `BOOKING.CONFLICT`. `resetAcceptance`
   * (a request moved): the owners' acceptances were for the old time, so they answer again.
   */
  async moveLegs(
    moves: readonly { id: string; startsAt: Date; endsAt: Date; blockedStart: Date; blockedEnd: Date }[],
    options: { resetAcceptance: boolean },
  ) {
    for (const move of moves) {
      try {
        await this.db.query(
          `UPDATE booking_legs SET starts_at = $2, ends_at = $3, blocked = tstzrange($4, $5, '[)'),
             accepted = CASE WHEN $6 THEN false ELSE accepted END
            WHERE id = $1`,
          [move.id, move.startsAt, move.endsAt, move.blockedStart, move.blockedEnd, options.resetAcceptance],
        );
      } catch (error) {
        if ((error as { code?: string }).code === '23P01')
          throw new BookingConflictError('That time is no longer available', { legId: move.id });
        throw error;
      }
    }
  }

  async setLegsActive(groupId: string, active: boolean): Promise<void> {
    await this.db.query('UPDATE booking_legs SET active = $2 WHERE group_id = $1', [groupId, active]);
  }

  async acceptLegs(groupId: string, ownerUserId: string): Promise<void> {
    await this.db.query('UPDATE booking_legs SET accepted = true WHERE group_id = $1 AND owner_user_id = $2', [
      groupId,
      ownerUserId,
    ]);
  }

  /**
   * What blocks these resources in [from, to): the blocked ranges (buffers included) of active legs
   * — except those of `exceptGroupId`, a group being moved — and the busy blocks imported from the
   * listings' external calendars (calendar.repository.ts), so slots and conflict checks see both.
   */
  async blockedRanges(
    resourceIds: readonly string[],
    from: Date,
    to: Date,
    exceptGroupId?: string,
  ): Promise<Map<string, Interval[]>> {
    const result = await this.db.query<{ resource_id: string; s: Date; e: Date }>(
      `SELECT resource_id, lower(blocked) AS s, upper(blocked) AS e FROM booking_legs
        WHERE active AND resource_id = ANY($1::text[]) AND blocked && tstzrange($2, $3, '[)')
          AND group_id IS DISTINCT FROM $4
       UNION ALL
       SELECT resource_id, lower(during), upper(during) FROM booking_busy_blocks
        WHERE resource_id = ANY($1::text[]) AND during && tstzrange($2, $3, '[)')`,
      [resourceIds, from, to, exceptGroupId ?? null],
    );
    const byResource = new Map<string, Interval[]>(resourceIds.map((id) => [id, []]));
    for (const row of result.rows)
      byResource.get(row.resource_id)?.push({ start: row.s.getTime(), end: row.e.getTime() });
    return byResource;
  }

  async groupIdsForClient(clientUserId: string, limit: number): Promise<string[]> {
    const result = await this.db.query<{ id: string }>(
      'SELECT id FROM booking_groups WHERE client_user_id = $1 ORDER BY starts_at DESC LIMIT $2',
      [clientUserId, limit],
    );
    return result.rows.map((row) => row.id);
  }

  async groupIdsForOwner(ownerUserId: string, limit: number): Promise<string[]> {
    const result = await this.db.query<{ group_id: string }>(
      `SELECT group_id FROM booking_legs WHERE owner_user_id = $1
        GROUP BY group_id ORDER BY max(starts_at) DESC LIMIT $2`,
      [ownerUserId, limit],
    );
    return result.rows.map((row) => row.group_id);
  }

  /** Open groups past their deadline (optionally only those with a leg on these resources). */
  async dueGroupIds(now: Date, limit: number, resourceIds?: readonly string[]): Promise<string[]> {
    const result = await this.db.query<{ id: string }>(
      `SELECT g.id FROM booking_groups g
        WHERE g.status IN ('REQUESTED', 'HOLD') AND COALESCE(g.hold_expires_at, g.respond_by) <= $1
          ${resourceIds ? 'AND EXISTS (SELECT 1 FROM booking_legs l WHERE l.group_id = g.id AND l.resource_id = ANY($3::text[]))' : ''}
        ORDER BY COALESCE(g.hold_expires_at, g.respond_by) LIMIT $2`,
      resourceIds ? [now, limit, resourceIds] : [now, limit],
    );
    return result.rows.map((row) => row.id);
  }
}

export type BookingStore = PortOf<BookingRepository>;
