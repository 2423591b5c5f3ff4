/**
 * The OpenAPI 3.1 document of the partner API, generated from the operation list and its zod
 * schemas (zod 4's `z.toJSONSchema`), served at GET /v1/openapi.json. `npm run openapi:partner`
 * writes lambdas/partner/openapi.json; a unit test fails when the committed file is stale. Every
 * operation has an operationId (the SDK's method names), a declared security scheme and its 4xx.
 */
import * as z from 'zod';
import { operations, type Operation } from './partner.operations.ts';
import { oauthError } from './oauth-token.ts';
import { PARTNER_SCOPES, errorObject } from './partner.schemas.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

const capital = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorAnswer = (description: string, headers?: Json) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('ErrorObject') } },
});

const oauthErrorAnswer = (description: string, headers?: Json) => ({
  description,
  headers: { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } }, ...(headers ?? {}) },
  content: { 'application/json': { schema: ref('OAuthError') } },
});

const SCOPE_DESCRIPTIONS: Record<(typeof PARTNER_SCOPES)[number], string> = {
  'read:profiles': 'Read published service profiles',
  'read:studios': 'Read published studios (city level)',
  'read:work': 'Read published SFW work (portfolio images)',
  'write:briefs': 'Post briefs (requests for a shoot)',
  'write:invites': 'Invite providers to your briefs',
  'read:orders': 'Read the orders (booking groups) your client account created',
  'read:payouts': 'Read the payouts made to your account',
  'studios:exact_address': 'Contractual: exact studio addresses in studio answers',
  'webhooks:manage': 'Manage webhook endpoints, replay events, read the delivery log',
};

function parameters(op: Operation): Json[] {
  const out: Json[] = [];
  if (op.pathId) out.push({ name: op.pathId, in: 'path', required: true, schema: { type: 'string' } });
  if (op.query) {
    const schema = jsonSchema(op.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const { description, ...rest } = property as Json & { description?: string };
      out.push({
        name,
        in: 'query',
        required: schema.required?.includes(name) ?? false,
        schema: rest,
        ...(description ? { description } : {}),
      });
    }
  }
  if (op.idempotent)
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Retries with the same key get the first answer; the same key with another request is a 409.',
      schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{8,128}$' },
    });
  if (op.conditional)
    out.push(
      { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
      { name: 'If-Modified-Since', in: 'header', required: false, schema: { type: 'string' } },
    );
  return out;
}

function responses(op: Operation): Json {
  const answers: Json = {};
  const success: Json = { description: op.response.description };
  if (op.response.schema)
    success.content = { 'application/json': { schema: ref(`${capital(op.operationId)}Response`) } };
  if (op.conditional)
    success.headers = {
      ETag: { schema: { type: 'string' } },
      'Last-Modified': { schema: { type: 'string' } },
    };
  answers[String(op.response.status)] = success;
  if (op.conditional) answers['304'] = { description: 'Not modified (If-None-Match / If-Modified-Since matched)' };
  if (op.body || op.query || op.pathId || op.idempotent)
    answers['400'] = errorAnswer('REQUEST.INVALID (details.issues name the fields) or PARTNER.INVALID_CURSOR');
  if (op.operationId === 'createToken') {
    answers['400'] = oauthErrorAnswer(
      'RFC 6749 §5.2: invalid_request (missing, repeated or malformed parameter, two authentication methods), unsupported_grant_type, invalid_scope (a scope the client does not hold), or invalid_client when the credentials came in the body',
    );
    answers['401'] = oauthErrorAnswer(
      'invalid_client after HTTP Basic authentication: unknown client, wrong secret or suspended client',
      { 'WWW-Authenticate': { schema: { type: 'string' } } },
    );
    answers['429'] = errorAnswer('Throttled by the stage (the error object, not RFC 6749)', {
      'Retry-After': { description: 'seconds', schema: { type: 'integer' } },
    });
  } else if (op.scope) {
    answers['401'] = errorAnswer('PARTNER.INVALID_TOKEN: missing, expired, revoked or foreign bearer token');
    answers['403'] = errorAnswer(`PARTNER.INSUFFICIENT_SCOPE: the token lacks ${op.scope}`);
    answers['429'] = errorAnswer('REQUEST.RATE_LIMITED: the client’s per-minute quota is spent', {
      'Retry-After': { description: 'seconds', schema: { type: 'integer' } },
    });
  }
  if (!op.scope && op.operationId !== 'createToken')
    answers['429'] = errorAnswer('Throttled by the stage (API Gateway throttling limits)', {
      'Retry-After': { description: 'seconds', schema: { type: 'integer' } },
    });
  if (op.pathId) answers['404'] = errorAnswer('RESOURCE.NOT_FOUND (also for another partner’s resources)');
  if (op.idempotent)
    answers['409'] = errorAnswer(
      'IDEMPOTENCY.KEY_REUSED / IDEMPOTENCY.IN_PROGRESS' +
        (op.operationId === 'createWebhookEndpoint' ? ', or WEBHOOK.URL_TAKEN' : ''),
    );
  if (op.operationId === 'createInvite') {
    answers['404'] = errorAnswer('RESOURCE.NOT_FOUND: no such brief of yours, or no such published profile');
    answers['409'] = errorAnswer(
      'PARTNER.ALREADY_INVITED, PARTNER.BRIEF_CLOSED, or IDEMPOTENCY.KEY_REUSED / IDEMPOTENCY.IN_PROGRESS',
    );
  }
  if (op.operationId === 'createWebhookEndpoint')
    answers['422'] = errorAnswer('WEBHOOK.TARGET_REFUSED: not https, or a private/loopback/link-local target');
  if (op.body && op.operationId !== 'createToken') answers['415'] = errorAnswer('REQUEST.UNSUPPORTED_MEDIA_TYPE');
  return answers;
}

