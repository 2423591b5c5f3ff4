/**
 * The local API Gateway: REST proxy integration for the prefixes in the domain map. Builds the
 * v1 proxy event a Lambda receives in AWS and turns its result back into an HTTP response
 * (multiValueHeaders included, since several Set-Cookie headers are common on /auth).
 */
import { randomUUID } from 'node:crypto';
import { restRoutes, type DomainName } from '../../definitions/domains.ts';
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult } from '../../../lambdas/core/events.ts';

export interface RestRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string | undefined>;
  readonly body: Buffer;
  readonly sourceIp: string;
}

export interface RestAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

export function restDomainFor(path: string): { domain: DomainName; prefix: string } | undefined {
  const match = restRoutes.find((entry) => path === entry.prefix || path.startsWith(`${entry.prefix}/`));
  return match ? { domain: match.domain, prefix: match.prefix } : undefined;
}

export function toProxyEvent(request: RestRequest, stage: string, prefix: string): ApiGatewayProxyEvent {
  const query: Record<string, string> = {};
  request.url.searchParams.forEach((value, key) => (query[key] = value));
  const textual = /json|text|x-www-form-urlencoded|xml/.test(request.headers['content-type'] ?? 'application/json');
  return {
    httpMethod: request.method,
    path: request.url.pathname,
    resource: `${prefix}/{proxy+}`,
    headers: request.headers,
    queryStringParameters: Object.keys(query).length ? query : null,
    pathParameters: { proxy: request.url.pathname.slice(prefix.length + 1) },
    body: request.body.length ? (textual ? request.body.toString('utf8') : request.body.toString('base64')) : null,
    isBase64Encoded: request.body.length > 0 && !textual,
    requestContext: {
      requestId: randomUUID(),
      stage,
      identity: { sourceIp: request.sourceIp, userAgent: request.headers['user-agent'] ?? null },
      requestTimeEpoch: Date.now(),
    },
  };
}

export function fromProxyResult(result: ApiGatewayProxyResult): RestAnswer {
  const headers: Record<string, string | string[]> = { ...(result.headers ?? {}) };
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values;
  return {
    status: result.statusCode,
    headers,
    body: result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8'),
  };
}

/** What API Gateway answers for a path no resource matches. */
export const missingAuthenticationToken: RestAnswer = {
  status: 403,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'MissingAuthenticationTokenException' },
  body: Buffer.from(JSON.stringify({ message: 'Missing Authentication Token' })),
};
