/** Inputs of the finance dispute queue (GraphQL arguments): the only definition of their types. */
import * as z from 'zod';
import { stripeDisputeFields } from '../core/events/catalog.ts';
import type { DisputeEvidence, DisputeEvidenceField } from '../core/payment-provider.ts';
import { safeText } from '../core/text.ts';

/** GraphQL's camelCase names of Stripe's evidence fields. */
export const EVIDENCE_GRAPHQL_FIELDS = {
  productDescription: 'product_description',
  serviceDate: 'service_date',
  cancellationPolicyDisclosure: 'cancellation_policy_disclosure',
  cancellationRebuttal: 'cancellation_rebuttal',
  refundPolicyDisclosure: 'refund_policy_disclosure',
  refundRefusalExplanation: 'refund_refusal_explanation',
  accessActivityLog: 'access_activity_log',
  uncategorizedText: 'uncategorized_text',
} as const satisfies Record<string, DisputeEvidenceField>;

/** Stripe caps each text field too; 20,000 keeps any one field well inside the combined 150,000. */
const evidenceText = safeText().max(20_000);

const evidenceInput = z
  .object({
    productDescription: evidenceText.nullish(),
    // Stripe's service_date is free text; a date is what banks expect.
    serviceDate: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')]).nullish(),
    cancellationPolicyDisclosure: evidenceText.nullish(),
    cancellationRebuttal: evidenceText.nullish(),
    refundPolicyDisclosure: evidenceText.nullish(),
    refundRefusalExplanation: evidenceText.nullish(),
    accessActivityLog: evidenceText.nullish(),
    uncategorizedText: evidenceText.nullish(),
  })
  .strict()
  .transform((input): DisputeEvidence => {
    const out: Partial<Record<DisputeEvidenceField, string>> = {};
    for (const [name, field] of Object.entries(EVIDENCE_GRAPHQL_FIELDS)) {
      const value = input[name as keyof typeof input];
      if (value !== null && value !== undefined) out[field] = value;
    }
    return out;
  });

const disputeId = stripeDisputeFields.id;
const version = z.number().int().min(1).max(100_000);

export const disputeQueueArgs = z
  .object({ all: z.boolean().nullish(), first: z.number().int().min(1).max(100).nullish() })
  .strict();

export const disputeEvidenceArgs = z.object({ disputeId, version: version.nullish() }).strict();

export const editDisputeEvidenceArgs = z
  .object({
    input: z
      .object({
        disputeId,
        baseVersion: version,
        evidence: evidenceInput,
        note: safeText().trim().max(2000).nullish(),
      })
      .strict(),
  })
  .strict();

export const approveDisputeEvidenceArgs = z.object({ input: z.object({ disputeId, version }).strict() }).strict();
