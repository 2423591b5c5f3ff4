/**
 * Routes AppSync resolver events (`Type.field`) to typed operations. A domain handler is a map of
 * fields to `{ input, handle }`; the router parses arguments with the zod schema, establishes the
 * caller and the correlation id, and turns anything thrown into the resolver error envelope.
 * Every argument is first checked for text storage cannot hold (NUL, lone surrogates) and for
 * runaway nesting (core/text.ts): a BAD_REQUEST naming the argument, never an internal error.
 */
import * as z from 'zod';
import { ValidationError, toPublicError, toResolverError, type ResolverEnvelope } from './errors.ts';
import type { AppSyncResolverEvent } from './events.ts';
import { clientIpFromForwardedFor, headerValue } from './events.ts';
import { callerFromClaims, type Caller } from './identity.ts';
import { newId } from './ids.ts';
import { withLogContext, type Logger } from './log.ts';
import { findInputProblem, inputProblemError } from './text.ts';

export interface FieldContext {
  readonly caller: Caller;
  readonly correlationId: string;
  readonly source: Record<string, unknown> | null;
  readonly event: AppSyncResolverEvent;
  readonly sourceIp: string | undefined;
}

export interface FieldOperation<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly input: S;
  readonly handle: (args: z.infer<S>, ctx: FieldContext) => Promise<R> | R;
}

/** Declares one field operation; keeps inference of `args` from the schema. */
export function field<S extends z.ZodType, R>(
  input: S,
  handle: (args: z.infer<S>, ctx: FieldContext) => Promise<R> | R,
): FieldOperation<S, R> {
  return { input, handle };
}

export const noArgs = z.object({}).strict();

export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

export function callerFromAppSyncIdentity(identity: AppSyncResolverEvent['identity']): Caller {
  if (identity === null || identity === undefined) return { kind: 'apiKey' };
  // AWS_IAM: a signed AWS principal, not a user (fields it reaches check ctx.event.identity themselves).
  if (!('claims' in identity)) return { kind: 'anonymous' };
  return callerFromClaims(identity.claims);
}

export function createFieldRouter(operations: Record<string, FieldOperation>, logger: Logger) {
  return async function handleAppSyncEvent(event: AppSyncResolverEvent): Promise<ResolverEnvelope> {
    const key = `${event.info.parentTypeName}.${event.info.fieldName}`;
    const correlationId = headerValue(event.request?.headers, 'x-correlation-id') ?? newId('request');
    return withLogContext({ correlationId, field: key }, async () => {
      const operation = operations[key];
      try {
        if (!operation) throw new ValidationError(`No resolver for ${key}`);
        // Before any schema or domain code: text storage cannot hold, and nesting no code should walk.
        const problem = findInputProblem(event.arguments ?? {});
        if (problem) throw inputProblemError(problem, 'argument');
        const parsed = operation.input.safeParse(event.arguments ?? {});
        if (!parsed.success) throw new ValidationError('Invalid arguments', zodIssues(parsed.error));
        const ctx: FieldContext = {
          caller: callerFromAppSyncIdentity(event.identity),
          correlationId,
          source: event.source ?? null,
          event,
          // The entry our edge appended, not the leftmost one the client may have written.
          sourceIp: clientIpFromForwardedFor(headerValue(event.request?.headers, 'x-forwarded-for')),
        };
        const data = await operation.handle(parsed.data, ctx);
        return { data };
      } catch (error) {
        const pub = toPublicError(error);
        if (pub.httpStatus >= 500) logger.error('resolver failed', { errorCode: pub.code, error });
        else logger.info('resolver refused', { errorCode: pub.code });
        return toResolverError(error);
      }
    });
  };
}
