/**
 * Every operation of the partner REST API, declared once: method, path, the scope it needs, its
 * zod schemas, its answer. The handler builds its routes from this list and partner.openapi.ts
 * the OpenAPI document, so a route cannot exist undocumented (or the other way round).
 */
import * as z from 'zod';
import {
  brief,
  briefListQuery,
  createBriefBody,
  createInviteBody,
  createEndpointBody,
  delivery,
  deliveryQuery,
  endpointWithSecret,
  invite,
  inviteListQuery,
  listQuery,
  order,
  page,
  payout,
  payoutListQuery,
  profile,
  profileListQuery,
  replayBody,
  replayResult,
  rotatedSecret,
  studio,
  tokenRequest,
  tokenResponse,
  webhookEndpoint,
  work,
  workListQuery,
  type PartnerScope,
} from './partner.schemas.ts';

export type OperationId =
  | 'createToken'
  | 'getOpenApi'
  | 'listProfiles'
  | 'getProfile'
  | 'listStudios'
  | 'getStudio'
  | 'listWork'
  | 'getWork'
  | 'listWebhookEndpoints'
  | 'createWebhookEndpoint'
  | 'getWebhookEndpoint'
  | 'deleteWebhookEndpoint'
  | 'rotateWebhookSecret'
  | 'replayWebhookEvents'
  | 'listWebhookDeliveries'
  | 'createBrief'
  | 'createInvite'
  | 'getOrder'
  | 'listPayouts'
  | 'listBriefs'
  | 'getBrief'
  | 'closeBrief'
  | 'listInvites';

export interface Deprecation {
  /** When the operation was deprecated (`Deprecation: @<epoch seconds>`, RFC 9745). */
  readonly since: Date;
  /** When it stops answering (`Sunset`, RFC 8594): at least 90 days later (§1.27.6). */
  readonly sunset: Date;
  /** The migration guide (`Link: <…>; rel="deprecation"`). */
  readonly link: string;
}

export interface Operation {
  readonly operationId: OperationId;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly summary: string;
  readonly tag: 'OAuth' | 'Meta' | 'Inventory' | 'Webhooks' | 'Briefs' | 'Orders';
  /** Scope the bearer token needs; absent for the token endpoint and the OpenAPI document. */
  readonly scope?: PartnerScope;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly bodyTypes?: readonly ('application/json' | 'application/x-www-form-urlencoded')[];
  readonly pathId?: string;
  readonly response: {
    readonly status: 200 | 201 | 202 | 204;
    readonly schema?: z.ZodType;
    readonly description: string;
  };
  /** Public read with ETag / Last-Modified and conditional GET (304). */
  readonly conditional?: boolean;
  /** POST honouring `Idempotency-Key`. */
  readonly idempotent?: boolean;
  readonly deprecated?: Deprecation;
}

const inventory = (
  noun: 'profiles' | 'studios' | 'work',
  itemSchema: z.ZodType,
  query: z.ZodType,
  scope: PartnerScope,
  label: string,
): Operation[] => [
  {
    operationId: noun === 'work' ? 'listWork' : noun === 'profiles' ? 'listProfiles' : 'listStudios',
    method: 'GET',
    path: `/v1/${noun}`,
    summary: `List published ${label}`,
    tag: 'Inventory',
    scope,
    query,
    response: { status: 200, schema: page(itemSchema), description: `A page of ${label}` },
    conditional: true,
  },
  {
    operationId: noun === 'work' ? 'getWork' : noun === 'profiles' ? 'getProfile' : 'getStudio',
    method: 'GET',
    path: `/v1/${noun}/{id}`,
    summary: `Get one published ${label.replace(/s$/, '')}`,
    tag: 'Inventory',
    scope,
    pathId: 'id',
    response: { status: 200, schema: itemSchema, description: `The ${label.replace(/s$/, '')}` },
    conditional: true,
  },
];

