/**
 * The webhook delivery worker.
 *
 * Fan-out (the catalog-event consumer): a partner-visible event is recorded once in partner.event
 * (the replayer reads it there) and becomes one task per subscribed active endpoint; both inserts
 * are idempotent, so a redelivered event (SQS is at-least-once) adds nothing.
 *
 * Delivery (after fan-out, and on a schedule for retries): due tasks are claimed with SKIP LOCKED
 * and a lease, signed per Standard Webhooks and POSTed. Every attempt is logged (partner.delivery).
 * 2xx: delivered. 410 Gone: the endpoint is disabled at once. Anything else: retried with
 * exponential backoff and jitter until the attempts run out (the task is then dead: the webhook
 * DLQ), and an endpoint that has failed without a success for the configured time is disabled.
 *
 * Versions: an endpoint is registered on a payload version. An event newer than it is delivered
 * one version behind (the catalog's downgrade, computed at fan-out and kept with the event), with
 * that version in `X-RastUp-Event-Version`; an endpoint two or more versions behind gets nothing
 * for that event (the task is cancelled and logged), never a payload it cannot read.
 *
 * Ownership: an event about a partner's own brief (its payload names `clientId`) is recorded with
 * that client and fans out to that client's endpoints only; the replayer keeps to the same rule.
 *
 * Payloads: the catalog payload minus internal fields (owner account ids); never media bytes or
 * URLs of originals (§1.27.9).
 */
import type { Clock } from '../core/clock.ts';
import { eventCatalog, type DomainEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import type { PartnerRepositories } from './partner.repositories.ts';
import { PARTNER_EVENT_TYPES, type PartnerEventType } from './partner.schemas.ts';
import type { WebhookSender } from './http-webhook-sender.ts';
import type { EndpointRow, PartnerEventRow, TaskRow } from './webhook.repository.ts';
import { webhookHeaders } from './webhook-signing.ts';

export interface DeliverySettings {
  readonly maxAttempts: number;
  readonly backoffBaseSeconds: number;
  readonly backoffCapSeconds: number;
  readonly disableAfterSeconds: number;
  readonly timeoutMs: number;
}

/** Fields of catalog payloads that stay inside the platform. */
const INTERNAL_FIELDS = new Set(['ownerUserId', 'originalKeys', 'publicKeys']);

export function partnerPayload(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => !INTERNAL_FIELDS.has(key)));
}

/** The catalog's version conversions (the real catalog in production; a test catalog in unit tests). */
export interface EventVersions {
  previousVersion(type: string, version: number): number | null;
  toVersion(
    event: { type: string; version: number; payload: unknown },
    version: number,
  ): { readonly version: number; readonly payload: unknown };
}

const catalogVersions: EventVersions = {
  previousVersion: (type, version) => eventCatalog.previousVersion(type as DomainEvent['type'], version),
  toVersion: (event, version) =>
    eventCatalog.toVersion(event as Pick<DomainEvent, 'type' | 'version' | 'payload'>, version),
};

