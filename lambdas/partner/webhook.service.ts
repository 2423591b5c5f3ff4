/**
 * Webhook endpoints per partner client: register (secret shown once), list, delete, rotate the
 * secret with an overlap, replay past events with filters, read the delivery log. Another client's
 * endpoint answers NOT_FOUND.
 */
import type * as z from 'zod';
import type { Clock } from '../core/clock.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { isUniqueViolation } from '../core/db/database.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { newId } from '../core/ids.ts';
import type { PartnerCaller } from './partner-token.service.ts';
import type { PartnerRepositories } from './partner.repositories.ts';
import type { CreateEndpointBody, ReplayBody, delivery, webhookEndpoint } from './partner.schemas.ts';
import type { EndpointRow } from './webhook.repository.ts';
import { newWebhookSecret } from './webhook-signing.ts';
import { checkTargetUrl } from './webhook-target.ts';

export type EndpointView = z.infer<typeof webhookEndpoint>;
export type DeliveryView = z.infer<typeof delivery>;

const REPLAY_LIMIT = 1000;

function view(row: EndpointRow): EndpointView {
  return {
    id: row.endpoint_id,
    url: row.url,
    eventTypes: row.event_types,
    version: row.version,
    status: row.status === 'disabled' ? 'disabled' : 'active',
    disabledReason: row.disabled_reason,
    createdAt: row.created_at.toISOString(),
  };
}

export interface WebhookSettings {
  readonly allowPrivateTargets: boolean;
  readonly secretOverlapSeconds: number;
}

export class WebhookService {
  constructor(
    private readonly db: UnitOfWork<PartnerRepositories>,
    private readonly clock: Clock,
    private readonly settings: WebhookSettings,
  ) {}

  async create(caller: PartnerCaller, body: CreateEndpointBody): Promise<EndpointView & { secret: string }> {
    const url = checkTargetUrl(body.url, this.settings.allowPrivateTargets).toString();
    const secret = newWebhookSecret();
    try {
      const row = await this.db.webhooks.insertEndpoint({
        endpointId: newId('webhook'),
        clientId: caller.clientId,
        url,
        secret,
        version: body.version,
        eventTypes: [...new Set(body.eventTypes)],
      });
      return { ...view(row), secret };
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An endpoint with this URL exists', 'WEBHOOK.URL_TAKEN');
      throw error;
    }
  }

  async list(caller: PartnerCaller): Promise<{ data: EndpointView[] }> {
    return { data: (await this.db.webhooks.endpointsOf(caller.clientId)).map(view) };
  }

  async get(caller: PartnerCaller, endpointId: string): Promise<EndpointView> {
    const row = await this.db.webhooks.endpointOf(caller.clientId, endpointId);
    if (!row) throw new NotFoundError('No such webhook endpoint');
    return view(row);
  }

  async delete(caller: PartnerCaller, endpointId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await tx.webhooks.endpointOf(caller.clientId, endpointId, true);
      if (!row) throw new NotFoundError('No such webhook endpoint');
      await tx.webhooks.deleteEndpoint(endpointId);
    });
  }

  /** New secret now; the old one keeps signing (a second signature) until the overlap ends. */
  async rotateSecret(
    caller: PartnerCaller,
    endpointId: string,
  ): Promise<{ secret: string; previousSecretExpiresAt: string }> {
    return this.db.transaction(async (tx) => {
      const row = await tx.webhooks.endpointOf(caller.clientId, endpointId, true);
      if (!row) throw new NotFoundError('No such webhook endpoint');
      const secret = newWebhookSecret();
      const expiresAt = new Date(this.clock.nowMs() + this.settings.secretOverlapSeconds * 1000);
      await tx.webhooks.rotateSecret(endpointId, secret, expiresAt);
      return { secret, previousSecretExpiresAt: expiresAt.toISOString() };
    });
  }

  /**
   * Re-delivers the events matching the filters to the caller's active endpoints subscribed to
   * them (or to one endpoint), as new messages; the delivery worker sends them.
   */
  async replay(caller: PartnerCaller, filter: ReplayBody): Promise<{ replayed: number; eventIds: string[] }> {
    return this.db.transaction(async (tx) => {
      let endpoints = (await tx.webhooks.endpointsOf(caller.clientId)).filter((e) => e.status === 'active');
      if (filter.endpointId) {
        endpoints = endpoints.filter((e) => e.endpoint_id === filter.endpointId);
        if (endpoints.length === 0) throw new NotFoundError('No such active webhook endpoint');
      }
      const events = await tx.webhooks.findEvents(
        {
          from: filter.from ? new Date(filter.from) : undefined,
          to: filter.to ? new Date(filter.to) : undefined,
          types: filter.types,
          aggregateId: filter.aggregateId,
          clientId: caller.clientId,
        },
        REPLAY_LIMIT,
      );
      let replayed = 0;
      const eventIds: string[] = [];
      for (const event of events) {
        const targets = endpoints.filter((e) => e.event_types.includes(event.type));
        if (targets.length === 0) continue;
        eventIds.push(event.event_id);
        for (const endpoint of targets) {
          await tx.webhooks.insertTask({
            messageId: newId('webhookMessage'),
            endpointId: endpoint.endpoint_id,
            eventId: event.event_id,
            replay: true,
          });
          replayed++;
        }
      }
      return { replayed, eventIds };
    });
  }

  async deliveries(
    caller: PartnerCaller,
    query: { endpointId?: string | undefined; limit: number },
  ): Promise<{ data: DeliveryView[] }> {
    const rows = await this.db.webhooks.deliveriesOf(caller.clientId, query.endpointId, query.limit);
    return {
      data: rows.map((row) => ({
        eventId: row.event_id,
        endpointId: row.endpoint_id,
        messageId: row.message_id,
        attempt: row.attempt,
        status: row.status,
        responseCode: row.response_code,
        responseMs: row.response_ms,
        createdAt: row.created_at.toISOString(),
      })),
    };
  }
}
