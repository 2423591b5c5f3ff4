/**
 * Moves committed outbox rows to the event publisher. Rows are claimed with FOR UPDATE SKIP LOCKED
 * so several relays never deliver the same row concurrently; a row is marked published only after
 * the publisher accepted it, so delivery is at-least-once and consumers deduplicate by event id
 * (`consumeOnce`).
 */
import type { EventEnvelope } from '../events/event-contract.ts';
import type { EventPublisher } from '../ports.ts';
import type { Database, Transaction } from './database.ts';

interface OutboxRow {
  id: string;
  type: string;
  version: number;
  aggregate_type: string;
  aggregate_id: string;
  payload: unknown;
  correlation_id: string | null;
  created_at: Date;
}

export async function relayOutboxBatch(db: Database, publisher: EventPublisher, batchSize = 100): Promise<number> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query<OutboxRow>(
      `SELECT id, type, version, aggregate_type, aggregate_id, payload, correlation_id, created_at
         FROM outbox_events
        WHERE published_at IS NULL AND available_at <= now()
        ORDER BY created_at, id
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (claimed.rows.length === 0) return 0;
    // The relay carries envelopes; it does not judge payloads (the producer's enqueueEvent checked
    // them against the catalog, and each consumer parses them with the catalog it was deployed with).
    const events: EventEnvelope[] = claimed.rows.map((row) => ({
      id: row.id,
      type: row.type,
      version: row.version,
      aggregateType: row.aggregate_type,
      aggregateId: row.aggregate_id,
      occurredAt: row.created_at.toISOString(),
      payload: row.payload,
      ...(row.correlation_id ? { correlationId: row.correlation_id } : {}),
    }));
    const ids = claimed.rows.map((row) => row.id);
    try {
      await publisher.publish(events);
    } catch (error) {
      // Back off this batch; the rows stay unpublished and are retried later.
      await tx.query(
        `UPDATE outbox_events SET attempts = attempts + 1,
                available_at = now() + make_interval(secs => least(300, power(2, attempts + 1))),
                last_error = $2
          WHERE id = ANY($1)`,
        [ids, String((error as Error)?.message ?? error).slice(0, 500)],
      );
      return 0;
    }
    await tx.query('UPDATE outbox_events SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1)', [ids]);
    return ids.length;
  });
}

/**
 * Runs a consumer's effect once per (consumer, event id): the inbox row and the effect commit in
 * the same transaction, so a redelivered event is a no-op.
 */
export async function consumeOnce<Tx extends Transaction = Transaction>(
  db: { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  consumer: string,
  event: { readonly id: string },
  effect: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      'INSERT INTO consumer_inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [consumer, event.id],
    );
    if (inserted.rowCount === 0) return false;
    await effect(tx);
    return true;
  });
}
