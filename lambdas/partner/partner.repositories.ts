/** The partner domain's stores bound to one `Queryable` (the pool, or one transaction). */
import type { Queryable } from '../core/db/database.ts';
import { BriefRepository, type BriefStore } from './brief.repository.ts';
import { ClientRepository, type ClientStore } from './client.repository.ts';
import { WebhookRepository, type WebhookStore } from './webhook.repository.ts';

export interface PartnerRepositories {
  readonly clients: ClientStore;
  readonly webhooks: WebhookStore;
  readonly briefs: BriefStore;
}

export function partnerRepositories(db: Queryable): PartnerRepositories {
  return { clients: new ClientRepository(db), webhooks: new WebhookRepository(db), briefs: new BriefRepository(db) };
}
