/**
 * Routes API Gateway (REST, proxy integration) events to typed operations. Each route declares
 * zod schemas for its body and query; the router answers 404/405 for unknown paths and methods,
 * 400 for malformed JSON, and maps thrown AppErrors to status + JSON body in one place.
 *
 * Browser policy (cross-site request forgery, CORS), per router with per-route overrides:
 *  - `accepts`: the Content-Types a request body may have (415 otherwise). A cross-site HTML form
 *    can only send form-encoded, multipart or text/plain bodies without a CORS preflight, so a route
 *    that accepts JSON only cannot be driven by one. A route without a body schema also takes a
 *    request with no body and no Content-Type (a bare POST; no form sends that).
 *  - `allowedOrigins` + `checkOrigin`: a request whose `Origin` is not in the allow-list is refused
 *    (403) before anything runs; browsers send `Origin` on every cross-origin request and on every
 *    POST. Requests without `Origin` (servers, mobile apps, links followed from an email) pass.
 *  - every path parameter, query parameter and body value is checked for text storage cannot hold
 *    (NUL, lone surrogates) and runaway nesting (core/text.ts) before the schemas and the handler:
 *    a 400 naming the field.
 *  - answers to an allowed origin carry the CORS headers with credentials, so the web app can
 *    read them with cookies (`fetch(..., { credentials: 'include' })`). API Gateway answers the
 *    preflight (OPTIONS) itself, for the same origins (infra/cdk/stacks/api.stack.ts).
 */
import type * as z from 'zod';
import {
  OriginNotAllowedError,
  UnsupportedMediaTypeError,
  ValidationError,
  toHttpError,
  toPublicError,
} from './errors.ts';
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult } from './events.ts';
import { headerValue } from './events.ts';
import type { Caller } from './identity.ts';
import { newId } from './ids.ts';
import { withLogContext, type Logger } from './log.ts';
import { zodIssues } from './field-router.ts';
import { findInputProblem, inputProblemError } from './text.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Request body media types the router can parse. */
export type BodyMediaType = 'application/json' | 'application/x-www-form-urlencoded';

/** Methods without a request body: no Content-Type policy applies to them. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Full Set-Cookie values; sent as multiValueHeaders because a response may set several. */
  readonly cookies?: readonly string[];
}

export interface RouteContext<B, Q> {
  readonly body: B;
  readonly query: Q;
  readonly params: Record<string, string>;
  readonly headers: Record<string, string | undefined>;
  readonly cookies: Record<string, string>;
  readonly caller: Caller;
  readonly correlationId: string;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
  readonly event: ApiGatewayProxyEvent;
}

export interface RouteDefinition<BS extends z.ZodType = z.ZodType, QS extends z.ZodType = z.ZodType> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly body?: BS;
  readonly query?: QS;
  /** Overrides the router's `accepts` for this route. */
  readonly accepts?: readonly BodyMediaType[];
  /** Overrides the router's `checkOrigin` for this route (e.g. false for public discovery documents). */
  readonly checkOrigin?: boolean;
  /**
   * Renders what this route throws (its own handler's errors and the router's refusals of its
   * request alike) when the route speaks another error format than the error object, e.g. an
   * OAuth token endpoint (RFC 6749 §5.2). Unset: the error object.
   */
  readonly renderError?: (error: unknown, event: ApiGatewayProxyEvent, correlationId: string) => HttpResult;
  readonly handle: (ctx: RouteContext<z.infer<BS>, z.infer<QS>>) => Promise<HttpResult> | HttpResult;
}

export function route<BS extends z.ZodType = z.ZodUnknown, QS extends z.ZodType = z.ZodUnknown>(
  definition: RouteDefinition<BS, QS>,
): RouteDefinition {
  return definition;
}

