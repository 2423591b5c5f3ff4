/**
 * The shape of one log line (seed 001 Appendix L, NTB-LOG-001), as written by lambdas/core/log.ts:
 * one JSON object per line with the line's own keys (level, time, service, message), the Lambda
 * context under Powertools' key names once a handler ran, the request's correlation id, and the
 * caller's fields (open: domains add their own). `npm run logs:schema` writes it as JSON Schema
 * (draft 2020-12) to lambdas/core/log-line.schema.json for log pipelines (CloudWatch Logs Insights
 * queries, subscription filters); a unit test fails when that file is stale, another when the
 * logger writes a line this schema refuses, and the integration run validates every line it wrote.
 * Not imported by log.ts: Lambda bundles do not carry it.
 */
import * as z from 'zod';

export const logLineSchema = z
  .object({
    level: z.enum(['debug', 'info', 'warn', 'error']),
    time: z.iso.datetime({ offset: false, precision: 3 }).describe('UTC, millisecond precision'),
    service: z.string().min(1).describe('the domain or component that wrote the line'),
    message: z.string().min(1),
    correlationId: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('the request that caused the line, from x-correlation-id or the platform request id'),
    function_request_id: z.string().min(1).optional().describe('the Lambda invocation (Powertools)'),
    function_name: z.string().min(1).optional(),
    cold_start: z.boolean().optional().describe("true on the container's first invocation only"),
    xray_trace_id: z.string().min(1).optional(),
    errorCode: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional()
      .describe('stable error code, e.g. BOOKING.CONFLICT'),
  })
  .catchall(z.unknown())
  .describe('One line of RastUp structured logs (Powertools Logger with the project formatter).');

export type LogLine = z.infer<typeof logLineSchema>;

export function logLineJsonSchema() {
  const { $schema: _schema, ...schema } = z.toJSONSchema(logLineSchema, { target: 'draft-2020-12', io: 'input' });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://schemas.rastup.com/logs/log-line.schema.json',
    title: 'RastUp log line',
    ...schema,
  };
}

if (process.argv[1]?.endsWith('log-line.schema.ts')) {
  const { writeFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const target = fileURLToPath(new URL('./log-line.schema.json', import.meta.url));
  writeFileSync(target, `${JSON.stringify(logLineJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${target}`);
}
