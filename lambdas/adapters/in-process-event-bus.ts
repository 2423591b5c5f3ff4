/**
 * The local stand-in for EventBridge -> SQS -> consumer Lambda: delivers each event to every
 * subscribed consumer whose pattern matches, in process. A failing consumer is retried by the
 * relay (the batch is not marked published), as an SQS redrive would. The local stack hands each
 * consumer Lambda `sqsBatchOf(...)` (core/events/sqs-consumer.ts): the shape it receives in AWS.
 */
import type { EventEnvelope } from '../core/events/event-contract.ts';
import type { EventPublisher } from '../core/ports.ts';

export type EventConsumer = (event: EventEnvelope) => Promise<void>;

export class InProcessEventBus implements EventPublisher {
  private readonly subscriptions: { patterns: readonly string[]; consumer: EventConsumer }[] = [];
  readonly delivered: EventEnvelope[] = [];

  subscribe(patterns: readonly string[], consumer: EventConsumer): void {
    this.subscriptions.push({ patterns, consumer });
  }

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      for (const { patterns, consumer } of this.subscriptions) {
        if (patterns.some((pattern) => matches(pattern, event.type))) await consumer(event);
      }
      this.delivered.push(event);
      if (this.delivered.length > 1_000) this.delivered.shift();
    }
  }
}

/** `profile.*` matches `profile.published`; `*` matches everything. */
export function matches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}