interface CompiledRoute {
  readonly definition: RouteDefinition;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

function compile(definition: RouteDefinition): CompiledRoute {
  const paramNames: string[] = [];
  const source = definition.path
    .split('/')
    .map((segment) => {
      const match = /^\{(\w+)\}$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(match[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { definition, pattern: new RegExp(`^${source}/?$`), paramNames };
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (name && !(name in cookies)) cookies[name] = tryDecode(part.slice(index + 1).trim());
  }
  return cookies;
}

/** Cookies are caller-controlled: a malformed %-escape keeps the raw value rather than failing every route. */
function tryDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function decodePathSegment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError('Malformed path');
  }
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function jsonResult(
  status: number,
  body: unknown,
  extra: Pick<HttpResult, 'headers' | 'cookies'> = {},
): HttpResult {
  return { status, body, ...extra };
}

function toProxyResult(
  result: HttpResult,
  correlationId: string,
  cors: Record<string, string> = {},
): ApiGatewayProxyResult {
  const headers: Record<string, string> = {
    ...JSON_HEADERS,
    'x-correlation-id': correlationId,
    ...(result.headers ?? {}),
    ...cors,
  };
  const out: ApiGatewayProxyResult = {
    statusCode: result.status,
    headers,
    body: result.body === undefined ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body),
  };
  if (result.cookies?.length) out.multiValueHeaders = { 'set-cookie': [...result.cookies] };
  return out;
}

export interface RouteRouterOptions {
  readonly logger: Logger;
  /** Establishes the caller from the event (e.g. verifies a bearer token); anonymous when absent. */
  readonly authenticate?: (event: ApiGatewayProxyEvent) => Promise<Caller>;
  /**
   * Content-Types a request body may have on routes that do not say otherwise. Unset: JSON, or
   * form-encoded when the request says so (for routes that HTML forms or mail clients post to).
   */
  readonly accepts?: readonly BodyMediaType[];
  /**
   * Browser origins (`scheme://host[:port]`) allowed to call with credentials. A function, read at
   * the first request, so configuration is parsed once per container and fails loudly there.
   */
  readonly allowedOrigins?: () => ReadonlySet<string>;
  /** Whether routes refuse an `Origin` outside `allowedOrigins` unless they say otherwise (default: true when `allowedOrigins` is set). */
  readonly checkOrigin?: boolean;
}

/** What the web app may read from a credentialed answer besides the CORS-safelisted headers. */
const EXPOSED_HEADERS = 'retry-after, x-correlation-id';

/** CORS headers for an allowed origin; `Vary: Origin` whenever the answer depends on it (caches). */
function corsHeaders(event: ApiGatewayProxyEvent, options: RouteRouterOptions): Record<string, string> {
  if (!options.allowedOrigins) return {};
  const origin = headerValue(event.headers, 'origin');
  if (!origin || !options.allowedOrigins().has(origin)) return { vary: 'Origin' };
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': EXPOSED_HEADERS,
    vary: 'Origin',
  };
}

/** Refuses a browser request from an origin outside the allow-list, before anything else runs. */
function enforceOrigin(definition: RouteDefinition, event: ApiGatewayProxyEvent, options: RouteRouterOptions): void {
  const check = definition.checkOrigin ?? options.checkOrigin ?? Boolean(options.allowedOrigins);
  if (!check) return;
  const origin = headerValue(event.headers, 'origin');
  if (origin === undefined) return;
  // `Origin: null` (sandboxed frames, some redirects) is never on the list, so it is refused too.
  if (!options.allowedOrigins?.().has(origin)) throw new OriginNotAllowedError('Cross-origin request refused');
}

function mediaTypeOf(event: ApiGatewayProxyEvent): string | undefined {
  return headerValue(event.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function logRefusal(logger: Logger, error: unknown): void {
  const pub = toPublicError(error);
  if (pub.httpStatus >= 500) logger.error('route failed', { errorCode: pub.code, error });
  else logger.info('route refused', { errorCode: pub.code, status: pub.httpStatus });
}

export function createRouteRouter(definitions: readonly RouteDefinition[], options: RouteRouterOptions) {
  const routes = definitions.map(compile);
  const { logger } = options;
  async function handleApiGatewayEvent(event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult> {
    const correlationId =
      headerValue(event.headers, 'x-correlation-id') ?? event.requestContext?.requestId ?? newId('request');
    return withLogContext({ correlationId, route: `${event.httpMethod} ${event.path}` }, async () => {
      let cors: Record<string, string> = {};
      try {
        cors = corsHeaders(event, options);
        let pathMatched = false;
        for (const candidate of routes) {
          const match = candidate.pattern.exec(event.path);
          if (!match) continue;
          pathMatched = true;
          if (candidate.definition.method !== event.httpMethod.toUpperCase()) continue;
          const params: Record<string, string> = {};
          candidate.paramNames.forEach((name, index) => (params[name] = decodePathSegment(match[index + 1]!)));
          const { renderError } = candidate.definition;
          if (!renderError) {
            const result = await invoke(candidate.definition, event, params, correlationId, options);
            return toProxyResult(result, correlationId, cors);
          }
          try {
            return toProxyResult(
              await invoke(candidate.definition, event, params, correlationId, options),
              correlationId,
              cors,
            );
          } catch (error) {
            logRefusal(logger, error);
            return toProxyResult(renderError(error, event, correlationId), correlationId, cors);
          }
        }
        const status = pathMatched ? 405 : 404;
        return toProxyResult(
          {
            status,
            body: {
              error: {
                code: pathMatched ? 'REQUEST.METHOD_NOT_ALLOWED' : 'RESOURCE.NOT_FOUND',
                message: pathMatched ? 'Method not allowed' : 'Not found',
                requestId: correlationId,
              },
            },
          },
          correlationId,
          cors,
        );
      } catch (error) {
        logRefusal(logger, error);
        const http = toHttpError(error, correlationId);
        return toProxyResult({ status: http.status, body: http.body, headers: http.headers }, correlationId, cors);
      }
    });
  }
  // The declared routes travel with the router, so tools (the schema-driven fuzz test) enumerate them.
  return Object.assign(handleApiGatewayEvent, { routes: definitions });
}

async function invoke(
  definition: RouteDefinition,
  event: ApiGatewayProxyEvent,
  params: Record<string, string>,
  correlationId: string,
  options: RouteRouterOptions,
): Promise<HttpResult> {
  enforceOrigin(definition, event, options);
  const pathProblem = findInputProblem(params, ['path']);
  if (pathProblem) throw inputProblemError(pathProblem, 'path');
  const queryProblem = findInputProblem(event.queryStringParameters ?? {}, ['query']);
  if (queryProblem) throw inputProblemError(queryProblem, 'query parameter');
  const accepts = definition.accepts ?? options.accepts;
  const mediaType = mediaTypeOf(event);
  // A route without fields may be called with no body and no Content-Type (what fetch or curl send
  // for a bare POST). That is also what a cross-site no-cors fetch can send without a preflight, so
  // it rests on the Origin check above; an HTML form always sends a body type, which stays refused.
  const bareRequest = !definition.body && mediaType === undefined && !event.body;
  if (
    accepts &&
    !bareRequest &&
    !BODYLESS_METHODS.has(event.httpMethod.toUpperCase()) &&
    !(accepts as readonly string[]).includes(mediaType ?? '')
  ) {
    // Strict even for an empty body that names a type: a form or text/plain POST is exactly what a
    // cross-site form or a no-cors fetch can send without a preflight.
    throw new UnsupportedMediaTypeError(`Send the body as ${accepts.join(' or ')}`, { accepts: [...accepts] });
  }
  let rawBody: unknown = undefined;
  if (definition.body) {
    const text = event.body
      ? event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body
      : '';
    if (mediaType === 'application/x-www-form-urlencoded') {
      rawBody = Object.fromEntries(new URLSearchParams(text));
    } else {
      try {
        rawBody = text ? JSON.parse(text) : {};
      } catch {
        throw new ValidationError('Request body is not valid JSON');
      }
    }
  }
  const bodyProblem = findInputProblem(rawBody, ['body']);
  if (bodyProblem) throw inputProblemError(bodyProblem, 'request body');
  const body = definition.body ? definition.body.safeParse(rawBody) : { success: true as const, data: undefined };
  if (!body.success) throw new ValidationError('Invalid request body', zodIssues(body.error));
  const query = definition.query
    ? definition.query.safeParse(event.queryStringParameters ?? {})
    : { success: true as const, data: undefined };
  if (!query.success) throw new ValidationError('Invalid query parameters', zodIssues(query.error));
  const caller = options.authenticate ? await options.authenticate(event) : ({ kind: 'anonymous' } as const);
  return definition.handle({
    body: body.data,
    query: query.data,
    params,
    headers: event.headers ?? {},
    cookies: parseCookies(headerValue(event.headers, 'cookie')),
    caller,
    correlationId,
    sourceIp: event.requestContext?.identity?.sourceIp ?? '0.0.0.0',
    userAgent: headerValue(event.headers, 'user-agent'),
    event,
  });
}
