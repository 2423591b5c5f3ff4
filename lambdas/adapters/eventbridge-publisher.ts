/** Publishes relayed outbox events to the stage's EventBridge bus (10 entries per PutEvents call). */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventEnvelope } from '../core/events/event-contract.ts';
import type { EventPublisher } from '../core/ports.ts';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const chunk = events.slice(i, i + 10);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((event) => ({
            EventBusName: this.busName,
            Source: `rastup.${event.aggregateType}`,
            DetailType: event.type,
            Detail: JSON.stringify(event),
          })),
        }),
      );
      // Partial failure: fail the batch; the relay retries and consumers deduplicate by id.
      if ((result.FailedEntryCount ?? 0) > 0)
        throw new Error(`EventBridge rejected ${result.FailedEntryCount} of ${chunk.length} events`);
    }
  }
}
