/**
 * Structured JSON logs, one line per entry, written by Powertools for AWS Lambda's Logger: it
 * supplies the Lambda context (function_request_id, cold_start, function_name, xray_trace_id) once
 * the handler calls `addLambdaContext`, and this module supplies the line shape and redaction as
 * its log formatter. The request's correlation id comes from async context. Powertools Logger
 * depends only on @aws-lambda-powertools/commons (no AWS SDK), so it may live in core.
 * Redaction happens here, centrally, so no call site can forget it:
 *  - values under sensitive keys (password, token, secret, code, authorization, cookie, email,
 *    phone, …) are replaced outright;
 *  - every other string is scanned for emails, phone numbers, JWTs and bearer tokens.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogContext {
  correlationId: string;
  [key: string]: unknown;
}

const contextStore = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with a correlation id (and any other fields) attached to every log line inside it. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return contextStore.run(context, fn);
}

export function currentLogContext(): LogContext | undefined {
  return contextStore.getStore();
}

const SENSITIVE_KEY =
  /pass(word|phrase)?|secret|token|authorization|cookie|otp|code|credential|api[-_]?key|private|session|email|phone|mobile|ssn|card|cvc|iban|account[-_]?number|recovery|signature/i;
/** Keys that look sensitive by the pattern above but carry no secret. */
const SAFE_KEYS = new Set([
  'errorCode',
  'code_path',
  'statusCode',
  'status_code',
  'httpStatus',
  'countryCode',
  'cityCode',
  'tokenType',
  'sessionId',
]);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
// Not at an ISO date (2026-03-01…), and not starting mid-number, so timestamps stay readable.
const PHONE = /(?<!\d)(?!\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d))\+?\d[\d\s().-]{7,}\d/g;
const LONG_SECRET = /\b(sk|rk|pk|whsec|ak)_[A-Za-z0-9_]{12,}\b/g;
// UUIDs (correlation ids, record ids) hold digit runs the phone pattern would take for a number
// (`…-45db-b123-4567c3a8bbf`); they carry no PII and must stay whole to trace a request.
// At least one hex letter: a random id of that shape all but always holds one, and an all-digit run
// of it is more likely a phone number than an id.
const UUID =
  /(?<![0-9A-Za-z])(?=[0-9-]{0,35}[a-f])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9A-Za-z])/gi;

/** Masks phone numbers everywhere except inside UUID-shaped values. */
function redactPhones(value: string): string {
  let out = '';
  let from = 0;
  for (const uuid of value.matchAll(UUID)) {
    out += value.slice(from, uuid.index).replace(PHONE, '[REDACTED:phone]') + uuid[0];
    from = uuid.index + uuid[0].length;
  }
  return out + value.slice(from).replace(PHONE, '[REDACTED:phone]');
}

export function redactString(value: string): string {
  return redactPhones(
    value
      .replace(JWT, '[REDACTED:jwt]')
      .replace(BEARER, '$1 [REDACTED]')
      .replace(LONG_SECRET, '[REDACTED:secret]')
      .replace(EMAIL, '[REDACTED:email]'),
  );
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      SENSITIVE_KEY.test(key) && !SAFE_KEYS.has(key) && inner !== undefined && inner !== null
        ? '[REDACTED]'
        : redact(inner, depth + 1);
  }
  return out;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Where lines go; tests and the local stack capture them to check that nothing sensitive leaks. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** The part of the Lambda runtime's context object the logger reads (aws-lambda's `Context`). */
export interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly [key: string]: unknown;
}

/**
 * The project's line shape for Powertools: our own keys (level, time, service, message, the
 * caller's fields), the Lambda context under Powertools' standard key names, everything redacted.
 */
const OWN = 'rastup';

class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    // Our fields travel under one private key: Powertools drops (and warns about) caller keys that
    // collide with its reserved names (service, message, level, …), which our fields may use.
    const own = (additional as { [OWN]?: { service: string; fields: Record<string, unknown> } })[OWN];
    const service = own?.service;
    const entry = redact(own?.fields ?? {}) as LogAttributes;
    const lambda = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        ...entry,
        ...(lambda
          ? {
              function_request_id: lambda.awsRequestId,
              cold_start: lambda.coldStart,
              function_name: lambda.functionName,
            }
          : {}),
        ...(attributes.xRayTraceId ? { xray_trace_id: attributes.xRayTraceId } : {}),
        // The line's own keys come last so a field named `message` or `level` cannot overwrite them.
        level: attributes.logLevel.toLowerCase(),
        time: attributes.timestamp.toISOString(),
        service: typeof service === 'string' ? service : attributes.serviceName,
        message: redactString(String(attributes.message)),
      },
    });
  }
}

/** Powertools' Logger, printing through the replaceable sink instead of its own console. */
class SinkLogger extends PowertoolsLogger {
  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    sink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

// One Powertools logger per container: the Lambda context added once per invocation reaches every
// domain logger; level filtering stays per domain logger (LOG_LEVEL, or the option).
const root = new SinkLogger({ logLevel: 'DEBUG', logFormatter: new RedactingLogFormatter() });

/**
 * Called by the domain handler at the start of each invocation: request id and cold-start flag
 * (true on the container's first invocation only) go on every line until the next one.
 */
export function addLambdaContext(context: LambdaContext): void {
  root.addContext(context as unknown as Parameters<PowertoolsLogger['addContext']>[0]);
}

export function createLogger(options: { service: string; level?: LogLevel; fields?: Record<string, unknown> }): Logger {
  const minRank =
    LEVEL_RANK[options.level ?? (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? LEVEL_RANK.info;
  const base = options.fields ?? {};
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVEL_RANK[level] < minRank) return;
    const context = contextStore.getStore();
    root[level](message, {
      [OWN]: { service: options.service, fields: { ...base, ...(context ?? {}), ...(fields ?? {}) } },
    });
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}
