/**
 * The partner registry's operator side: create a client (its secret is returned here and never
 * again), suspend or reactivate one. A status change revokes every token issued before it and
 * drops the shared cached verdict at once, so a suspended partner is refused by every container
 * within its local verdict lifetime (PARTNER_VERDICT_LOCAL_TTL_SECONDS, 2 s).
 */
import { ValidationError } from '../core/errors.ts';
import { isId, newId } from '../core/ids.ts';
import type { ClientStore } from './client.repository.ts';
import { InvalidScopeError } from './partner.errors.ts';
import { hashSecret, newClientSecret, type VerdictCache } from './partner-token.service.ts';
import { PARTNER_SCOPES, type PartnerScope } from './partner.schemas.ts';

export class PartnerRegistry {
  constructor(
    private readonly clients: ClientStore,
    private readonly verdicts: Pick<VerdictCache, 'delete'>,
  ) {}

  async createClient(input: {
    name: string;
    contactEmail: string;
    scopes: readonly string[];
    requestsPerMinute?: number;
    accountUserId?: string;
  }): Promise<{ clientId: string; clientSecret: string; scopes: PartnerScope[] }> {
    const unknown = input.scopes.filter((s) => !(PARTNER_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || input.scopes.length === 0)
      throw new InvalidScopeError('Give one or more known scopes', { unknown, known: [...PARTNER_SCOPES] });
    if (input.accountUserId !== undefined && !isId('user', input.accountUserId))
      throw new ValidationError('The account must be a usr_ id', [{ path: 'accountUserId', message: 'not a usr_ id' }]);
    const clientId = newId('partnerClient');
    const clientSecret = newClientSecret();
    const scopes = [...new Set(input.scopes)] as PartnerScope[];
    await this.clients.insert({
      clientId,
      name: input.name,
      contactEmail: input.contactEmail,
      scopes,
      secretHash: hashSecret(clientSecret),
      requestsPerMinute: input.requestsPerMinute ?? 600,
      accountUserId: input.accountUserId,
    });
    return { clientId, clientSecret, scopes };
  }

  async setClientStatus(clientId: string, status: 'active' | 'suspended'): Promise<boolean> {
    const changed = await this.clients.setStatus(clientId, status);
    await this.verdicts.delete(clientId);
    return changed;
  }
}
