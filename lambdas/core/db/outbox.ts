/**
 * Transactional outbox: a state change and the event announcing it commit together, so an event
 * is published if and only if the change happened. The relay (outbox-relay.ts) delivers them.
 */
import { newId } from '../ids.ts';
import { currentLogContext } from '../log.ts';
import type { Transaction } from './database.ts';

export interface OutboxEventInput {
  readonly type: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly payload: Record<string, unknown>;
}

export async function enqueueEvent(tx: Transaction, event: OutboxEventInput): Promise<string> {
  const id = newId('event');
  await tx.query(
    `INSERT INTO outbox_events (id, type, aggregate_type, aggregate_id, payload, correlation_id)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      id,
      event.type,
      event.aggregateType,
      event.aggregateId,
      JSON.stringify(event.payload),
      currentLogContext()?.correlationId ?? null,
    ],
  );
  return id;
}
