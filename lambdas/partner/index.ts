/**
 * The partner domain's public module: what other code (operator scripts, tests) may import from
 * it. Everything else in lambdas/partner is private.
 */
import type { Queryable } from '../core/db/database.ts';
import { ClientRepository } from './client.repository.ts';
import { PartnerRegistry } from './partner-registry.ts';
import type { VerdictCache } from './partner-token.service.ts';

export { PARTNER_EVENT_TYPES, PARTNER_SCOPES, type PartnerEventType, type PartnerScope } from './partner.schemas.ts';
export type { PartnerRegistry } from './partner-registry.ts';
export type { Verdict, VerdictCache } from './partner-token.service.ts';

/** The registry over a database (the migrator's or the partner role's) and the verdict cache. */
export function partnerRegistry(db: Queryable, verdicts: Pick<VerdictCache, 'delete'>): PartnerRegistry {
  return new PartnerRegistry(new ClientRepository(db), verdicts);
}
export { partnerExportSection } from './partner-export.query.ts';
