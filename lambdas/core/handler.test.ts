import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayProxyEvent, AppSyncResolverEvent } from './events.ts';
import { newDomainEvent, type DomainEvent } from './events/catalog.ts';
import { createEventDispatcher } from './events/dispatcher.ts';
import type { EventEnvelope } from './events/event-contract.ts';
import { sqsBatchOf } from './events/sqs-consumer.ts';
import { createDomainHandler } from './handler.ts';
import { newId } from './ids.ts';
import { createLogger, currentLogContext, setLogSink, type LogSink } from './log.ts';

let lines: Record<string, unknown>[];
let previous: LogSink;
beforeEach(() => {
  lines = [];
  previous = setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
});
afterEach(() => {
  setLogSink(previous);
});

const logger = createLogger({ service: 'test', level: 'debug' });

const appSyncEvent: AppSyncResolverEvent = {
  arguments: {},
  identity: null,
  source: null,
  info: { fieldName: 'cities', parentTypeName: 'Query', variables: {}, selectionSetList: [] },
  request: { headers: {} },
};

const apiEvent: ApiGatewayProxyEvent = {
  httpMethod: 'GET',
  path: '/cities',
  resource: '/cities',
  headers: {},
  queryStringParameters: null,
  pathParameters: null,
  body: null,
  isBase64Encoded: false,
  requestContext: { requestId: 'r1', stage: 'test', identity: { sourceIp: '127.0.0.1' } },
};

const flagChanged = (city: string, correlationId?: string) =>
  newDomainEvent(
    'feature_flag.changed',
    { city, key: 'search', enabled: true, previous: false },
    correlationId ? { correlationId } : {},
  );

function parts() {
  const seen: DomainEvent<'feature_flag.changed'>[] = [];
  return {
    appsync: vi.fn(async () => ({ data: 'from appsync' })),
    rest: vi.fn(async () => ({ statusCode: 200, body: 'from rest' })),
    events: createEventDispatcher({
      'feature_flag.changed': async (event) => {
        if (event.payload.city === 'broken') throw new Error('consumer broke');
        seen.push(event);
      },
    }),
    seen,
    logger,
  };
}

const refusals = () =>
  lines.filter((line) => line.level === 'error' && line.message === 'event refused').map((line) => line.errorCode);

describe('createDomainHandler', () => {
  it('routes an AppSync event to the field router', async () => {
    const p = parts();
    await expect(createDomainHandler(p)(appSyncEvent)).resolves.toEqual({ data: 'from appsync' });
    expect(p.appsync).toHaveBeenCalledWith(appSyncEvent);
    expect(p.rest).not.toHaveBeenCalled();
  });

  it('routes an API Gateway event to the route router', async () => {
    const p = parts();
    await expect(createDomainHandler(p)(apiEvent)).resolves.toEqual({ statusCode: 200, body: 'from rest' });
    expect(p.rest).toHaveBeenCalledWith(apiEvent);
    expect(p.appsync).not.toHaveBeenCalled();
  });

  it('delivers each SQS record (EventBridge event, outbox envelope) to the dispatcher with a typed payload', async () => {
    const p = parts();
    const events = [flagChanged('us-nyc'), flagChanged('us-lax')];
    const result = await createDomainHandler(p)(sqsBatchOf(events, 'q'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(p.seen).toEqual(events);
  });

  it('reports only the failed messages by messageId, and keeps going after a failure', async () => {
    const p = parts();
    const batch = sqsBatchOf([flagChanged('us-nyc'), flagChanged('broken'), flagChanged('us-lax')], 'q');
    const notJson = { ...batch.Records[0]!, messageId: 'not-json', body: 'not json' };
    const bare = { ...batch.Records[0]!, messageId: 'bare', body: JSON.stringify(flagChanged('us-sfo')) };
    const result = await createDomainHandler(p)({ Records: [...batch.Records, notJson, bare] });
    expect(result).toEqual({
      batchItemFailures: [
        { itemIdentifier: batch.Records[1]!.messageId },
        { itemIdentifier: 'not-json' },
        { itemIdentifier: 'bare' },
      ],
    });
    expect(p.seen.map((event) => event.payload.city)).toEqual(['us-nyc', 'us-lax']);
    expect(refusals()).toEqual(['EVENT.CONSUMER_FAILED', 'EVENT.INVALID_ENVELOPE', 'EVENT.INVALID_ENVELOPE']);
  });

  it('refuses an event type unknown to the catalog loudly, failing only that record', async () => {
    const p = parts();
    const unknown = { ...flagChanged('us-nyc'), type: 'booking.teleported' } as unknown as EventEnvelope;
    const batch = sqsBatchOf([flagChanged('us-lax'), unknown, flagChanged('us-sfo')], 'q');
    const result = await createDomainHandler(p)(batch);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[1]!.messageId }] });
    expect(p.seen).toHaveLength(2);
    const [line] = lines.filter((entry) => entry.message === 'event refused');
    expect(line).toMatchObject({
      level: 'error',
      errorCode: 'EVENT.UNKNOWN_TYPE',
      eventType: 'booking.teleported',
      eventId: unknown.id,
      receiveCount: '1',
    });
  });

  it('refuses a catalog event this consumer has no route for (no silent default)', async () => {
    const p = parts();
    const batch = sqsBatchOf(
      [newDomainEvent('user.deleted', { userId: newId('user'), deletedAt: new Date().toISOString() })],
      'q',
    );
    const result = await createDomainHandler(p)(batch);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[0]!.messageId }] });
    expect(refusals()).toEqual(['EVENT.NOT_ROUTED']);
  });

  it('refuses a payload that does not match its version in the catalog, and a version it does not know', async () => {
    const p = parts();
    const offContract = { ...flagChanged('us-nyc'), payload: { city: 'us-nyc', enabled: 'yes' } };
    const future = { ...flagChanged('us-nyc'), version: 7 };
    const result = await createDomainHandler(p)(sqsBatchOf([offContract, future], 'q'));
    expect((result as { batchItemFailures: unknown[] }).batchItemFailures).toHaveLength(2);
    expect(refusals()).toEqual(['EVENT.INVALID_PAYLOAD', 'EVENT.UNSUPPORTED_VERSION']);
    expect(p.seen).toEqual([]);
  });

  it('runs each consumer with the event correlation id (or the event id) in the log context', async () => {
    const p = parts();
    const seen: (string | undefined)[] = [];
    const handler = createDomainHandler({
      ...p,
      events: createEventDispatcher({
        'feature_flag.changed': async () => {
          seen.push(currentLogContext()?.correlationId);
        },
      }),
    });
    const withCorrelation = flagChanged('us-nyc', 'req_origin');
    const without = flagChanged('us-lax');
    await handler(sqsBatchOf([withCorrelation, without], 'q'));
    expect(seen).toEqual(['req_origin', without.id]);
  });

  it('throws for an event shape it has no part for', async () => {
    await expect(createDomainHandler({ logger })(appSyncEvent)).rejects.toThrow('Unsupported event shape');
    await expect(createDomainHandler(parts())({ hello: 'world' })).rejects.toThrow('Unsupported event shape');
  });
});
