import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayProxyEvent, AppSyncResolverEvent, DomainEvent } from './events.ts';
import { createDomainHandler } from './handler.ts';
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

function domainEvent(id: string, overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    id,
    type: 'feature_flag.changed',
    aggregateType: 'city',
    aggregateId: 'us-nyc',
    occurredAt: '2026-01-01T00:00:00.000Z',
    payload: {},
    ...overrides,
  };
}

function parts() {
  return {
    appsync: vi.fn(async () => ({ data: 'from appsync' })),
    rest: vi.fn(async () => ({ statusCode: 200, body: 'from rest' })),
    events: vi.fn(async (_event: DomainEvent) => undefined),
    logger,
  };
}

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

  it('delivers SQS records to the consumer, unwrapping EventBridge envelopes', async () => {
    const p = parts();
    const bare = domainEvent('evt_1');
    const wrapped = domainEvent('evt_2');
    const result = await createDomainHandler(p)({
      Records: [
        { messageId: 'm1', body: JSON.stringify(bare) },
        {
          messageId: 'm2',
          body: JSON.stringify({ 'detail-type': 'feature_flag.changed', source: 'rastup.platform', detail: wrapped }),
        },
      ],
    });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(p.events.mock.calls.map(([event]) => event)).toEqual([bare, wrapped]);
  });

  it('reports only the failed messages by messageId, and keeps going after a failure', async () => {
    const p = parts();
    p.events.mockImplementation(async (event) => {
      if (event.id === 'evt_bad') throw new Error('consumer broke');
    });
    const result = await createDomainHandler(p)({
      Records: [
        { messageId: 'm1', body: JSON.stringify(domainEvent('evt_ok')) },
        { messageId: 'm2', body: JSON.stringify(domainEvent('evt_bad')) },
        { messageId: 'm3', body: 'not json' },
        { messageId: 'm4', body: JSON.stringify(domainEvent('evt_ok_too')) },
      ],
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }] });
    expect(p.events).toHaveBeenCalledTimes(3);
    expect(lines.filter((line) => line.level === 'error').map((line) => line.messageId)).toEqual(['m2', 'm3']);
  });

  it('runs each consumer with the event correlation id (or the event id) in the log context', async () => {
    const p = parts();
    const seen: (string | undefined)[] = [];
    p.events.mockImplementation(async () => {
      seen.push(currentLogContext()?.correlationId);
    });
    await createDomainHandler(p)({
      Records: [
        { messageId: 'm1', body: JSON.stringify(domainEvent('evt_1', { correlationId: 'req_origin' })) },
        { messageId: 'm2', body: JSON.stringify(domainEvent('evt_2')) },
      ],
    });
    expect(seen).toEqual(['req_origin', 'evt_2']);
  });

  it('throws for an event shape it has no part for', async () => {
    await expect(createDomainHandler({ logger })(appSyncEvent)).rejects.toThrow('Unsupported event shape');
    await expect(createDomainHandler(parts())({ hello: 'world' })).rejects.toThrow('Unsupported event shape');
  });
});
