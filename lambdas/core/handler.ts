/**
 * One Lambda per domain, several entry kinds: AppSync resolver events, API Gateway proxy events
 * and relayed domain events (EventBridge -> SQS). This picks the right router so a domain's
 * handler file only declares its fields, routes and consumers.
 */
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult, AppSyncResolverEvent } from './events.ts';
import { isApiGatewayEvent, isAppSyncEvent } from './events.ts';
import type { EventDispatcher } from './events/dispatcher.ts';
import { processEventBatch, type SqsBatch } from './events/sqs-consumer.ts';
import type { ResolverEnvelope } from './errors.ts';
import { addLambdaContext, type LambdaContext, type Logger } from './log.ts';
import type { RouteDefinition } from './route-router.ts';

export interface DomainHandlerParts {
  readonly appsync?: (event: AppSyncResolverEvent) => Promise<ResolverEnvelope>;
  readonly rest?: ((event: ApiGatewayProxyEvent) => Promise<ApiGatewayProxyResult>) & {
    readonly routes?: readonly RouteDefinition[];
  };
  /** Consumers: routes each delivered event by type (events/dispatcher.ts). */
  readonly events?: EventDispatcher;
  readonly logger: Logger;
}

function isSqsEvent(event: unknown): event is SqsBatch {
  return typeof event === 'object' && event !== null && Array.isArray((event as SqsBatch).Records);
}

export function createDomainHandler(parts: DomainHandlerParts) {
  async function handler(event: unknown, context?: LambdaContext): Promise<unknown> {
    // Request id and cold-start flag on every line of this invocation (Powertools Logger).
    if (context) addLambdaContext(context);
    if (isAppSyncEvent(event) && parts.appsync) return parts.appsync(event);
    if (isApiGatewayEvent(event) && parts.rest) return parts.rest(event);
    // SQS partial batch response: only failed messages are retried (then go to the DLQ).
    if (isSqsEvent(event) && parts.events) return processEventBatch(event, parts.events, parts.logger);
    parts.logger.error('unsupported event shape');
    throw new Error('Unsupported event shape');
  }
  // The REST routes this Lambda serves (for tools that enumerate the API, e.g. the fuzz test).
  return Object.assign(handler, { routes: parts.rest?.routes ?? [] });
}
