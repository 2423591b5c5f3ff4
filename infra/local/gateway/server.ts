/**
 * One loopback HTTP server for the local stack: POST /graphql (local AppSync), the REST prefixes
 * of the domain map (local API Gateway), and — local only — /dev/* developer routes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { domains, type DomainName } from '../../definitions/domains.ts';
import type { Logger } from '../../../lambdas/core/log.ts';
import { toHttpError, ValidationError } from '../../../lambdas/core/errors.ts';
import { createGraphqlGateway, type TokenVerifier } from './graphql-gateway.ts';
import type { IamCredentials } from './sigv4-verifier.ts';
import { tooLarge } from './appsync-http.ts';
import { EdgeRateRules } from './edge-rate-rules.ts';
import { createRealtimeServer } from './realtime.ts';
import {
  fromProxyResult,
  missingAuthenticationToken,
  restDomainFor,
  toProxyEvent,
  type RestAnswer,
} from './rest-gateway.ts';

const GRAPHQL_BODY_LIMIT = 1 * 1024 * 1024; // AppSync's request size limit is far larger; 1 MB is plenty for queries
const REST_BODY_LIMIT = 10 * 1024 * 1024; // API Gateway's payload limit

/** AppSync's CORS: what AWS Amplify JS (v6) sends, plus the project's own request headers. */
export const CORS_ALLOW_HEADERS = [
  'content-type',
  'authorization',
  'x-api-key',
  'x-amz-date',
  'x-amz-user-agent',
  'x-amz-security-token',
  'x-correlation-id',
  'idempotency-key',
].join(', ');
/** What AppSync lets browsers read: Amplify names errors from x-amzn-ErrorType. */
export const CORS_EXPOSE_HEADERS = 'x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date';

type LambdaHandler = (event: unknown) => Promise<unknown>;

export interface GatewayServerOptions {
  readonly rootDir: string;
  readonly stage: string;
  readonly isValidApiKey: (key: string) => boolean;
  readonly verifyToken: TokenVerifier;
  /** AWS_IAM: the credentials the stack issues to its Lambdas (access key id -> secret). */
  readonly iamCredentials?: IamCredentials;
  readonly logger: Logger;
  /** Local-only routes under /dev; absent in any AWS stage. */
  readonly devRoutes?: Record<string, (url: URL) => unknown>;
  /**
   * Browser origins allowed to call with credentials (the web app's dev server): the REST
   * preflight answers them as API Gateway's CORS preflight does in AWS (infra/cdk/stacks/api.stack.ts).
   */
  readonly allowedOrigins?: readonly string[];
  /** How often the real-time endpoint sends `ka` (default: once a minute, as AppSync). */
  readonly realtimeKeepAliveMs?: number;
  /**
   * Local-only: the client address the emulated WAF rules key a request on, given the socket's
   * (default: that address). The search benchmark spreads its one-address load over many clients.
   */
  readonly edgeClientIp?: (socketIp: string) => string;
}

