/**
 * Scheduled in AWS (every minute, looping for most of it): drains the outbox to EventBridge.
 * Locally the stack runs the same `relayOutboxBatch` in-process against an in-process bus.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { relayOutboxBatch } from '../core/db/outbox-relay.ts';
import { addLambdaContext, createLogger, type LambdaContext } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.ts';
import { traced } from '../adapters/tracing.ts';

const logger = createLogger({ service: 'outbox-relay' });
const RUN_FOR_MS = 50_000;

export async function handler(_event?: unknown, context?: LambdaContext): Promise<{ relayed: number }> {
  if (context) addLambdaContext(context);
  const busName = process.env.EVENT_BUS_NAME;
  if (!busName) throw new Error('EVENT_BUS_NAME is not set');
  const db = await databaseFromEnv('relay');
  const publisher = new EventBridgePublisher(traced(new EventBridgeClient({})), busName);
  const deadline = Date.now() + RUN_FOR_MS;
  let relayed = 0;
  while (Date.now() < deadline) {
    const count = await relayOutboxBatch(db, publisher, 100);
    relayed += count;
    if (count === 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  logger.info('outbox relay run finished', { relayed });
  return { relayed };
}
