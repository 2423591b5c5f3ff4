/**
 * Chargeback evidence packs (migration 3130): the pack's state on `payment_disputes` and every
 * version in `payment_dispute_evidence`. State moves DRAFT → APPROVED → SUBMITTING → SUBMITTED (or
 * REFUSED); an edit makes a new version and puts an approved pack back to DRAFT. Writers that move
 * state lock the dispute row first (`lock`), so concurrent approvals, edits and submissions serialise.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import { DISPUTE_EVIDENCE_TEXT_FIELDS, type DisputeEvidence } from '../core/payment-provider.ts';
import { checkoutQuoteRecord } from './payments.repository.ts';

export const PACK_STATES = ['NONE', 'DRAFT', 'APPROVED', 'SUBMITTING', 'SUBMITTED', 'REFUSED'] as const;
export type PackState = (typeof PACK_STATES)[number];

/** Stripe still takes evidence in these statuses. */
export const EVIDENCE_OPEN_STATUSES = ['needs_response', 'warning_needs_response'] as const;
const OPEN_SQL = EVIDENCE_OPEN_STATUSES.map((status) => `'${status}'`).join(', ');

const evidenceSchema = z
  .object(Object.fromEntries(DISPUTE_EVIDENCE_TEXT_FIELDS.map((field) => [field, z.string().optional()])))
  .strict() as z.ZodType<DisputeEvidence>;

const disputeRow = z.object({
  id: z.string(),
  group_id: z.string().nullable(),
  charge_id: z.string(),
  amount_cents: z.coerce.number().int(),
  currency: z.string(),
  reason: z.string(),
  status: z.string(),
  evidence_due_by: z.coerce.date().nullable(),
  created_at: z.coerce.date(),
  pack_state: z.enum(PACK_STATES),
  pack_version: z.number().int().nullable(),
  approved_version: z.number().int().nullable(),
  approved_by: z.string().nullable(),
  approved_at: z.coerce.date().nullable(),
  submit_version: z.number().int().nullable(),
  submit_key: z.string().nullable(),
  submit_auto: z.boolean().nullable(),
  submit_started_at: z.coerce.date().nullable(),
  submitted_at: z.coerce.date().nullable(),
  submit_refusal: z.string().nullable(),
});
export type DisputeRow = z.infer<typeof disputeRow>;

const versionRow = z.object({
  dispute_id: z.string(),
  version: z.number().int(),
  evidence: evidenceSchema,
  author: z.string(),
  note: z.string().nullable(),
  created_at: z.coerce.date(),
});
export type EvidenceVersionRow = z.infer<typeof versionRow>;

const COLUMNS = `id, group_id, charge_id, amount_cents, currency, reason, status, evidence_due_by, created_at,
  pack_state, pack_version, approved_version, approved_by, approved_at, submit_version, submit_key, submit_auto,
  submit_started_at, submitted_at, submit_refusal`;

export class DisputeEvidenceRepository {
  constructor(private readonly db: Queryable) {}

  async find(disputeId: string): Promise<DisputeRow | null> {
    const result = await this.db.query(`SELECT ${COLUMNS} FROM payment_disputes WHERE id = $1`, [disputeId]);
    return parseRows(disputeRow, result.rows)[0] ?? null;
  }

  /** The dispute row, locked until the transaction ends. */
  async lock(disputeId: string): Promise<DisputeRow | null> {
    const result = await this.db.query(`SELECT ${COLUMNS} FROM payment_disputes WHERE id = $1 FOR UPDATE`, [disputeId]);
    return parseRows(disputeRow, result.rows)[0] ?? null;
  }

  /** The checkout confirmation of the group: when it was recorded, with the signed quote's policies. */
  async acceptance(groupId: string) {
    const result = await this.db.query(`SELECT created_at, quote FROM payment_intent_requests WHERE group_id = $1`, [
      groupId,
    ]);
    return (
      parseRows(z.object({ created_at: z.coerce.date(), quote: checkoutQuoteRecord.nullable() }), result.rows)[0] ??
      null
    );
  }

