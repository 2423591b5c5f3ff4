/**
 * Partner REST API Lambda (`/oauth2`, `/v1`): builds one route per declared operation
 * (partner.operations.ts). Each route parses with the operation's schemas, checks the bearer token
 * and scope, calls one service method, and adds the HTTP semantics the operation declares:
 * conditional GET (ETag / Last-Modified / 304), Idempotency-Key on POSTs, deprecation headers.
 */
import { headerValue } from '../core/events.ts';
import { createDomainHandler } from '../core/handler.ts';
import { withIdempotency } from '../core/idempotency.ts';
import { ValidationError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { createRouteRouter, route, type HttpResult, type RouteContext } from '../core/route-router.ts';
import type * as z from 'zod';
import { partnerModule, type PartnerModule } from './partner.module.ts';
import {
  briefListQuery,
  createBriefBody,
  createEndpointBody,
  createInviteBody,
  deliveryQuery,
  inviteListQuery,
  listQuery,
  payoutListQuery,
  profileListQuery,
  replayBody,
  workListQuery,
} from './partner.schemas.ts';
import { NO_STORE, oauthErrorResult, tokenParameters, tokenRequestOf } from './oauth-token.ts';
import { partnerOpenApiDocument } from './partner.openapi.ts';
import { operations, type Operation, type OperationId } from './partner.operations.ts';
import { notModified, validatorsOf } from './paging.ts';
import type { PartnerCaller } from './partner-token.service.ts';

const logger = createLogger({ service: 'partner' });

// The router parsed query and body with the operation's schemas before `handle` runs.
type Ctx = RouteContext<unknown, unknown>;
const q = <S extends z.ZodType>(ctx: Ctx, _schema: S) => ctx.query as z.infer<S>;
const b = <S extends z.ZodType>(ctx: Ctx, _schema: S) => ctx.body as z.infer<S>;
type Run = (m: PartnerModule, caller: PartnerCaller, ctx: Ctx) => Promise<unknown>;

const id = (ctx: Ctx) => ctx.params.id!;

/** One service call per operation. */
const runs: Record<Exclude<OperationId, 'createToken' | 'getOpenApi'>, Run> = {
  listProfiles: (m, c, ctx) => m.inventory.listProfiles(c, q(ctx, profileListQuery)),
  getProfile: (m, c, ctx) => m.inventory.profile(c, id(ctx)),
  listStudios: (m, c, ctx) => m.inventory.listStudios(c, q(ctx, listQuery)),
  getStudio: (m, c, ctx) => m.inventory.studio(c, id(ctx)),
  listWork: (m, c, ctx) => m.inventory.listWork(c, q(ctx, workListQuery)),
  getWork: (m, c, ctx) => m.inventory.workItem(c, id(ctx)),
  listWebhookEndpoints: (m, c) => m.webhooks.list(c),
  createWebhookEndpoint: (m, c, ctx) => m.webhooks.create(c, b(ctx, createEndpointBody)),
  getWebhookEndpoint: (m, c, ctx) => m.webhooks.get(c, id(ctx)),
  deleteWebhookEndpoint: (m, c, ctx) => m.webhooks.delete(c, id(ctx)),
  rotateWebhookSecret: (m, c, ctx) => m.webhooks.rotateSecret(c, id(ctx)),
  replayWebhookEvents: (m, c, ctx) => m.webhooks.replay(c, b(ctx, replayBody)),
  listWebhookDeliveries: (m, c, ctx) => m.webhooks.deliveries(c, q(ctx, deliveryQuery)),
  createBrief: (m, c, ctx) => m.briefs.createBrief(c, b(ctx, createBriefBody)),
  createInvite: (m, c, ctx) => m.briefs.createInvite(c, b(ctx, createInviteBody)),
  getOrder: (m, c, ctx) => m.briefs.order(c, id(ctx)),
  listPayouts: (m, c, ctx) => m.briefs.listPayouts(c, q(ctx, payoutListQuery)),
  listBriefs: (m, c, ctx) => m.briefs.listBriefs(c, q(ctx, briefListQuery)),
  getBrief: (m, c, ctx) => m.briefs.brief(c, id(ctx)),
  closeBrief: (m, c, ctx) => m.briefs.closeBrief(c, id(ctx)),
  listInvites: (m, c, ctx) => m.briefs.listInvites(c, q(ctx, inviteListQuery)),
};

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

/** RFC 9745 `Deprecation`, RFC 8594 `Sunset` and the migration guide for a deprecated operation; none otherwise. */
export function deprecationHeaders(op: Operation): Record<string, string> {
  if (!op.deprecated) return {};
  return {
    deprecation: `@${Math.floor(op.deprecated.since.getTime() / 1000)}`,
    sunset: op.deprecated.sunset.toUTCString(),
    link: `<${op.deprecated.link}>; rel="deprecation"`,
  };
}

function updatedAtOf(body: unknown): string[] {
  const items = (body as { data?: unknown[] }).data ?? [body];
  return items
    .map(
      (item) =>
        (item as { updatedAt?: string; createdAt?: string }).updatedAt ?? (item as { createdAt?: string }).createdAt,
    )
    .filter((value): value is string => typeof value === 'string');
}

async function invoke(op: Operation, ctx: Ctx): Promise<HttpResult> {
  const headers = (name: string) => headerValue(ctx.event.headers, name);
  const m = await partnerModule();
  const extra = deprecationHeaders(op);
  if (op.operationId === 'createToken') {
    const request = tokenRequestOf(b(ctx, tokenParameters), ctx.event);
    const token = await m.tokens.issue(request, headers('authorization'));
    return { status: 200, body: token, headers: { ...extra, ...NO_STORE } };
  }
  if (op.operationId === 'getOpenApi') {
    return {
      status: 200,
      body: partnerOpenApiDocument(),
      headers: { ...extra, 'cache-control': 'public, max-age=300' },
    };
  }
  const caller = await m.tokens.authorize(headers('authorization'), op.scope!);
  const run = () => runs[op.operationId as keyof typeof runs](m, caller, ctx);
  let body: unknown;
  const key = headers('idempotency-key');
  if (op.idempotent && key !== undefined) {
    if (!IDEMPOTENCY_KEY.test(key))
      throw new ValidationError('Idempotency-Key must be 8–128 characters of A–Z, a–z, 0–9, _ . : -', [
        { path: 'header.Idempotency-Key', message: 'invalid' },
      ]);
    body = await withIdempotency(
      m.idempotency,
      { key: `partner:${caller.clientId}:${op.operationId}:${key}`, request: { params: ctx.params, body: ctx.body } },
      run,
    );
  } else {
    body = await run();
  }
  if (op.response.status === 204) return { status: 204, headers: extra };
  if (!op.conditional) return { status: op.response.status, body, headers: extra };
  const validators = validatorsOf(body, updatedAtOf(body));
  const cacheHeaders: Record<string, string> = {
    ...extra,
    etag: validators.etag,
    ...(validators.lastModified ? { 'last-modified': validators.lastModified } : {}),
    // Per partner (scopes change the answer): caches keep it but revalidate every time.
    'cache-control': 'private, no-cache',
    vary: 'Authorization',
  };
  if (notModified(validators, headers('if-none-match'), headers('if-modified-since')))
    return { status: 304, headers: cacheHeaders };
  return { status: 200, body, headers: cacheHeaders };
}

export const routes = operations.map((op) =>
  route({
    method: op.method,
    path: op.path,
    // The token endpoint parses its parameters by RFC 6749's rules and answers errors in its format.
    ...(op.operationId === 'createToken' ? { body: tokenParameters, renderError: oauthErrorResult } : {}),
    ...(op.body && op.operationId !== 'createToken' ? { body: op.body } : {}),
    ...(op.query ? { query: op.query } : {}),
    ...(op.bodyTypes ? { accepts: op.bodyTypes } : {}),
    handle: (ctx) => invoke(op, ctx),
  }),
);

export const rest = createRouteRouter(routes, { logger, accepts: ['application/json'], checkOrigin: false });

export const handler = createDomainHandler({ logger, rest });
