/**
 * The log-line schema (Appendix L) describes what the logger really writes: lines from the real
 * Powertools logger (with and without a Lambda context, with errors and nested fields) pass it, and
 * the committed JSON Schema is what `npm run logs:schema` would write today.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppSyncResolverEvent } from './events.ts';
import type { LambdaContext, LogSink } from './log.ts';
import { logLineJsonSchema, logLineSchema } from './log-line.schema.ts';

process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
const { createDomainHandler } = await import('./handler.ts');
const { createLogger, setLogSink, withLogContext } = await import('./log.ts');

let lines: string[];
let previous: LogSink;
beforeEach(() => {
  lines = [];
  previous = setLogSink((line) => lines.push(line));
});
afterEach(() => setLogSink(previous));

const event: AppSyncResolverEvent = {
  arguments: {},
  identity: null,
  source: null,
  info: { fieldName: 'cities', parentTypeName: 'Query', variables: {}, selectionSetList: [] },
  request: { headers: {} },
};
const context: LambdaContext = {
  awsRequestId: '11111111-aaaa-bbbb-cccc-000000000001',
  functionName: 'rastup-dev-platform',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rastup-dev-platform',
  memoryLimitInMB: '512',
};

describe('log line schema', () => {
  it('accepts every line the logger writes, inside and outside a Lambda invocation', async () => {
    const logger = createLogger({ service: 'platform', level: 'debug' });
    logger.debug('starting', { port: 4000 });
    withLogContext({ correlationId: 'req_01ABC' }, () =>
      logger.warn('slow query', { durationMs: 812, nested: { rows: [1, 2], note: 'x' } }),
    );
    logger.error('resolver failed', { errorCode: 'EVENT.CONSUMER_FAILED', error: new Error('boom') });
    // Fields named like the line's own keys cannot break its shape.
    logger.info('collides', { level: 99, time: 'never', service: '', message: '' });
    const handler = createDomainHandler({
      logger,
      appsync: async () => {
        logger.info('inside an invocation', { field: 'Query.cities' });
        return { data: [] };
      },
    });
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    await handler(event, context);
    delete process.env._X_AMZN_TRACE_ID;

    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) expect(logLineSchema.safeParse(JSON.parse(line)).error).toBeUndefined();
    const invocation = lines.map((line) => JSON.parse(line)).find((line) => line.message === 'inside an invocation');
    expect(invocation).toMatchObject({ function_request_id: context.awsRequestId, cold_start: true });
  });

  it('refuses lines without the required keys or with wrong types', () => {
    const valid = { level: 'info', time: '2026-11-30T16:48:33.421Z', service: 'auth', message: 'ok' };
    expect(logLineSchema.safeParse(valid).success).toBe(true);
    for (const broken of [
      { ...valid, level: 'fatal' },
      { ...valid, time: '2026-11-30 16:48:33' },
      { ...valid, service: '' },
      { ...valid, message: undefined },
      { ...valid, cold_start: 'yes' },
      { ...valid, correlationId: 42 },
    ])
      expect(logLineSchema.safeParse(broken).success).toBe(false);
  });

  it('the committed JSON Schema is current (run `npm run logs:schema` after changing the schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('./log-line.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(logLineJsonSchema())));
    expect(committed.required).toEqual(['level', 'time', 'service', 'message']);
  });
});
