import { isIP } from 'node:net';

/**
 * The event shapes Lambdas receive. Kept minimal and typed here so the core needs no
 * `@types/aws-lambda` and the local gateway can construct exactly the same objects.
 */

/** What the AppSync JS resolver in front of every Lambda forwards (appsync-lambda-resolver.js). */
export interface AppSyncResolverEvent {
  arguments: Record<string, unknown>;
  /** null for API_KEY; `{ sub, issuer, claims }` for OPENID_CONNECT; the signer's ARN for AWS_IAM. */
  identity: { sub: string; issuer: string; claims: Record<string, unknown> } | AppSyncIamIdentity | null;
  source: Record<string, unknown> | null;
  info: {
    fieldName: string;
    parentTypeName: string;
    variables: Record<string, unknown>;
    selectionSetList: string[];
  };
  request: { headers: Record<string, string | undefined> };
}

/** AppSync's identity for an AWS_IAM (SigV4-signed) call: a Lambda or operator role, never an end user. */
export interface AppSyncIamIdentity {
  accountId: string;
  userArn: string;
  username: string;
  sourceIp: readonly string[];
}

/** API Gateway REST (v1) proxy integration event, the fields we use. */
export interface ApiGatewayProxyEvent {
  httpMethod: string;
  path: string;
  resource: string;
  headers: Record<string, string | undefined>;
  multiValueHeaders?: Record<string, string[] | undefined>;
  queryStringParameters: Record<string, string | undefined> | null;
  pathParameters: Record<string, string | undefined> | null;
  body: string | null;
  isBase64Encoded: boolean;
  requestContext: {
    requestId: string;
    stage: string;
    identity: { sourceIp: string; userAgent?: string | null };
    requestTimeEpoch?: number;
  };
}

export interface ApiGatewayProxyResult {
  statusCode: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded?: boolean;
}

export function isAppSyncEvent(event: unknown): event is AppSyncResolverEvent {
  return typeof event === 'object' && event !== null && 'info' in event && 'arguments' in event;
}

export function isApiGatewayEvent(event: unknown): event is ApiGatewayProxyEvent {
  return typeof event === 'object' && event !== null && 'httpMethod' in event && 'path' in event;
}

export function headerValue(
  headers: Record<string, string | undefined> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/**
 * The client's IP from an `X-Forwarded-For` chain. Each proxy *appends* the address it received
 * the request from, so only the rightmost entry was written by infrastructure we trust: in AWS the
 * edge in front of AppSync (CloudFront) appends the viewer's address, and the local gateway does
 * the same. Everything to its left came from the client and can be forged (`X-Forwarded-For:
 * 1.2.3.4` from the caller would otherwise pick the rate-limit bucket and the IP recorded in audit
 * entries). Not an IP address (garbage, an empty entry): undefined, never the raw text.
 */
export function clientIpFromForwardedFor(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const entries = header.split(',').map((entry) => entry.trim());
  const appended = entries[entries.length - 1];
  return appended && isIP(appended) ? appended : undefined;
}