export function partnerOpenApiDocument() {
  const paths: Record<string, Record<string, Json>> = {};
  const schemas: Record<string, Json> = {
    ErrorObject: jsonSchema(errorObject, 'output'),
    OAuthError: jsonSchema(oauthError, 'output'),
  };
  for (const op of operations) {
    if (op.response.schema) schemas[`${capital(op.operationId)}Response`] = jsonSchema(op.response.schema, 'output');
    if (op.body) schemas[`${capital(op.operationId)}Request`] = jsonSchema(op.body, 'input');
    const security =
      op.operationId === 'createToken' ? [{ clientBasic: [] }, {}] : op.scope ? [{ partnerOAuth: [op.scope] }] : [];
    paths[op.path] ??= {};
    paths[op.path]![op.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      security,
      ...(op.deprecated ? { deprecated: true } : {}),
      ...(parameters(op).length ? { parameters: parameters(op) } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                (op.bodyTypes ?? ['application/json']).map((type) => [
                  type,
                  { schema: ref(`${capital(op.operationId)}Request`) },
                ]),
              ),
            },
          }
        : {}),
      responses: responses(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'RastUp Partner API',
      version: '1.0.0',
      license: { name: 'Proprietary', identifier: 'LicenseRef-RastUp-Proprietary' },
      description:
        'Partner REST API (seed 000 §1.27). Get a token with OAuth 2.0 client credentials at /oauth2/token, then call /v1 with `Authorization: Bearer <token>`. Versioned in the URI; changes within /v1 are additive only; a deprecated operation answers with `Deprecation`, `Sunset` and `Link` headers at least 90 days before it goes. Answers never contain emails or phone numbers, locations are city level (a studio’s exact address needs `studios:exact_address`), and media URLs are SFW public copies only. Errors are `{ error: { code, message, details?, requestId? } }`, except at /oauth2/token, which answers RFC 6749 §5.2 `{ error, error_description }`. Webhooks are signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and carry `X-RastUp-Event-Version`.',
    },
    servers: [{ url: '/', description: 'the API Gateway of the stage' }],
    tags: [
      { name: 'OAuth', description: 'Client credentials' },
      { name: 'Meta', description: 'This document' },
      { name: 'Inventory', description: 'Published profiles, studios and work' },
      { name: 'Webhooks', description: 'Endpoints, replay and the delivery log' },
      { name: 'Briefs', description: 'Requests for a shoot and invites to providers' },
      { name: 'Orders', description: 'Orders your client account placed, payouts made to it' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        partnerOAuth: {
          type: 'oauth2',
          description: 'Short-lived RS256 JWT access tokens (audience rastup-partner) from the issuer.',
          flows: {
            clientCredentials: {
              tokenUrl: '/oauth2/token',
              scopes: Object.fromEntries(PARTNER_SCOPES.map((scope) => [scope, SCOPE_DESCRIPTIONS[scope]])),
            },
          },
        },
        clientBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'client_id:client_secret at the token endpoint (or both in the form body)',
        },
      },
    },
  };
}

if (process.argv[1]?.endsWith('partner.openapi.ts')) {
  const { writeFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const target = fileURLToPath(new URL('./openapi.json', import.meta.url));
  writeFileSync(target, `${JSON.stringify(partnerOpenApiDocument(), null, 2)}\n`);
  console.log(`wrote ${target}`);
}
