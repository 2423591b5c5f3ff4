import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ForbiddenError, RateLimitedError } from './errors.ts';
import type { ApiGatewayProxyEvent } from './events.ts';
import { createLogger, setLogSink } from './log.ts';
import { createRouteRouter, jsonResult, parseCookies, route, type RouteContext } from './route-router.ts';

// Router failures are logged; keep test output quiet.
setLogSink(() => undefined);
const logger = createLogger({ service: 'test', level: 'error' });

function apiEvent(overrides: Partial<ApiGatewayProxyEvent> = {}): ApiGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path: '/',
    resource: '/{proxy+}',
    headers: {},
    queryStringParameters: null,
    pathParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'apigw-req-1', stage: 'test', identity: { sourceIp: '198.51.100.7' } },
    ...overrides,
  };
}

function bodyOf(result: { body: string }): any {
  return JSON.parse(result.body);
}

type AnyContext = RouteContext<unknown, unknown>;

describe('createRouteRouter', () => {
  it('matches path parameters, decoding them', async () => {
    const handle = vi.fn((ctx: AnyContext) => jsonResult(200, { params: ctx.params }));
    const router = createRouteRouter([route({ method: 'GET', path: '/studios/{studioId}/rooms/{roomId}', handle })], { logger });
    const result = await router(apiEvent({ path: '/studios/std_1/rooms/a%20b' }));
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ params: { studioId: 'std_1', roomId: 'a b' } });
    expect(result.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  });

  it('accepts a trailing slash but not extra segments', async () => {
    const router = createRouteRouter([route({ method: 'GET', path: '/cities', handle: () => jsonResult(200, []) })], { logger });
    expect((await router(apiEvent({ path: '/cities/' }))).statusCode).toBe(200);
    expect((await router(apiEvent({ path: '/cities/us-nyc' }))).statusCode).toBe(404);
  });

  it('answers 404 for an unknown path and 405 for a known path with another method', async () => {
    const router = createRouteRouter([route({ method: 'POST', path: '/bookings', handle: () => jsonResult(201, {}) })], { logger });
    const notFound = await router(apiEvent({ path: '/nope' }));
    expect(notFound.statusCode).toBe(404);
    expect(bodyOf(notFound)).toEqual({ error: { code: 'RESOURCE.NOT_FOUND', message: 'Not found', requestId: 'apigw-req-1' } });
    const wrongMethod = await router(apiEvent({ path: '/bookings', httpMethod: 'DELETE' }));
    expect(wrongMethod.statusCode).toBe(405);
    expect(bodyOf(wrongMethod).error.code).toBe('REQUEST.METHOD_NOT_ALLOWED');
  });

  it('picks the route with the matching method among several on one path', async () => {
    const router = createRouteRouter(
      [route({ method: 'GET', path: '/me', handle: () => jsonResult(200, { via: 'get' }) }), route({ method: 'POST', path: '/me', handle: () => jsonResult(200, { via: 'post' }) })],
      { logger },
    );
    expect(bodyOf(await router(apiEvent({ path: '/me', httpMethod: 'post' })))).toEqual({ via: 'post' });
  });

  describe('bodies and queries', () => {
    const handle = vi.fn((ctx: AnyContext) => jsonResult(200, { body: ctx.body, query: ctx.query }));
    const router = createRouteRouter(
      [route({ method: 'POST', path: '/login', body: z.object({ email: z.string().email(), remember: z.boolean().default(false) }), query: z.object({ next: z.string().optional() }), handle })],
      { logger },
    );

    it('passes the parsed body and query to the handler', async () => {
      const result = await router(apiEvent({ httpMethod: 'POST', path: '/login', body: '{"email":"a@b.co"}', queryStringParameters: { next: '/home' } }));
      expect(bodyOf(result)).toEqual({ body: { email: 'a@b.co', remember: false }, query: { next: '/home' } });
    });

    it('decodes base64 and form-encoded bodies', async () => {
      const base64 = await router(apiEvent({ httpMethod: 'POST', path: '/login', body: Buffer.from('{"email":"c@d.co"}').toString('base64'), isBase64Encoded: true }));
      expect(bodyOf(base64).body.email).toBe('c@d.co');
      const form = await router(
        apiEvent({ httpMethod: 'POST', path: '/login', body: 'email=e%40f.co&remember=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
      );
      // Form values are strings, so the boolean field fails its schema: the form was parsed, not ignored.
      expect(bodyOf(form).error.details.issues).toEqual([expect.objectContaining({ path: 'remember' })]);
      const formOk = await router(apiEvent({ httpMethod: 'POST', path: '/login', body: 'email=e%40f.co', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } }));
      expect(bodyOf(formOk).body).toEqual({ email: 'e@f.co', remember: false });
    });

    it('answers 400 with a JSON body for malformed JSON', async () => {
      handle.mockClear();
      const result = await router(apiEvent({ httpMethod: 'POST', path: '/login', body: '{"email":', headers: { 'x-correlation-id': 'corr-1' } }));
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toContain('application/json');
      expect(bodyOf(result)).toEqual({ error: { code: 'REQUEST.INVALID', message: 'Request body is not valid JSON', details: { issues: [] }, requestId: 'corr-1' } });
      expect(handle).not.toHaveBeenCalled();
    });

    it('answers 400 with the issues when the body fails its schema', async () => {
      const result = await router(apiEvent({ httpMethod: 'POST', path: '/login', body: '{"email":"nope","remember":"yes"}' }));
      expect(result.statusCode).toBe(400);
      const error = bodyOf(result).error;
      expect(error.message).toBe('Invalid request body');
      expect(error.details.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['email', 'remember']);
    });

    it('answers 400 when the query fails its schema', async () => {
      const result = await router(apiEvent({ httpMethod: 'POST', path: '/login', body: '{"email":"a@b.co"}', queryStringParameters: { next: 5 as unknown as string } }));
      expect(result.statusCode).toBe(400);
      expect(bodyOf(result).error.message).toBe('Invalid query parameters');
    });
  });

  it('parses cookies and passes caller, source IP and user agent', async () => {
    let seen: AnyContext | undefined;
    const router = createRouteRouter([route({ method: 'GET', path: '/session', handle: (ctx) => { seen = ctx; return jsonResult(204, undefined); } })], {
      logger,
      authenticate: async () => ({ kind: 'apiKey' }),
    });
    const result = await router(apiEvent({ path: '/session', headers: { Cookie: 'rt=abc%3D%3D; theme=dark; rt=second', 'User-Agent': 'vitest' } }));
    expect(result.statusCode).toBe(204);
    expect(result.body).toBe('');
    expect(seen).toMatchObject({ cookies: { rt: 'abc==', theme: 'dark' }, caller: { kind: 'apiKey' }, sourceIp: '198.51.100.7', userAgent: 'vitest' });
  });

  it('sends cookies as multiValueHeaders set-cookie', async () => {
    const router = createRouteRouter(
      [route({ method: 'POST', path: '/logout', handle: () => jsonResult(200, { ok: true }, { cookies: ['rt=; Max-Age=0; Path=/', 'csrf=; Max-Age=0; Path=/'], headers: { 'x-extra': '1' } }) })],
      { logger },
    );
    const result = await router(apiEvent({ path: '/logout', httpMethod: 'POST' }));
    expect(result.multiValueHeaders).toEqual({ 'set-cookie': ['rt=; Max-Age=0; Path=/', 'csrf=; Max-Age=0; Path=/'] });
    expect(result.headers?.['x-extra']).toBe('1');
    expect(result.headers).not.toHaveProperty('set-cookie');
  });

  it('omits multiValueHeaders when no cookies are set', async () => {
    const router = createRouteRouter([route({ method: 'GET', path: '/x', handle: () => jsonResult(200, {}) })], { logger });
    expect((await router(apiEvent({ path: '/x' }))).multiValueHeaders).toBeUndefined();
  });

  it('maps RateLimitedError to 429 with retry-after', async () => {
    const router = createRouteRouter([route({ method: 'GET', path: '/x', handle: () => { throw new RateLimitedError('Too many', 7.2); } })], { logger });
    const result = await router(apiEvent({ path: '/x' }));
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['retry-after']).toBe('8');
    expect(bodyOf(result).error.code).toBe('REQUEST.RATE_LIMITED');
  });

  it('maps errors thrown by authenticate and hides unknown ones', async () => {
    const forbidden = createRouteRouter([route({ method: 'GET', path: '/x', handle: () => jsonResult(200, {}) })], { logger, authenticate: async () => { throw new ForbiddenError('Not allowed'); } });
    expect((await forbidden(apiEvent({ path: '/x' }))).statusCode).toBe(403);
    const broken = createRouteRouter([route({ method: 'GET', path: '/x', handle: () => { throw new Error('password=hunter2'); } })], { logger });
    const result = await broken(apiEvent({ path: '/x' }));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('hunter2');
  });

  it('echoes the correlation id header, falling back to the API Gateway request id', async () => {
    const router = createRouteRouter([route({ method: 'GET', path: '/x', handle: (ctx) => jsonResult(200, { id: ctx.correlationId }) })], { logger });
    const echoed = await router(apiEvent({ path: '/x', headers: { 'X-Correlation-Id': 'corr-42' } }));
    expect(echoed.headers?.['x-correlation-id']).toBe('corr-42');
    expect(bodyOf(echoed).id).toBe('corr-42');
    const fallback = await router(apiEvent({ path: '/missing' }));
    expect(fallback.headers?.['x-correlation-id']).toBe('apigw-req-1');
  });

  it('answers 400, not 500, for a malformed percent-encoding in a path parameter', async () => {
    const router = createRouteRouter([route({ method: 'GET', path: '/studios/{id}', handle: () => jsonResult(200, {}) })], { logger });
    const result = await router(apiEvent({ path: '/studios/%E0%A4%A' }));
    expect(result.statusCode).toBe(400);
  });
});

describe('parseCookies', () => {
  it('keeps the first value of a repeated name and skips parts without "="', () => {
    expect(parseCookies('a=1; flag; b = two ; a=3')).toEqual({ a: '1', b: 'two' });
    expect(parseCookies(undefined)).toEqual({});
  });

  it('keeps a malformed percent-encoding raw instead of throwing', () => {
    expect(parseCookies('bad=%E0%A4%A; good=1')).toEqual({ bad: '%E0%A4%A', good: '1' });
  });
});
