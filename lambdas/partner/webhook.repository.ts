/**
 * SQL for webhook endpoints, the partner event log, delivery tasks and the delivery log
 * (partner.webhook_endpoint, partner.event, partner.delivery_task, partner.delivery).
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

const endpointRow = z.object({
  endpoint_id: z.string(),
  client_id: z.string(),
  url: z.string(),
  secret: z.string(),
  previous_secret: z.string().nullable(),
  previous_secret_expires_at: z.date().nullable(),
  version: z.string(),
  event_types: z.array(z.string()),
  status: z.enum(['active', 'disabled', 'deleted']),
  disabled_reason: z.string().nullable(),
  consecutive_failures: z.number().int(),
  failing_since: z.date().nullable(),
  created_at: z.date(),
});
export type EndpointRow = z.infer<typeof endpointRow>;
const ENDPOINT_COLUMNS = `endpoint_id, client_id, url, secret, previous_secret, previous_secret_expires_at, version, event_types,
  status, disabled_reason, consecutive_failures, failing_since, created_at`;

const eventRow = z.object({
  event_id: z.string(),
  type: z.string(),
  version: z.number().int(),
  aggregate_type: z.string(),
  aggregate_id: z.string(),
  occurred_at: z.date(),
  payload: z.record(z.string(), z.unknown()),
  /** The same event at the version before (for endpoints registered on it); null when there is none. */
  previous_version: z.number().int().nullable(),
  previous_payload: z.record(z.string(), z.unknown()).nullable(),
  /** The partner client an event belongs to (its briefs): delivered to that client alone. Null: public. */
  client_id: z.string().nullable(),
});
export type PartnerEventRow = z.infer<typeof eventRow>;
const EVENT_COLUMNS =
  'event_id, type, version, aggregate_type, aggregate_id, occurred_at, payload, previous_version, previous_payload, client_id';

const taskRow = z.object({
  task_id: z.coerce.number().int(),
  message_id: z.string(),
  endpoint_id: z.string(),
  event_id: z.string(),
  attempts: z.number().int(),
});
export type TaskRow = z.infer<typeof taskRow>;

const deliveryRow = z.object({
  event_id: z.string(),
  endpoint_id: z.string(),
  message_id: z.string(),
  attempt: z.number().int(),
  status: z.enum(['delivered', 'failed', 'pending']),
  response_code: z.number().int().nullable(),
  response_ms: z.number().int().nullable(),
  created_at: z.date(),
});
export type DeliveryRow = z.infer<typeof deliveryRow>;

export interface EventFilter {
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  readonly types?: readonly string[] | undefined;
  readonly aggregateId?: string | undefined;
  /** The replaying client: public events and its own, never another client's. */
  readonly clientId: string;
}

export class WebhookRepository {
  constructor(private readonly db: Queryable) {}

  // ---- endpoints ----

  async insertEndpoint(row: {
    endpointId: string;
    clientId: string;
    url: string;
    secret: string;
    version: string;
    eventTypes: readonly string[];
  }): Promise<EndpointRow> {
    const result = await this.db.query(
      `INSERT INTO partner.webhook_endpoint (endpoint_id, client_id, url, secret, version, event_types)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${ENDPOINT_COLUMNS}`,
      [row.endpointId, row.clientId, row.url, row.secret, row.version, row.eventTypes],
    );
    return parseRows(endpointRow, result.rows)[0]!;
  }

