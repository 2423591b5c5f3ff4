/**
 * One Lambda per domain, several entry kinds: AppSync resolver events, API Gateway proxy events
 * and relayed domain events (EventBridge -> SQS). This picks the right router so a domain's
 * handler file only declares its fields, routes and consumers.
 */
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult, AppSyncResolverEvent, DomainEvent } from './events.ts';
import { isApiGatewayEvent, isAppSyncEvent } from './events.ts';
import type { ResolverEnvelope } from './errors.ts';
import { withLogContext, type Logger } from './log.ts';

export interface DomainHandlerParts {
  readonly appsync?: (event: AppSyncResolverEvent) => Promise<ResolverEnvelope>;
  readonly rest?: (event: ApiGatewayProxyEvent) => Promise<ApiGatewayProxyResult>;
  readonly events?: (event: DomainEvent) => Promise<void>;
  readonly logger: Logger;
}

interface SqsEvent {
  Records: { messageId: string; body: string }[];
}

function isSqsEvent(event: unknown): event is SqsEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SqsEvent).Records);
}

export function createDomainHandler(parts: DomainHandlerParts) {
  return async function handler(event: unknown): Promise<unknown> {
    if (isAppSyncEvent(event) && parts.appsync) return parts.appsync(event);
    if (isApiGatewayEvent(event) && parts.rest) return parts.rest(event);
    if (isSqsEvent(event) && parts.events) {
      // SQS partial batch response: only failed messages are retried (then go to the DLQ).
      const batchItemFailures: { itemIdentifier: string }[] = [];
      for (const record of event.Records) {
        try {
          const envelope = JSON.parse(record.body) as { detail?: DomainEvent } & DomainEvent;
          const domainEvent = envelope.detail ?? envelope;
          await withLogContext(
            { correlationId: domainEvent.correlationId ?? domainEvent.id, eventType: domainEvent.type },
            () => parts.events!(domainEvent),
          );
        } catch (error) {
          parts.logger.error('event consumer failed', { messageId: record.messageId, error });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    }
    parts.logger.error('unsupported event shape');
    throw new Error('Unsupported event shape');
  };
}
