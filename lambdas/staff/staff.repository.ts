/** SQL for staff proposals (dual control) and the role grants they produce. Rows are validated on the way out. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { STAFF_ROLES } from './staff-policy.ts';

const refundPayload = z.object({
  paymentGroupId: z.string(),
  amountCents: z.number().int(),
  currency: z.string(),
});
const roleGrantPayload = z.object({
  userId: z.string(),
  role: z.enum(STAFF_ROLES),
  durationMinutes: z.number().int().nullable(),
});

const base = {
  id: z.string(),
  status: z.enum(['PROPOSED', 'APPROVED', 'REJECTED']),
  dual_control: z.boolean(),
  proposed_by: z.string(),
  decided_by: z.string().nullable(),
  reason: z.string(),
  decision_note: z.string().nullable(),
  created_at: z.date(),
  expires_at: z.date(),
  decided_at: z.date().nullable(),
};
const proposalRow = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('REFUND'), payload: refundPayload }),
  z.object({ ...base, kind: z.literal('ROLE_GRANT'), payload: roleGrantPayload }),
]);
export type ProposalRow = z.infer<typeof proposalRow>;
export type NewProposal = Omit<ProposalRow, 'decided_by' | 'decision_note' | 'decided_at'>;

const COLUMNS = `id, kind, status, dual_control, proposed_by, decided_by, reason, decision_note, payload,
  created_at, expires_at, decided_at`;

export class ProposalRepository {
  constructor(private readonly db: Queryable) {}

  async insert(row: NewProposal & { decided_by?: string | null; decided_at?: Date | null }): Promise<ProposalRow> {
    const result = await this.db.query(
      `INSERT INTO staff_proposals (id, kind, status, dual_control, proposed_by, decided_by, reason, payload,
         created_at, expires_at, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [
        row.id,
        row.kind,
        row.status,
        row.dual_control,
        row.proposed_by,
        row.decided_by ?? null,
        row.reason,
        JSON.stringify(row.payload),
        row.created_at,
        row.expires_at,
        row.decided_at ?? null,
      ],
    );
    return parseRows(proposalRow, result.rows)[0]!;
  }

  /** With `forUpdate`, concurrent deciders queue here: the first decides, the rest see its answer. */
  async byId(id: string, options: { forUpdate?: boolean } = {}): Promise<ProposalRow | null> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM staff_proposals WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return parseRows(proposalRow, result.rows)[0] ?? null;
  }

  async decide(
    id: string,
    decision: { status: 'APPROVED' | 'REJECTED'; decidedBy: string; note: string | null; at: Date },
  ): Promise<ProposalRow> {
    const result = await this.db.query(
      `UPDATE staff_proposals SET status = $2, decided_by = $3, decision_note = $4, decided_at = $5
        WHERE id = $1 AND status = 'PROPOSED' RETURNING ${COLUMNS}`,
      [id, decision.status, decision.decidedBy, decision.note, decision.at],
    );
    const row = parseRows(proposalRow, result.rows)[0];
    if (!row) throw new Error(`proposal ${id} was not pending (decide without a lock?)`);
    return row;
  }

  /** Newest first; `status` narrows; `pendingAt` hides lapsed PROPOSED rows when filtering for PROPOSED. */
  async list(filter: { status: ProposalRow['status'] | null; first: number }): Promise<ProposalRow[]> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM staff_proposals WHERE ($1::text IS NULL OR status = $1)
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [filter.status, filter.first],
    );
    return parseRows(proposalRow, result.rows);
  }
}

const grantRow = z.object({
  id: z.string(),
  user_id: z.string(),
  role: z.enum(STAFF_ROLES),
  proposal_id: z.string(),
  granted_at: z.date(),
  expires_at: z.date().nullable(),
});
export type GrantRow = z.infer<typeof grantRow>;

export class GrantRepository {
  constructor(private readonly db: Queryable) {}

  async insert(row: GrantRow): Promise<void> {
    await this.db.query(
      `INSERT INTO staff_role_grants (id, user_id, role, proposal_id, granted_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.id, row.user_id, row.role, row.proposal_id, row.granted_at, row.expires_at],
    );
  }

  /** Grants still in force at `at` (standing ones and unexpired elevations). */
  async activeFor(userId: string, at: Date): Promise<GrantRow[]> {
    const result = await this.db.query(
      `SELECT id, user_id, role, proposal_id, granted_at, expires_at FROM staff_role_grants
        WHERE user_id = $1 AND granted_at <= $2 AND (expires_at IS NULL OR expires_at > $2)
        ORDER BY granted_at`,
      [userId, at],
    );
    return parseRows(grantRow, result.rows);
  }
}

export type ProposalStore = PortOf<ProposalRepository>;
export type GrantStore = PortOf<GrantRepository>;
