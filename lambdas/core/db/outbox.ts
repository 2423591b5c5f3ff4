/**
 * Transactional outbox: a state change and the event announcing it commit together, so an event
 * is published if and only if the change happened. The relay (outbox-relay.ts) delivers them.
 */
import { eventCatalog, type CatalogOutboxEvent } from '../events/catalog.ts';
import { newId } from '../ids.ts';
import { currentLogContext } from '../log.ts';
import type { Transaction } from './database.ts';

/**
 * Appends a catalog event (made with `buildEvent`) to the outbox in the caller's transaction. The
 * payload is checked against its catalog schema again here, so an event assembled by hand (a cast)
 * cannot reach consumers either: it throws, and the transaction rolls back.
 */
export async function enqueueEvent(tx: Transaction, event: CatalogOutboxEvent): Promise<string> {
  const checked = eventCatalog.build(event.type, event.payload);
  const id = newId('event');
  await tx.query(
    `INSERT INTO outbox_events (id, type, version, aggregate_type, aggregate_id, payload, correlation_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      id,
      checked.type,
      checked.version,
      checked.aggregateType,
      checked.aggregateId,
      JSON.stringify(checked.payload),
      currentLogContext()?.correlationId ?? null,
    ],
  );
  return id;
}
