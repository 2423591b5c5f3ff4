/**
 * Routes a delivered event to the consumer method for its type. The envelope is parsed through the
 * catalog first, so a method receives a typed payload at the current version. An event type the
 * catalog does not know, or one this consumer has no method for, is an error: never a silent default
 * (the record is reported failed, retried, and lands in the DLQ with the reason in the log).
 */
import { eventCatalog, type DomainEvent, type EventType } from './catalog.ts';
import { EventContractError, type EventEnvelope } from './event-contract.ts';

export type EventHandlers<T extends EventType> = {
  readonly [K in T]: (event: DomainEvent<K>) => Promise<unknown>;
};

export interface EventDispatcher {
  /** The types this consumer handles (a test checks them against infra/definitions eventConsumers). */
  readonly types: readonly EventType[];
  dispatch(envelope: EventEnvelope): Promise<void>;
}

export function createEventDispatcher<T extends EventType>(handlers: EventHandlers<T>): EventDispatcher {
  const routes = new Map<string, (event: DomainEvent) => Promise<unknown>>(
    Object.entries(handlers) as [string, (event: DomainEvent) => Promise<unknown>][],
  );
  return {
    types: [...routes.keys()] as EventType[],
    async dispatch(envelope) {
      const meta = { type: envelope.type, version: envelope.version, eventId: envelope.id };
      if (!eventCatalog.has(envelope.type))
        throw new EventContractError('EVENT.UNKNOWN_TYPE', `Unknown event type "${envelope.type}"`, meta);
      const handle = routes.get(envelope.type);
      if (!handle)
        throw new EventContractError(
          'EVENT.NOT_ROUTED',
          `This consumer handles ${[...routes.keys()].join(', ')}; it was given "${envelope.type}"`,
          meta,
        );
      await handle(eventCatalog.parse(envelope));
    },
  };
}