export async function loadDomainHandlers(rootDir: string): Promise<Record<DomainName, LambdaHandler>> {
  const entries = await Promise.all(
    (Object.entries(domains) as [DomainName, { entry: string }][]).map(async ([name, spec]) => {
      const module = (await import(pathToFileURL(join(rootDir, spec.entry)).href)) as { handler?: LambdaHandler };
      if (typeof module.handler !== 'function') throw new Error(`${spec.entry} does not export a handler`);
      return [name, module.handler] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<DomainName, LambdaHandler>;
}

class BodyTooLarge extends Error {}

/**
 * Past this many bytes an oversized body is not even drained: the 413 goes out and the connection
 * closes under the sender (a client still writing then sees a reset, as from any edge).
 */
const DRAIN_LIMIT_BYTES = 32 * 1024 * 1024;

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Over the limit the rest is read and dropped, so the 413 reaches a client that is still
      // sending instead of a connection reset under it.
      if (size > DRAIN_LIMIT_BYTES) reject(new BodyTooLarge());
      else if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => (size > limit ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

function lowerCaseHeaders(request: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function socketIp(request: IncomingMessage): string {
  return request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
}

/**
 * What the edge in front of AppSync (CloudFront) does: append the address the request came from
 * to X-Forwarded-For, after whatever the client sent. Domains trust only that rightmost entry
 * (clientIpFromForwardedFor in lambdas/core/events.ts).
 */
export function withForwardedFor(
  headers: Record<string, string | undefined>,
  ip: string,
): Record<string, string | undefined> {
  const sent = headers['x-forwarded-for']?.trim();
  return { ...headers, 'x-forwarded-for': sent ? `${sent}, ${ip}` : ip };
}

export async function createGatewayServer(options: GatewayServerOptions): Promise<Server> {
  const handlers = await loadDomainHandlers(options.rootDir);
  const graphql = createGraphqlGateway({
    stage: options.stage,
    isValidApiKey: options.isValidApiKey,
    verifyToken: options.verifyToken,
    ...(options.iamCredentials ? { iamCredentials: options.iamCredentials } : {}),
    dispatch: (domain, event) => handlers[domain](event),
    onResolverCrash: (error) => options.logger.error('resolver crashed', { error }),
    // Frames go out before the mutation's HTTP answer, as AppSync publishes on the mutation's result.
    onMutation: (publication) => {
      realtime.publish(publication).catch((error: unknown) => options.logger.error('publish failed', { error }));
    },
  });
  // Referenced by onMutation above, which first runs on a request, after this line.
  const realtime = createRealtimeServer({
    gateway: graphql,
    logger: options.logger,
    ...(options.realtimeKeepAliveMs ? { keepAliveMs: options.realtimeKeepAliveMs } : {}),
  });
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  // The stack's dev routes, plus the emulated API cache's switch: /dev/api-cache?enabled=false makes
  // every public read reach its Lambda (perf:local's uncached rows), ?enabled=true turns it back on.
  const devRoutes: Record<string, (url: URL) => unknown> | undefined = options.devRoutes && {
    ...options.devRoutes,
    '/dev/api-cache': (url: URL) => {
      const enabled = url.searchParams.get('enabled');
      if (enabled !== 'true' && enabled !== 'false') throw new ValidationError('enabled must be true or false');
      graphql.setApiCacheEnabled(enabled === 'true');
      return { apiCache: enabled === 'true' ? 'on' : 'off' };
    },
  };
  // The WAF web ACL's rate-based rules (infra/definitions/edge-rate-limits.ts): they run before
  // AppSync authenticates or invokes anything, as in AWS.
  const edge = new EdgeRateRules();
  const edgeClientIp = options.edgeClientIp ?? ((ip: string) => ip);

  /** The preflight API Gateway answers for REST paths: allowed origins only, with credentials. */
  function restPreflight(request: IncomingMessage): Record<string, string> {
    const origin = request.headers.origin;
    if (!origin || !allowedOrigins.has(origin)) return { vary: 'origin' };
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      // The REST API's preflight in AWS (api.stack.ts defaultCorsPreflightOptions.allowHeaders).
      'access-control-allow-headers': 'content-type, authorization, x-api-key, x-correlation-id, idempotency-key',
      'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
      'access-control-max-age': '600',
      vary: 'origin',
    };
  }

  /** AppSync's CORS (it answers any origin; credentials are bearer tokens, not cookies). */
  function corsHeaders(request: IncomingMessage): Record<string, string> {
    const origin = request.headers.origin;
    if (!origin) return {};
    const credentialed = allowedOrigins.has(origin);
    return {
      'access-control-allow-origin': credentialed ? origin : '*',
      ...(credentialed ? { 'access-control-allow-credentials': 'true', vary: 'origin' } : {}),
      'access-control-allow-headers': CORS_ALLOW_HEADERS,
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
      'access-control-max-age': '600',
    };
  }

  function send(
    response: ServerResponse,
    status: number,
    headers: Record<string, string | string[]>,
    body: string | Buffer,
  ) {
    // Every AppSync and API Gateway answer names its request; clients log it and support asks for it.
    const hasRequestId = Object.keys(headers).some((name) => name.toLowerCase() === 'x-amzn-requestid');
    response.writeHead(status, hasRequestId ? headers : { 'x-amzn-RequestId': randomUUID(), ...headers });
    response.end(body);
  }

  async function route(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const cors = corsHeaders(request);
    if (request.method === 'OPTIONS')
      return send(response, 204, restDomainFor(url.pathname) ? restPreflight(request) : cors, '');

    if (url.pathname === '/graphql') {
      if (request.method !== 'POST')
        return send(
          response,
          405,
          { 'content-type': 'application/json', allow: 'POST', 'x-amzn-errortype': 'MethodNotAllowed', ...cors },
          JSON.stringify({ errors: [{ errorType: 'MethodNotAllowed', message: 'Use POST.' }] }),
        );
      let body: Buffer;
      try {
        body = await readBody(request, GRAPHQL_BODY_LIMIT);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          const answer = tooLarge();
          return send(
            response,
            answer.status,
            { 'content-type': 'application/json', connection: 'close', ...cors, ...(answer.headers ?? {}) },
            answer.body,
          );
        }
        throw error;
      }
      const text = body.toString('utf8');
      const headers = lowerCaseHeaders(request);
      const answer =
        edge.check({ body: text, headers, ip: edgeClientIp(socketIp(request)) }) ??
        (await graphql.handle(text, withForwardedFor(headers, socketIp(request))));
      return send(
        response,
        answer.status,
        { 'content-type': 'application/json; charset=UTF-8', ...cors, ...(answer.headers ?? {}) },
        answer.body,
      );
    }

    if (url.pathname === '/health')
      return send(
        response,
        200,
        { 'content-type': 'application/json' },
        JSON.stringify({ ok: true, stage: options.stage }),
      );

    if (devRoutes && url.pathname.startsWith('/dev/')) {
      const devRoute = devRoutes[url.pathname];
      if (!devRoute || request.method !== 'GET')
        return send(
          response,
          404,
          { 'content-type': 'application/json' },
          JSON.stringify({ error: { code: 'RESOURCE.NOT_FOUND', message: 'Not found' } }),
        );
      let devAnswer: { status: number; body: unknown };
      try {
        devAnswer = { status: 200, body: await devRoute(url) };
      } catch (error) {
        // A refused request (e.g. ?now=not-a-date) is the caller's 4xx; anything else a logged 500.
        const http = toHttpError(error);
        if (http.status >= 500) options.logger.error('dev route failed', { path: url.pathname, error });
        devAnswer = { status: http.status, body: http.body };
      }
      return send(
        response,
        devAnswer.status,
        { 'content-type': 'application/json', 'cache-control': 'no-store' },
        JSON.stringify(devAnswer.body),
      );
    }

    const target = restDomainFor(url.pathname);
    let answer: RestAnswer = missingAuthenticationToken;
    if (target) {
      let body: Buffer;
      try {
        body = await readBody(request, REST_BODY_LIMIT);
      } catch (error) {
        if (error instanceof BodyTooLarge)
          return send(
            response,
            413,
            { 'content-type': 'application/json', connection: 'close' },
            JSON.stringify({ message: 'Request Too Long' }),
          );
        throw error;
      }
      const event = toProxyEvent(
        { method: request.method ?? 'GET', url, headers: lowerCaseHeaders(request), body, sourceIp: socketIp(request) },
        options.stage,
        target.prefix,
      );
      const result = (await handlers[target.domain](JSON.parse(JSON.stringify(event)))) as Parameters<
        typeof fromProxyResult
      >[0];
      answer = fromProxyResult(result);
      answer = { ...answer, headers: { 'x-amzn-RequestId': event.requestContext.requestId, ...answer.headers } };
    }
    // As API Gateway's proxy integration: the Lambda's own headers, CORS included (core/route-router.ts).
    return send(response, answer.status, answer.headers, answer.body);
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error) => {
      // The gateway itself failed (not a domain error): never a stack trace to the caller.
      options.logger.error('gateway failure', { error });
      if (!response.headersSent)
        send(
          response,
          500,
          { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' },
          JSON.stringify({ errors: [{ errorType: 'InternalFailure', message: 'An internal failure occurred.' }] }),
        );
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
    if (!realtime.handleUpgrade(request, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
  });
  // Upgraded sockets still count as the server's connections: close() must end them or wait forever.
  const closeHttp = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    realtime.close();
    return closeHttp(callback);
  };
  return server;
}

/**
 * Listens on loopback as `localhost` resolves: 127.0.0.1 always, and ::1 too where the machine has
 * it, since resolvers differ in which one `localhost` names first (Node on macOS prefers ::1;
 * browsers try both). The ::1 side hands its connections to the same HTTP server and is skipped
 * quietly when IPv6 loopback is absent or the port is taken there. Never binds a public interface.
 * Returns a function that closes the ::1 listener (closing `server` closes the IPv4 side).
 */
export async function listenOnLoopback(server: Server, port: number): Promise<() => Promise<void>> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const ipv6 = createNetServer((socket) => server.emit('connection', socket));
  const listening = await new Promise<boolean>((resolve) => {
    ipv6.once('error', () => resolve(false));
    ipv6.listen({ port, host: '::1', ipv6Only: true }, () => resolve(true));
  });
  return () => (listening ? new Promise<void>((resolve) => ipv6.close(() => resolve())) : Promise.resolve());
}
