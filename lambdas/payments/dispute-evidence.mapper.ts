/** Whitelisted GraphQL shapes of disputes and evidence packs (a new column never leaks). */
import type { DisputeEvidenceField } from '../core/payment-provider.ts';
import type { EvidenceVersionRow } from './dispute-evidence.repository.ts';
import { EVIDENCE_GRAPHQL_FIELDS } from './dispute-evidence.schemas.ts';
import type { DisputeSummary } from './dispute-evidence.service.ts';

export function toPaymentDispute({ row, autoSubmitAt }: DisputeSummary) {
  const submitted = ['SUBMITTING', 'SUBMITTED', 'REFUSED'].includes(row.pack_state);
  return {
    id: row.id,
    bookingGroupId: row.group_id,
    amountCents: row.amount_cents,
    currency: row.currency.trim().toUpperCase(),
    reason: row.reason,
    status: row.status,
    evidenceDueBy: row.evidence_due_by?.toISOString() ?? null,
    autoSubmitAt: autoSubmitAt?.toISOString() ?? null,
    packState: row.pack_state,
    packVersion: row.pack_version,
    approvedVersion: row.approved_version,
    approvedBy: row.approved_by,
    submittedVersion: submitted ? row.submit_version : null,
    autoSubmitted: submitted ? row.submit_auto : null,
    submittedAt: row.submitted_at?.toISOString() ?? null,
    submitRefusal: row.submit_refusal,
    openedAt: row.created_at.toISOString(),
  };
}

export function toEvidencePack(pack: EvidenceVersionRow | null) {
  if (!pack) return null;
  const evidence = pack.evidence as Partial<Record<DisputeEvidenceField, string>>;
  return {
    disputeId: pack.dispute_id,
    version: pack.version,
    evidence: Object.fromEntries(
      Object.entries(EVIDENCE_GRAPHQL_FIELDS).map(([name, field]) => [name, evidence[field] ?? null]),
    ),
    author: pack.author === 'system' ? 'SYSTEM' : pack.author,
    note: pack.note,
    createdAt: pack.created_at.toISOString(),
  };
}
