/** The partner domain's stores bound to one `Queryable` (the pool, or one transaction). */
import type { Queryable } from '../core/db/database.ts';
import { ClientRepository } from './client.repository.ts';
import { WebhookRepository } from './webhook.repository.ts';

export function partnerRepositories(db: Queryable) {
  return { clients: new ClientRepository(db), webhooks: new WebhookRepository(db) };
}
export type PartnerRepositories = ReturnType<typeof partnerRepositories>;
