/**
 * Log lines carry the Lambda context (Powertools Logger): the request id of the invocation, the
 * cold-start flag (true on the container's first invocation only) and the X-Ray trace id, with the
 * project's redaction and correlation id still applied.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppSyncResolverEvent } from './events.ts';
import type { LambdaContext, LogSink } from './log.ts';

// The Lambda runtime sets this for on-demand containers; Powertools reports cold starts only then.
// Set before the logger module loads, as in a real container.
process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
const { createDomainHandler } = await import('./handler.ts');
const { createLogger, setLogSink, withLogContext } = await import('./log.ts');

let lines: Record<string, unknown>[];
let previous: LogSink;
beforeEach(() => {
  lines = [];
  previous = setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
});
afterEach(() => {
  setLogSink(previous);
  delete process.env._X_AMZN_TRACE_ID;
});

const context = (awsRequestId: string): LambdaContext => ({
  awsRequestId,
  functionName: 'rastup-dev-media',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rastup-dev-media',
  memoryLimitInMB: '512',
  getRemainingTimeInMillis: () => 1000,
});

const event: AppSyncResolverEvent = {
  arguments: {},
  identity: null,
  source: null,
  info: { fieldName: 'cities', parentTypeName: 'Query', variables: {}, selectionSetList: [] },
  request: { headers: {} },
};

describe('Lambda context on log lines', () => {
  it('adds the request id and the cold-start flag per invocation, redaction still applied', async () => {
    const logger = createLogger({ service: 'media' });
    const handler = createDomainHandler({
      logger,
      appsync: async () => {
        withLogContext({ correlationId: 'req_1' }, () =>
          logger.info('resolving for a@example.com', { email: 'a@example.com' }),
        );
        return { data: [] };
      },
    });
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    await handler(event, context('11111111-aaaa-bbbb-cccc-000000000001'));
    await handler(event, context('11111111-aaaa-bbbb-cccc-000000000002'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'media',
      function_request_id: '11111111-aaaa-bbbb-cccc-000000000001',
      cold_start: true,
      function_name: 'rastup-dev-media',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      correlationId: 'req_1',
      email: '[REDACTED]',
      message: 'resolving for [REDACTED:email]',
    });
    expect(lines[1]).toMatchObject({ function_request_id: '11111111-aaaa-bbbb-cccc-000000000002', cold_start: false });
  });
});