export const operations: readonly Operation[] = [
  {
    operationId: 'createToken',
    method: 'POST',
    path: '/oauth2/token',
    summary: 'Get an access token (OAuth 2.0 client credentials)',
    tag: 'OAuth',
    body: tokenRequest,
    bodyTypes: ['application/x-www-form-urlencoded', 'application/json'],
    response: { status: 200, schema: tokenResponse, description: 'A short-lived bearer token' },
  },
  {
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This document',
    tag: 'Meta',
    response: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'OpenAPI 3.1 document' },
  },
  ...inventory('profiles', profile, profileListQuery, 'read:profiles', 'profiles'),
  ...inventory('studios', studio, listQuery, 'read:studios', 'studios'),
  ...inventory('work', work, workListQuery, 'read:work', 'work items'),
  {
    operationId: 'listWebhookEndpoints',
    method: 'GET',
    path: '/v1/webhooks/endpoints',
    summary: 'List your webhook endpoints',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    response: { status: 200, schema: z.object({ data: z.array(webhookEndpoint) }), description: 'Your endpoints' },
  },
  {
    operationId: 'createWebhookEndpoint',
    method: 'POST',
    path: '/v1/webhooks/endpoints',
    summary: 'Register a webhook endpoint (its secret is shown once)',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    body: createEndpointBody,
    response: { status: 201, schema: endpointWithSecret, description: 'The endpoint and its signing secret' },
    idempotent: true,
  },
  {
    operationId: 'getWebhookEndpoint',
    method: 'GET',
    path: '/v1/webhooks/endpoints/{id}',
    summary: 'Get one of your webhook endpoints',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    pathId: 'id',
    response: { status: 200, schema: webhookEndpoint, description: 'The endpoint' },
  },
  {
    operationId: 'deleteWebhookEndpoint',
    method: 'DELETE',
    path: '/v1/webhooks/endpoints/{id}',
    summary: 'Delete a webhook endpoint (pending deliveries are cancelled)',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    pathId: 'id',
    response: { status: 204, description: 'Deleted' },
  },
  {
    operationId: 'rotateWebhookSecret',
    method: 'POST',
    path: '/v1/webhooks/endpoints/{id}/rotate-secret',
    summary: 'Rotate the signing secret (the old one keeps signing during the overlap)',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    pathId: 'id',
    response: { status: 200, schema: rotatedSecret, description: 'The new secret (shown once)' },
    idempotent: true,
  },
  {
    operationId: 'replayWebhookEvents',
    method: 'POST',
    path: '/v1/webhooks/replay',
    summary: 'Re-deliver past events matching filters (date range, types, aggregate id)',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    body: replayBody,
    response: { status: 202, schema: replayResult, description: 'Messages queued for delivery' },
    idempotent: true,
  },
  {
    operationId: 'listWebhookDeliveries',
    method: 'GET',
    path: '/v1/webhooks/deliveries',
    summary: 'The delivery log (one entry per attempt, newest first)',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    query: deliveryQuery,
    response: { status: 200, schema: z.object({ data: z.array(delivery) }), description: 'Delivery attempts' },
  },
  {
    operationId: 'createBrief',
    method: 'POST',
    path: '/v1/briefs',
    summary: 'Post a brief: a request for a shoot (role, city, date window, budget band, description)',
    tag: 'Briefs',
    scope: 'write:briefs',
    body: createBriefBody,
    response: { status: 201, schema: brief, description: 'The brief' },
    idempotent: true,
  },
  {
    operationId: 'createInvite',
    method: 'POST',
    path: '/v1/invites',
    summary: 'Invite a published provider whose role matches to one of your briefs',
    tag: 'Briefs',
    scope: 'write:invites',
    body: createInviteBody,
    response: { status: 201, schema: invite, description: 'The invite' },
    idempotent: true,
  },
  {
    operationId: 'getOrder',
    method: 'GET',
    path: '/v1/orders/{id}',
    summary: 'Get an order: a booking group your client account created, with its legs',
    tag: 'Orders',
    scope: 'read:orders',
    pathId: 'id',
    response: { status: 200, schema: order, description: 'The order' },
    conditional: true,
  },
  {
    operationId: 'listPayouts',
    method: 'GET',
    path: '/v1/payouts',
    summary: 'List the payouts (transfers per booking leg) made to your account, newest first',
    tag: 'Orders',
    scope: 'read:payouts',
    query: payoutListQuery,
    response: { status: 200, schema: page(payout), description: 'A page of payouts' },
    conditional: true,
  },
  {
    operationId: 'listBriefs',
    method: 'GET',
    path: '/v1/briefs',
    summary: 'List your briefs, newest first',
    tag: 'Briefs',
    scope: 'write:briefs',
    query: briefListQuery,
    response: { status: 200, schema: page(brief), description: 'A page of your briefs' },
    conditional: true,
  },
  {
    operationId: 'getBrief',
    method: 'GET',
    path: '/v1/briefs/{id}',
    summary: 'Get one of your briefs',
    tag: 'Briefs',
    scope: 'write:briefs',
    pathId: 'id',
    response: { status: 200, schema: brief, description: 'The brief' },
    conditional: true,
  },
  {
    operationId: 'closeBrief',
    method: 'POST',
    path: '/v1/briefs/{id}/close',
    summary: 'Close one of your briefs: it takes no further invites (closing a closed brief changes nothing)',
    tag: 'Briefs',
    scope: 'write:briefs',
    pathId: 'id',
    response: { status: 200, schema: brief, description: 'The closed brief' },
    idempotent: true,
  },
  {
    operationId: 'listInvites',
    method: 'GET',
    path: '/v1/invites',
    summary: 'List the invites you sent (of one brief with briefId), newest first',
    tag: 'Briefs',
    scope: 'write:invites',
    query: inviteListQuery,
    response: { status: 200, schema: page(invite), description: 'A page of your invites' },
    conditional: true,
  },
];
