/**
 * X-Ray tracing with Powertools for AWS Lambda's Tracer: every AWS SDK v3 client built by the
 * adapters goes through `traced()` (captureAWSv3Client: one subsegment per call), and every
 * PostgreSQL statement gets a `postgres` subsegment through the database's query instrument.
 * Off outside Lambda (the Tracer disables itself without AWS_EXECUTION_ENV, and
 * POWERTOOLS_TRACE_ENABLED=false turns it off anywhere), so the local stack records nothing.
 * Where it is off, the X-Ray SDK also starts in manual mode (xray-context-mode.ts: no per-promise hook).
 */
// Must stay the first import: it sets AWS_XRAY_MANUAL_MODE before the X-Ray SDK reads it.
import './xray-context-mode.ts';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { QueryInstrument } from '../core/db/database.ts';

export const tracer = new Tracer();

/** The client, patched to record a subsegment per call when tracing is on. */
export function traced<T>(client: T): T {
  return tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
}

/** The statement's first keyword only: SQL values and identifiers stay out of traces. */
function operation(text: string): string {
  return /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
}

export const tracedQuery: QueryInstrument = async (text, run) => {
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!parent) return run();
  const subsegment = parent.addNewSubsegment(`postgres ${operation(text)}`);
  subsegment.namespace = 'remote';
  subsegment.addSqlData({ database_type: 'PostgreSQL', sanitized_query: operation(text) });
  try {
    return await run();
  } catch (error) {
    subsegment.addError(error as Error);
    throw error;
  } finally {
    subsegment.close();
  }
};
