/**
 * The token endpoint's wire format (RFC 6749 §4.4, §5.1, §5.2), kept apart from the /v1 error
 * objects: OAuth clients read `{ "error", "error_description" }`.
 *
 * - Parameters come form-urlencoded (what OAuth clients send; JSON is accepted too). A parameter
 *   sent without a value counts as omitted; one sent twice is `invalid_request` (§3.2).
 * - Client authentication: `client_secret_basic` (HTTP Basic) or `client_secret_post` (body),
 *   never both in one request (`invalid_request`).
 * - Errors: `invalid_client` is 401 with `WWW-Authenticate: Basic` when the client tried HTTP Basic
 *   and 400 otherwise; `invalid_request`, `unsupported_grant_type` and `invalid_scope` are 400.
 *   `unauthorized_client` is in the documented set but never sent: every registered client may use
 *   the client-credentials grant. A rate-limit refusal (429, Retry-After) and server errors keep
 *   the platform's error object.
 * - Every answer, success or error, carries `Cache-Control: no-store` and `Pragma: no-cache` (§5.1).
 */
import * as z from 'zod';
import { toHttpError, toPublicError, ValidationError } from '../core/errors.ts';
import { headerValue, type ApiGatewayProxyEvent } from '../core/events.ts';
import type { HttpResult } from '../core/route-router.ts';
import { UnsupportedGrantTypeError } from './partner.errors.ts';
import { tokenRequest, type TokenRequest } from './partner.schemas.ts';

export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
] as const;

/** RFC 6749 §5.2 error response. */
export const oauthError = z.object({
  error: z.enum(OAUTH_ERROR_CODES),
  error_description: z.string().optional().describe('for the developer, not for end users'),
});

/** What the route's router parses: any object of parameters; the rules below make them a request. */
export const tokenParameters = z.record(z.string(), z.unknown());

export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

const PARAMETERS = ['grant_type', 'client_id', 'client_secret', 'scope'] as const;
// RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

function rawText(event: ApiGatewayProxyEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The token request from the parsed parameters, by RFC 6749's rules (throws the matching error). */
export function tokenRequestOf(parameters: Record<string, unknown>, event: ApiGatewayProxyEvent): TokenRequest {
  const mediaType = headerValue(event.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') {
    const names = [...new URLSearchParams(rawText(event)).keys()];
    const repeated = PARAMETERS.filter((name) => names.filter((n) => n === name).length > 1);
    if (repeated.length > 0)
      throw new ValidationError(`Parameters sent more than once: ${repeated.join(', ')}`, [
        { path: repeated[0]!, message: 'sent more than once' },
      ]);
  }
  // §3.1: a parameter sent without a value is treated as omitted.
  const present = Object.fromEntries(
    Object.entries(parameters).filter(
      ([name, value]) => (PARAMETERS as readonly string[]).includes(name) && value !== '',
    ),
  );
  if (present.grant_type === undefined)
    throw new ValidationError('grant_type is required', [{ path: 'grant_type', message: 'required' }]);
  if (present.grant_type !== 'client_credentials')
    throw new UnsupportedGrantTypeError('Only the client_credentials grant is supported');
  const parsed = tokenRequest.safeParse(present);
  if (!parsed.success)
    throw new ValidationError(
      'Invalid token request',
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  if (parsed.data.scope !== undefined && !SCOPE.test(parsed.data.scope))
    throw new ValidationError('scope is not a space-separated list of scope tokens', [
      { path: 'scope', message: 'invalid syntax' },
    ]);
  return parsed.data;
}

/** Renders anything the token route throws as RFC 6749 §5.2 (see the module comment). */
export function oauthErrorResult(error: unknown, event: ApiGatewayProxyEvent, correlationId: string): HttpResult {
  const pub = toPublicError(error);
  const description = { error_description: pub.message };
  if (pub.code === 'PARTNER.INVALID_CLIENT') {
    const triedBasic = /^Basic(\s|$)/i.test(headerValue(event.headers, 'authorization') ?? '');
    return triedBasic
      ? {
          status: 401,
          body: { error: 'invalid_client', ...description },
          headers: { ...NO_STORE, 'www-authenticate': 'Basic realm="RastUp partner API", charset="UTF-8"' },
        }
      : { status: 400, body: { error: 'invalid_client', ...description }, headers: { ...NO_STORE } };
  }
  const code =
    pub.code === 'PARTNER.INVALID_SCOPE'
      ? 'invalid_scope'
      : pub.code === 'PARTNER.UNSUPPORTED_GRANT_TYPE'
        ? 'unsupported_grant_type'
        : pub.httpStatus >= 400 && pub.httpStatus < 500 && pub.httpStatus !== 429
          ? 'invalid_request'
          : null;
  if (code) return { status: 400, body: { error: code, ...description }, headers: { ...NO_STORE } };
  const http = toHttpError(error, correlationId);
  return { status: http.status, body: http.body, headers: { ...http.headers, ...NO_STORE } };
}