  async endpointsOf(clientId: string): Promise<EndpointRow[]> {
    const result = await this.db.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM partner.webhook_endpoint WHERE client_id = $1 AND status <> 'deleted' ORDER BY endpoint_id`,
      [clientId],
    );
    return parseRows(endpointRow, result.rows);
  }

  /** The client's endpoint, locked for a change when `forUpdate`. Others' endpoints are not found. */
  async endpointOf(clientId: string, endpointId: string, forUpdate = false): Promise<EndpointRow | null> {
    const result = await this.db.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM partner.webhook_endpoint WHERE endpoint_id = $1 AND client_id = $2 AND status <> 'deleted'
       ${forUpdate ? 'FOR UPDATE' : ''}`,
      [endpointId, clientId],
    );
    return parseRows(endpointRow, result.rows)[0] ?? null;
  }

  async endpoint(endpointId: string): Promise<EndpointRow | null> {
    const result = await this.db.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM partner.webhook_endpoint WHERE endpoint_id = $1`,
      [endpointId],
    );
    return parseRows(endpointRow, result.rows)[0] ?? null;
  }

  async deleteEndpoint(endpointId: string): Promise<void> {
    await this.db.query(
      `UPDATE partner.webhook_endpoint SET status = 'deleted', updated_at = now() WHERE endpoint_id = $1`,
      [endpointId],
    );
    await this.db.query(
      `UPDATE partner.delivery_task SET state = 'cancelled', updated_at = now() WHERE endpoint_id = $1 AND state = 'pending'`,
      [endpointId],
    );
  }

  async rotateSecret(endpointId: string, secret: string, previousExpiresAt: Date): Promise<void> {
    await this.db.query(
      `UPDATE partner.webhook_endpoint
          SET previous_secret = secret, previous_secret_expires_at = $3, secret = $2, updated_at = now()
        WHERE endpoint_id = $1`,
      [endpointId, secret, previousExpiresAt],
    );
  }

  /** Active endpoints subscribed to `type` (fan-out); only `clientId`'s when the event is that client's. */
  async subscribers(type: string, clientId: string | null = null): Promise<EndpointRow[]> {
    const result = await this.db.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM partner.webhook_endpoint e
        WHERE e.status = 'active' AND $1 = ANY (e.event_types) AND ($2::text IS NULL OR e.client_id = $2)
          AND EXISTS (SELECT 1 FROM partner.client c WHERE c.client_id = e.client_id AND c.status = 'active')`,
      [type, clientId],
    );
    return parseRows(endpointRow, result.rows);
  }

  async recordSuccess(endpointId: string): Promise<void> {
    await this.db.query(
      `UPDATE partner.webhook_endpoint SET consecutive_failures = 0, failing_since = NULL WHERE endpoint_id = $1`,
      [endpointId],
    );
  }

  /** Counts a failure; returns when the endpoint has been failing since (this failure included). */
  async recordFailure(endpointId: string, at: Date): Promise<Date> {
    const result = await this.db.query<{ failing_since: Date }>(
      `UPDATE partner.webhook_endpoint
          SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, $2)
        WHERE endpoint_id = $1 RETURNING failing_since`,
      [endpointId, at],
    );
    return result.rows[0]?.failing_since ?? at;
  }

  async disable(endpointId: string, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE partner.webhook_endpoint SET status = 'disabled', disabled_reason = $2, updated_at = now()
        WHERE endpoint_id = $1 AND status = 'active'`,
      [endpointId, reason],
    );
    await this.db.query(
      `UPDATE partner.delivery_task SET state = 'cancelled', updated_at = now() WHERE endpoint_id = $1 AND state = 'pending'`,
      [endpointId],
    );
  }

  // ---- events ----

  /** Records an event once (a redelivery finds it there and returns false). */
  async insertEvent(event: PartnerEventRow): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO partner.event (event_id, type, version, aggregate_type, aggregate_id, occurred_at, payload,
                                  previous_version, previous_payload, client_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id) DO NOTHING`,
      [
        event.event_id,
        event.type,
        event.version,
        event.aggregate_type,
        event.aggregate_id,
        event.occurred_at,
        JSON.stringify(event.payload),
        event.previous_version,
        event.previous_payload === null ? null : JSON.stringify(event.previous_payload),
        event.client_id,
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async event(eventId: string): Promise<PartnerEventRow | null> {
    const result = await this.db.query(
      `SELECT ${EVENT_COLUMNS}
         FROM partner.event WHERE event_id = $1`,
      [eventId],
    );
    return parseRows(eventRow, result.rows)[0] ?? null;
  }

  async findEvents(filter: EventFilter, limit: number): Promise<PartnerEventRow[]> {
    const result = await this.db.query(
      `SELECT ${EVENT_COLUMNS}
         FROM partner.event
        WHERE ($1::timestamptz IS NULL OR occurred_at >= $1) AND ($2::timestamptz IS NULL OR occurred_at <= $2)
          AND ($3::text[] IS NULL OR type = ANY ($3)) AND ($4::text IS NULL OR aggregate_id = $4)
          AND (client_id IS NULL OR client_id = $6)
        ORDER BY occurred_at, event_id LIMIT $5`,
      [
        filter.from ?? null,
        filter.to ?? null,
        filter.types ?? null,
        filter.aggregateId ?? null,
        limit,
        filter.clientId,
      ],
    );
    return parseRows(eventRow, result.rows);
  }

  // ---- tasks and the delivery log ----

  async insertTask(task: { messageId: string; endpointId: string; eventId: string; replay: boolean }): Promise<void> {
    await this.db.query(
      `INSERT INTO partner.delivery_task (message_id, endpoint_id, event_id, replay) VALUES ($1, $2, $3, $4)
       ON CONFLICT (endpoint_id, event_id) WHERE NOT replay DO NOTHING`,
      [task.messageId, task.endpointId, task.eventId, task.replay],
    );
  }

  /** Claims due tasks (others running concurrently skip them) and marks the attempt as started. */
  async claimDue(now: Date, limit: number, leaseSeconds: number): Promise<TaskRow[]> {
    const result = await this.db.query(
      `UPDATE partner.delivery_task t SET attempts = t.attempts + 1, next_attempt_at = $1::timestamptz + make_interval(secs => $3), updated_at = now()
        WHERE t.task_id IN (SELECT task_id FROM partner.delivery_task WHERE state = 'pending' AND next_attempt_at <= $1
                             ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING t.task_id, t.message_id, t.endpoint_id, t.event_id, t.attempts`,
      [now, limit, leaseSeconds],
    );
    return parseRows(taskRow, result.rows);
  }

  async finishTask(taskId: number, state: 'delivered' | 'dead' | 'cancelled'): Promise<void> {
    await this.db.query(`UPDATE partner.delivery_task SET state = $2, updated_at = now() WHERE task_id = $1`, [
      taskId,
      state,
    ]);
  }

  async retryTaskAt(taskId: number, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE partner.delivery_task SET next_attempt_at = $2, updated_at = now() WHERE task_id = $1 AND state = 'pending'`,
      [taskId, at],
    );
  }

  async logAttempt(entry: {
    taskId: number;
    endpointId: string;
    eventId: string;
    attempt: number;
    status: 'delivered' | 'failed';
    responseCode: number | null;
    responseMs: number;
    error: string | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO partner.delivery (task_id, endpoint_id, event_id, attempt, status, response_code, response_ms, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        entry.taskId,
        entry.endpointId,
        entry.eventId,
        entry.attempt,
        entry.status,
        entry.responseCode,
        entry.responseMs,
        entry.error,
      ],
    );
  }

  async deliveriesOf(clientId: string, endpointId: string | undefined, limit: number): Promise<DeliveryRow[]> {
    const result = await this.db.query(
      `SELECT d.event_id, d.endpoint_id, t.message_id, d.attempt, d.status, d.response_code, d.response_ms, d.created_at
         FROM partner.delivery d JOIN partner.delivery_task t ON t.task_id = d.task_id
         JOIN partner.webhook_endpoint e ON e.endpoint_id = d.endpoint_id
        WHERE e.client_id = $1 AND ($2::text IS NULL OR d.endpoint_id = $2)
        ORDER BY d.delivery_id DESC LIMIT $3`,
      [clientId, endpointId ?? null, limit],
    );
    return parseRows(deliveryRow, result.rows);
  }
}

export type WebhookStore = PortOf<WebhookRepository>;
