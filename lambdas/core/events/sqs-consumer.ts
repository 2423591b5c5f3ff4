/**
 * How a consumer Lambda takes a batch from its SQS queue (EventBridge rule -> SQS -> Lambda in AWS;
 * the same shape from the in-process bus locally): Powertools Batch processes the records one by
 * one and reports partial batch failures, each record is checked as an SQS message whose body is an
 * EventBridge event whose `detail` is an outbox event envelope, and the dispatcher parses the
 * payload through the catalog and runs the consumer.
 *
 * Why not Powertools Parser's SQS/EventBridge schemas: importing them pulls all of zod (JSON Schema
 * conversion, every locale) into each consumer bundle, ~350 KiB, which pushed bundles past the 1 MB
 * budget. The three fields this code reads are checked here with the kernel's own zod schemas.
 *
 * A refused record (not an outbox event, unknown type, unknown version, payload off-contract, no
 * route, or a consumer error) is reported failed by message id, with one `event refused` log line
 * saying why; SQS retries it and then moves it to the DLQ. The rest of the batch carries on.
 */
import { createHash, randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import * as z from 'zod';
import { withLogContext, type Logger } from '../log.ts';
import type { EventDispatcher } from './dispatcher.ts';
import { EventContractError, eventEnvelopeSchema, type EventEnvelope } from './event-contract.ts';

/** One SQS record carrying one relayed outbox event. */
export const deliveredRecordSchema = z.object({
  messageId: z.string(),
  attributes: z.object({ ApproximateReceiveCount: z.string().optional() }).optional(),
  eventSource: z.literal('aws:sqs'),
  body: z
    .string()
    .transform((body, context) => {
      try {
        return JSON.parse(body) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'body is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.object({ 'detail-type': z.string(), source: z.string(), detail: eventEnvelopeSchema })),
});

/** The record is not an SQS-delivered outbox event at all. */
class EnvelopeRefused extends Error {
  override readonly name = 'EnvelopeRefused';
}

export interface SqsBatch {
  readonly Records: readonly { readonly messageId: string; readonly [key: string]: unknown }[];
}

export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** A consumer (not the contract) failed on a well-formed event; kept with the event it failed on. */
class ConsumerFailure extends Error {
  override readonly name = 'ConsumerFailure';

  constructor(
    readonly event: { readonly id: string; readonly type: string; readonly version: number },
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Why a record was refused, as log fields (codes from EventContractError plus two of this file's). */
function refusal(error: unknown): Record<string, unknown> {
  if (error instanceof EventContractError)
    return {
      errorCode: error.code,
      eventId: error.details.eventId,
      eventType: error.details.type,
      eventVersion: error.details.version,
      reason: error.message,
    };
  if (error instanceof ConsumerFailure)
    return {
      errorCode: 'EVENT.CONSUMER_FAILED',
      eventId: error.event.id,
      eventType: error.event.type,
      eventVersion: error.event.version,
      error: error.cause,
    };
  if (error instanceof EnvelopeRefused)
    return { errorCode: 'EVENT.INVALID_ENVELOPE', reason: `not an SQS-delivered outbox event: ${error.message}` };
  return { errorCode: 'EVENT.CONSUMER_FAILED', error };
}

class EventBatchProcessor extends BatchProcessor {
  constructor(private readonly log: Logger) {
    super(EventType.SQS, { logger: log });
  }

  override failureHandler(...args: Parameters<BatchProcessor['failureHandler']>) {
    const [record, error] = args;
    const sqs = record as { messageId?: string; attributes?: { ApproximateReceiveCount?: string } };
    this.log.error('event refused', {
      messageId: sqs.messageId,
      receiveCount: sqs.attributes?.ApproximateReceiveCount,
      ...refusal(error),
    });
    return super.failureHandler(...args);
  }
}

/** Runs a batch through the dispatcher and answers with the SQS partial batch response. */
export async function processEventBatch(
  batch: SqsBatch,
  dispatcher: EventDispatcher,
  logger: Logger,
): Promise<BatchResponse> {
  const handleRecord = async (record: unknown) => {
    const delivered = deliveredRecordSchema.safeParse(record);
    if (!delivered.success) throw new EnvelopeRefused(z.prettifyError(delivered.error));
    const envelope = delivered.data.body.detail;
    await withLogContext(
      { correlationId: envelope.correlationId ?? envelope.id, eventType: envelope.type },
      async () => {
        try {
          await dispatcher.dispatch(envelope);
        } catch (error) {
          if (error instanceof EventContractError) throw error;
          throw new ConsumerFailure(envelope, error);
        }
      },
    );
  };
  // One processor per invocation (it keeps the batch's state); records in order, one at a time,
  // as the consumers' transactions and the DB pool expect. A batch that fails entirely is reported
  // like any other (every message id) rather than thrown, so the answer has one shape.
  return processPartialResponse({ Records: [...batch.Records] }, handleRecord, new EventBatchProcessor(logger), {
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
}

const LOCAL_ACCOUNT = '000000000000';

/**
 * The inverse of `deliveredRecordSchema`: what the consumer Lambda of `queue` receives in AWS for
 * these events (Lambda's SQS event source; each body the EventBridge event the rule put on the
 * queue; each `detail` the envelope EventBridgePublisher sent). The local stack delivers this to the
 * same handlers, and tests build batches with it.
 */
export function sqsBatchOf(events: readonly EventEnvelope[], queue: string, region = 'local') {
  const now = Date.now();
  return {
    Records: events.map((event) => {
      const body = JSON.stringify({
        version: '0',
        id: randomUUID(),
        'detail-type': event.type,
        source: `rastup.${event.aggregateType}`,
        account: LOCAL_ACCOUNT,
        time: new Date(now).toISOString(),
        region,
        resources: [],
        detail: event,
      });
      return {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(now),
          SenderId: 'events.amazonaws.com',
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs' as const,
        eventSourceARN: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:${queue}`,
        awsRegion: region,
      };
    }),
  };
}