export function isPartnerEventType(type: string): type is PartnerEventType {
  return (PARTNER_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * The partner client an event belongs to: brief and invite events name it (`clientId`) and go to its
 * endpoints alone; listing and work events name none and go to every subscriber.
 */
export function ownerOf(payload: Record<string, unknown>): string | null {
  return typeof payload.clientId === 'string' ? payload.clientId : null;
}

/** Exponential backoff with jitter: between half and all of min(cap, base * 2^(attempt-1)). */
export function backoffSeconds(
  attempt: number,
  settings: DeliverySettings,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.backoffCapSeconds, settings.backoffBaseSeconds * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

export interface DeliveryRun {
  readonly attempted: number;
  readonly delivered: number;
  readonly failed: number;
}

export class WebhookDeliveryService {
  constructor(
    private readonly db: UnitOfWork<PartnerRepositories>,
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    private readonly settings: DeliverySettings,
    private readonly logger: Logger,
    private readonly versions: EventVersions = catalogVersions,
  ) {}

  /** The consumer of catalog events: record once, fan out once, then try to deliver right away. */
  async onEvent(event: DomainEvent): Promise<void> {
    if (!isPartnerEventType(event.type)) return;
    const previousVersion = this.versions.previousVersion(event.type, event.version);
    const previous =
      previousVersion === null
        ? null
        : (this.versions.toVersion(event, previousVersion).payload as Record<string, unknown>);
    const owner = ownerOf(event.payload);
    await this.db.transaction(async (tx) => {
      await tx.webhooks.insertEvent({
        event_id: event.id,
        type: event.type,
        version: event.version,
        aggregate_type: event.aggregateType,
        aggregate_id: event.aggregateId,
        occurred_at: new Date(event.occurredAt),
        payload: partnerPayload(event.payload),
        previous_version: previous === null ? null : previousVersion,
        previous_payload: previous === null ? null : partnerPayload(previous),
        client_id: owner,
      });
      for (const endpoint of await tx.webhooks.subscribers(event.type, owner)) {
        await tx.webhooks.insertTask({
          messageId: newId('webhookMessage'),
          endpointId: endpoint.endpoint_id,
          eventId: event.id,
          replay: false,
        });
      }
    });
    await this.deliverDue();
  }

  /**
   * Delivers every task due by `asOf` (default now), a batch at a time; the scheduled retry job and
   * fan-out call this. Signatures always carry the real time (receivers reject stale timestamps).
   */
  async deliverDue(options: { asOf?: Date; batchSize?: number } = {}): Promise<DeliveryRun> {
    const batchSize = options.batchSize ?? 50;
    const total = { attempted: 0, delivered: 0, failed: 0 };
    for (;;) {
      const lease = Math.ceil(this.settings.timeoutMs / 1000) + 30;
      const tasks = await this.db.webhooks.claimDue(options.asOf ?? this.clock.now(), batchSize, lease);
      if (tasks.length === 0) return total;
      // One read per endpoint and per event of the batch, not per task.
      const endpoints = new Map<string, Promise<EndpointRow | null>>();
      const events = new Map<string, Promise<PartnerEventRow | null>>();
      for (const task of tasks) {
        if (!endpoints.has(task.endpoint_id))
          endpoints.set(task.endpoint_id, this.db.webhooks.endpoint(task.endpoint_id));
        if (!events.has(task.event_id)) events.set(task.event_id, this.db.webhooks.event(task.event_id));
      }
      const outcomes = await Promise.all(
        tasks.map(async (task) =>
          this.attempt(task, await endpoints.get(task.endpoint_id)!, await events.get(task.event_id)!),
        ),
      );
      total.attempted += tasks.length;
      total.delivered += outcomes.filter((o) => o === 'delivered').length;
      total.failed += outcomes.filter((o) => o === 'failed').length;
      if (tasks.length < batchSize) return total;
    }
  }

  private async attempt(
    task: TaskRow,
    endpoint: EndpointRow | null,
    event: PartnerEventRow | null,
  ): Promise<'delivered' | 'failed' | 'skipped'> {
    if (!endpoint || !event || endpoint.status !== 'active') {
      await this.db.webhooks.finishTask(task.task_id, 'cancelled');
      return 'skipped';
    }
    const shipped = this.versionFor(endpoint, event);
    if (!shipped) {
      await this.db.webhooks.finishTask(task.task_id, 'cancelled');
      this.logger.info('webhook event newer than the endpoint can read', {
        endpointId: endpoint.endpoint_id,
        eventId: event.event_id,
        eventVersion: event.version,
        endpointVersion: endpoint.version,
      });
      return 'skipped';
    }
    const body = JSON.stringify({
      type: event.type,
      timestamp: event.occurred_at.toISOString(),
      data: { eventId: event.event_id, aggregateId: event.aggregate_id, ...shipped.payload },
    });
    const now = this.clock.now();
    const headers = webhookHeaders({
      secrets: this.secretsOf(endpoint, now),
      messageId: task.message_id,
      timestampSeconds: Math.floor(now.getTime() / 1000),
      body,
      eventVersion: String(shipped.version),
    });
    const result = await this.sender.send(endpoint.url, headers, body);
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    await this.db.transaction(async (tx) => {
      await tx.webhooks.logAttempt({
        taskId: task.task_id,
        endpointId: endpoint.endpoint_id,
        eventId: event.event_id,
        attempt: task.attempts,
        status: ok ? 'delivered' : 'failed',
        responseCode: result.status,
        responseMs: result.ms,
        error: result.error,
      });
      if (ok) {
        await tx.webhooks.finishTask(task.task_id, 'delivered');
        if (endpoint.consecutive_failures > 0 || endpoint.failing_since)
          await tx.webhooks.recordSuccess(endpoint.endpoint_id);
        return;
      }
      if (result.status === 410) {
        await tx.webhooks.finishTask(task.task_id, 'cancelled');
        await tx.webhooks.disable(endpoint.endpoint_id, 'The endpoint answered 410 Gone');
        this.logger.info('webhook endpoint disabled (410)', { endpointId: endpoint.endpoint_id });
        return;
      }
      const failingSince = await tx.webhooks.recordFailure(endpoint.endpoint_id, now);
      if (now.getTime() - failingSince.getTime() >= this.settings.disableAfterSeconds * 1000) {
        await tx.webhooks.finishTask(task.task_id, 'dead');
        await tx.webhooks.disable(endpoint.endpoint_id, 'Deliveries failed without a success for too long');
        this.logger.info('webhook endpoint disabled (sustained failure)', { endpointId: endpoint.endpoint_id });
      } else if (task.attempts >= this.settings.maxAttempts) {
        await tx.webhooks.finishTask(task.task_id, 'dead');
      } else {
        await tx.webhooks.retryTaskAt(
          task.task_id,
          new Date(now.getTime() + backoffSeconds(task.attempts, this.settings) * 1000),
        );
      }
    });
    return ok ? 'delivered' : 'failed';
  }

  /** The payload an endpoint registered on `endpoint.version` reads: current, one behind, or none. */
  private versionFor(
    endpoint: EndpointRow,
    event: PartnerEventRow,
  ): { version: number; payload: Record<string, unknown> } | null {
    const accepts = Number.parseInt(endpoint.version, 10);
    if (event.version <= accepts) return { version: event.version, payload: event.payload };
    if (event.previous_version !== null && event.previous_payload !== null && event.previous_version <= accepts)
      return { version: event.previous_version, payload: event.previous_payload };
    return null;
  }

  private secretsOf(endpoint: EndpointRow, now: Date): string[] {
    const previous =
      endpoint.previous_secret && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now
        ? [endpoint.previous_secret]
        : [];
    return [endpoint.secret, ...previous];
  }
}
