/**
 * Inputs of the DMCA workflow (NTB-HELP-002), the only definition of their types. A notice carries
 * the elements 17 U.S.C. §512(c)(3)(A) requires; a counter notice those of §512(g)(3). A statement
 * the statute requires is a literal `true`: a notice without it is not a notice.
 */
import * as z from 'zod';
import { idSchema } from '../core/ids.ts';

const text = (max: number) => z.string().trim().min(1).max(max);

export const dmcaTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('MEDIA'), id: idSchema('media') }),
  z.object({ kind: z.literal('PROFILE'), id: idSchema('profile') }),
  z.object({ kind: z.literal('STUDIO'), id: idSchema('studio') }),
]);
export type DmcaTarget = z.infer<typeof dmcaTargetSchema>;

/**
 * Material as a complainant names it: media by its id; a profile or studio by its id, its public slug
 * or its public page URL (resolved to the listing's id before anything else, so every way of naming
 * one listing is one target).
 */
export const dmcaTargetRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('MEDIA'), id: idSchema('media') }),
  z.object({ kind: z.literal('PROFILE'), id: text(500) }),
  z.object({ kind: z.literal('STUDIO'), id: text(500) }),
]);
export type DmcaTargetRef = z.infer<typeof dmcaTargetRefSchema>;

export const dmcaNoticeSchema = z.object({
  complainant: z.object({
    name: text(200),
    email: z.email().max(320),
    address: text(500),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ().-]{6,32}$/)
      .optional(),
    /** Who the complainant acts for, when not the owner of the right itself. */
    onBehalfOf: text(200).optional(),
  }),
  /** §512(c)(3)(A)(ii): the copyrighted work claimed to be infringed. */
  copyrightedWork: text(2000),
  /** §512(c)(3)(A)(iii): the material to remove, by the ids, slugs or URLs the public pages show. */
  targets: z.array(dmcaTargetRefSchema).min(1).max(20),
  /** §512(c)(3)(A)(v). */
  goodFaithBelief: z.literal(true),
  /** §512(c)(3)(A)(vi): accurate, and authorised under penalty of perjury. */
  accurateUnderPenaltyOfPerjury: z.literal(true),
  /** §512(c)(3)(A)(i): the electronic signature, the signer's full name. */
  signature: text(200),
});
export type DmcaNoticeInput = z.infer<typeof dmcaNoticeSchema>;

export const dmcaCounterNoticeSchema = z.object({
  caseId: idSchema('dmcaCase'),
  name: text(200),
  address: text(500),
  /** §512(g)(3)(C): removed by mistake or misidentification, under penalty of perjury. */
  mistakeUnderPenaltyOfPerjury: z.literal(true),
  /** §512(g)(3)(D): consent to the jurisdiction of the federal district court. */
  consentToJurisdiction: z.literal(true),
  explanation: text(2000),
  signature: text(200),
});
export type DmcaCounterNoticeInput = z.infer<typeof dmcaCounterNoticeSchema>;

// ---- the GraphQL fields' arguments (graphql/dmca.graphql) -------------------------------------------

const CASE_STATUSES = ['TAKEN_DOWN', 'COUNTER_NOTICED', 'SUIT_FILED', 'RESTORED'] as const;
const first = z.number().int().min(1).max(100).nullish();

export const submitDmcaNoticeArgs = z.object({ input: dmcaNoticeSchema });
export const fileDmcaCounterNoticeArgs = z.object({ input: dmcaCounterNoticeSchema });
export const myDmcaCasesArgs = z.object({ first });
export const dmcaQueueArgs = z.object({ status: z.enum(CASE_STATUSES).nullish(), first });
export const recordDmcaSuitArgs = z.object({ caseId: idSchema('dmcaCase'), reference: text(200) });