  /** The finance queue: disputes with a pack still to act on first (soonest deadline first), then the rest. */
  async queue(input: { open: boolean; limit: number }): Promise<DisputeRow[]> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM payment_disputes
        WHERE group_id IS NOT NULL
          AND (NOT $1 OR (status IN (${OPEN_SQL}) AND pack_state IN ('NONE', 'DRAFT', 'APPROVED', 'SUBMITTING')))
        ORDER BY evidence_due_by ASC NULLS LAST, id
        LIMIT $2`,
      [input.open, input.limit],
    );
    return parseRows(disputeRow, result.rows);
  }

  /** Open disputes of booking groups with no pack yet (a crash or a failed read after the webhook). */
  async withoutPack(limit: number): Promise<string[]> {
    const result = await this.db.query<{ id: string }>(
      `SELECT id FROM payment_disputes
        WHERE pack_state = 'NONE' AND group_id IS NOT NULL AND status IN (${OPEN_SQL})
        ORDER BY evidence_due_by ASC NULLS LAST LIMIT $1`,
      [limit],
    );
    return result.rows.map((row) => row.id);
  }

  /**
   * What the submission job looks at: approved packs, unreviewed packs whose deadline is within
   * `autoBefore`, and claims left SUBMITTING since before `staleBefore` (a crash between the steps).
   * A stale claim is picked whatever the dispute's status: Stripe may have taken the evidence before
   * the crash, and its under_review webhook then lands before the job resumes the claim.
   */
  async dueForSubmission(input: { autoBefore: Date; staleBefore: Date; limit: number }): Promise<string[]> {
    const result = await this.db.query<{ id: string }>(
      `SELECT id FROM payment_disputes
        WHERE (status IN (${OPEN_SQL}) AND (pack_state = 'APPROVED' OR (pack_state = 'DRAFT' AND evidence_due_by <= $1)))
           OR (pack_state = 'SUBMITTING' AND submit_started_at <= $2)
        ORDER BY evidence_due_by ASC NULLS LAST LIMIT $3`,
      [input.autoBefore, input.staleBefore, input.limit],
    );
    return result.rows.map((row) => row.id);
  }

  /** Version 1, the assembled pack: only when the dispute has none yet (false when another assembler won). */
  async insertFirstVersion(disputeId: string, evidence: DisputeEvidence, note: string): Promise<boolean> {
    const claimed = await this.db.query(
      `UPDATE payment_disputes SET pack_state = 'DRAFT', pack_version = 1 WHERE id = $1 AND pack_state = 'NONE' RETURNING id`,
      [disputeId],
    );
    if (claimed.rowCount === 0) return false;
    await this.db.query(
      `INSERT INTO payment_dispute_evidence (dispute_id, version, evidence, author, note) VALUES ($1, 1, $2::jsonb, 'system', $3)`,
      [disputeId, JSON.stringify(evidence), note],
    );
    return true;
  }

  /** A staff edit: the next version (the row is locked by the caller), and the pack back to DRAFT. */
  async insertVersion(input: {
    disputeId: string;
    version: number;
    evidence: DisputeEvidence;
    author: string;
    note: string | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO payment_dispute_evidence (dispute_id, version, evidence, author, note) VALUES ($1, $2, $3::jsonb, $4, $5)`,
      [input.disputeId, input.version, JSON.stringify(input.evidence), input.author, input.note],
    );
    await this.db.query(
      `UPDATE payment_disputes SET pack_state = 'DRAFT', pack_version = $2,
              approved_version = NULL, approved_by = NULL, approved_at = NULL
        WHERE id = $1`,
      [input.disputeId, input.version],
    );
  }

  async version(disputeId: string, version: number): Promise<EvidenceVersionRow | null> {
    const result = await this.db.query(
      `SELECT dispute_id, version, evidence, author, note, created_at FROM payment_dispute_evidence
        WHERE dispute_id = $1 AND version = $2`,
      [disputeId, version],
    );
    return parseRows(versionRow, result.rows)[0] ?? null;
  }

  async approve(disputeId: string, version: number, by: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE payment_disputes SET pack_state = 'APPROVED', approved_version = $2, approved_by = $3, approved_at = $4
        WHERE id = $1`,
      [disputeId, version, by, at],
    );
  }

  /** The claim committed before Stripe is called: the version and the Idempotency-Key it will use. */
  async claimSubmission(input: { disputeId: string; version: number; key: string; auto: boolean; at: Date }) {
    await this.db.query(
      `UPDATE payment_disputes SET pack_state = 'SUBMITTING', submit_version = $2, submit_key = $3, submit_auto = $4,
              submit_started_at = $5
        WHERE id = $1`,
      [input.disputeId, input.version, input.key, input.auto, input.at],
    );
  }

  /** A resumed claim (crash between the steps): its clock restarts so one resumer calls Stripe at a time. */
  async touchClaim(disputeId: string, at: Date): Promise<void> {
    await this.db.query(`UPDATE payment_disputes SET submit_started_at = $2 WHERE id = $1`, [disputeId, at]);
  }

  async finishSubmission(disputeId: string, key: string, outcome: { submittedAt: Date } | { refusal: string }) {
    await this.db.query(
      `UPDATE payment_disputes
          SET pack_state = $3, submitted_at = $4, submit_refusal = $5
        WHERE id = $1 AND submit_key = $2 AND pack_state = 'SUBMITTING'`,
      [
        disputeId,
        key,
        'submittedAt' in outcome ? 'SUBMITTED' : 'REFUSED',
        'submittedAt' in outcome ? outcome.submittedAt : null,
        'refusal' in outcome ? outcome.refusal.slice(0, 500) : null,
      ],
    );
  }
}
