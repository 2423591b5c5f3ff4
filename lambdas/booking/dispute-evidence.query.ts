/**
 * What payments may read about a booking group to answer a chargeback (NTB-PAY-003): the group's
 * time, amount and cancellation policy, its legs, and the order timeline with each step's party
 * (CLIENT / OWNER / SYSTEM, never another person's id). Exported through lambdas/booking/index.ts;
 * only the selected columns are granted to rastup_payments (db/migrations/3130_dispute_evidence_packs.sql).
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import { CANCELLATION_POLICIES, type CancellationPolicy } from './cancellation.ts';

const groupRow = z.object({
  id: z.string(),
  client_user_id: z.string(),
  status: z.string(),
  starts_at: z.coerce.date(),
  ends_at: z.coerce.date(),
  amount_cents: z.coerce.number().int(),
  currency: z.string(),
  cancellation_policy: z.enum(CANCELLATION_POLICIES),
  created_at: z.coerce.date(),
});
const legRow = z.object({
  id: z.string(),
  resource_type: z.enum(['PROFILE', 'STUDIO']),
  resource_id: z.string(),
  owner_user_id: z.string(),
  starts_at: z.coerce.date(),
  ends_at: z.coerce.date(),
  amount_cents: z.coerce.number().int(),
  active: z.boolean(),
});
const transitionRow = z.object({
  actor: z.string(),
  action: z.string(),
  from_status: z.string().nullable(),
  to_status: z.string(),
  created_at: z.coerce.date(),
});

export interface DisputeEvidenceBooking {
  readonly groupId: string;
  readonly clientUserId: string;
  readonly status: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly amountCents: number;
  readonly currency: string;
  readonly cancellationPolicy: CancellationPolicy;
  readonly requestedAt: Date;
  readonly legs: readonly {
    readonly legId: string;
    readonly resourceType: 'PROFILE' | 'STUDIO';
    readonly listingId: string;
    readonly ownerUserId: string;
    readonly startsAt: Date;
    readonly endsAt: Date;
    readonly amountCents: number;
    readonly active: boolean;
  }[];
  readonly timeline: readonly {
    readonly at: Date;
    readonly action: string;
    readonly fromStatus: string | null;
    readonly toStatus: string;
    readonly by: 'CLIENT' | 'OWNER' | 'SYSTEM';
  }[];
}

export interface DisputeEvidenceBookings {
  /** The group as a chargeback pack shows it; null when it does not exist. */
  forGroup(groupId: string): Promise<DisputeEvidenceBooking | null>;
}

export function disputeEvidenceBookings(db: Queryable): DisputeEvidenceBookings {
  return {
    async forGroup(groupId) {
      const group = parseRows(
        groupRow,
        (
          await db.query(
            `SELECT id, client_user_id, status, starts_at, ends_at, amount_cents, currency, cancellation_policy, created_at
               FROM booking_groups WHERE id = $1`,
            [groupId],
          )
        ).rows,
      )[0];
      if (!group) return null;
      const [legs, transitions] = await Promise.all([
        db.query(
          `SELECT id, resource_type, resource_id, owner_user_id, starts_at, ends_at, amount_cents, active
             FROM booking_legs WHERE group_id = $1 ORDER BY starts_at, id`,
          [groupId],
        ),
        db.query(
          `SELECT actor, action, from_status, to_status, created_at FROM booking_transitions
            WHERE group_id = $1 AND to_status IS NOT NULL ORDER BY id`,
          [groupId],
        ),
      ]);
      return {
        groupId: group.id,
        clientUserId: group.client_user_id,
        status: group.status,
        startsAt: group.starts_at,
        endsAt: group.ends_at,
        amountCents: group.amount_cents,
        currency: group.currency.trim(),
        cancellationPolicy: group.cancellation_policy,
        requestedAt: group.created_at,
        legs: parseRows(legRow, legs.rows).map((leg) => ({
          legId: leg.id,
          resourceType: leg.resource_type,
          listingId: leg.resource_id,
          ownerUserId: leg.owner_user_id,
          startsAt: leg.starts_at,
          endsAt: leg.ends_at,
          amountCents: leg.amount_cents,
          active: leg.active,
        })),
        timeline: parseRows(transitionRow, transitions.rows).map((row) => ({
          at: row.created_at,
          action: row.action,
          fromStatus: row.from_status,
          toStatus: row.to_status,
          by: row.actor === group.client_user_id ? 'CLIENT' : row.actor.startsWith('system:') ? 'SYSTEM' : 'OWNER',
        })),
      };
    },
  };
}
