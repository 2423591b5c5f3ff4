import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
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
    const router = createRouteRouter([route({ method: 'GET', path: '/studios/{studioId}/rooms/{roomId}', handle })], {
      logger,
    });
    const result = await router(apiEvent({ path: '/studios/std_1/rooms/a%20b' }));
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ params: { studioId: 'std_1', roomId: 'a b' } });
    expect(result.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
  });

  it('accepts a trailing slash but not extra segments', async () => {
    const router = createRouteRouter([route({ method: 'GET', path: '/cities', handle: () => jsonResult(200, []) })], {
      logger,
    });
    expect((await router(apiEvent({ path: '/cities/' }))).statusCode).toBe(200);
    expect((await router(apiEvent({ path: '/cities/us-nyc' }))).statusCode).toBe(404);
  });

  it('answers 404 for an unknown path and 405 for a known path with another method', async () => {
    const router = createRouteRouter(
      [route({ method: 'POST', path: '/bookings', handle: () => jsonResult(201, {}) })],
      { logger },
    );
    const notFound = await router(apiEvent({ path: '/nope' }));
    expect(notFound.statusCode).toBe(404);
    expect(bodyOf(notFound)).toEqual({
      error: { code: 'RESOURCE.NOT_FOUND', message: 'Not found', requestId: 'apigw-req-1' },
    });
    const wrongMethod = await router(apiEvent({ path: '/bookings', httpMethod: 'DELETE' }));
    expect(wrongMethod.statusCode).toBe(405);
    expect(bodyOf(wrongMethod).error.code).toBe('REQUEST.METHOD_NOT_ALLOWED');
  });

  it('picks the route with the matching method among several on one path', async () => {
    const router = createRouteRouter(
      [
        route({ method: 'GET', path: '/me', handle: () => jsonResult(200, { via: 'get' }) }),
        route({ method: 'POST', path: '/me', handle: () => jsonResult(200, { via: 'post' }) }),
      ],
      { logger },
    );
    expect(bodyOf(await router(apiEvent({ path: '/me', httpMethod: 'post' })))).toEqual({ via: 'post' });
  });

  describe('bodies and queries', () => {
    const handle = vi.fn((ctx: AnyContext) => jsonResult(200, { body: ctx.body, query: ctx.query }));
    const router = createRouteRouter(
      [
        route({
          method: 'POST',
          path: '/login',
          body: z.object({ email: z.string().email(), remember: z.boolean().default(false) }),
          query: z.object({ next: z.string().optional() }),
          handle,
        }),
      ],
      { logger },
    );

    it('passes the parsed body and query to the handler', async () => {
      const result = await router(
        apiEvent({
          httpMethod: 'POST',
          path: '/login',
          body: '{"email":"a@b.co"}',
          queryStringParameters: { next: '/home' },
        }),
      );
      expect(bodyOf(result)).toEqual({ body: { email: 'a@b.co', remember: false }, query: { next: '/home' } });
    });

    it('decodes base64 and form-encoded bodies', async () => {
      const base64 = await router(
        apiEvent({
          httpMethod: 'POST',
          path: '/login',
          body: Buffer.from('{"email":"c@d.co"}').toString('base64'),
          isBase64Encoded: true,
        }),
      );
      expect(bodyOf(base64).body.email).toBe('c@d.co');
      const form = await router(
        apiEvent({
          httpMethod: 'POST',
          path: '/login',
          body: 'email=e%40f.co&remember=x',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
      );
      // Form values are strings, so the boolean field fails its schema: the form was parsed, not ignored.
      expect(bodyOf(form).error.details.issues).toEqual([expect.objectContaining({ path: 'remember' })]);
      const formOk = await router(
        apiEvent({
          httpMethod: 'POST',
          path: '/login',
          body: 'email=e%40f.co',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        }),
      );
      expect(bodyOf(formOk).body).toEqual({ email: 'e@f.co', remember: false });
    });

    it('answers 400 with a JSON body for malformed JSON', async () => {
      handle.mockClear();
      const result = await router(
        apiEvent({ httpMethod: 'POST', path: '/login', body: '{"email":', headers: { 'x-correlation-id': 'corr-1' } }),
      );
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toContain('application/json');
      expect(bodyOf(result)).toEqual({
        error: {
          code: 'REQUEST.INVALID',
          message: 'Request body is not valid JSON',
          details: { issues: [] },
          requestId: 'corr-1',
        },
      });
      expect(handle).not.toHaveBeenCalled();
    });

    it('answers 400 with the issues when the body fails its schema', async () => {
      const result = await router(
        apiEvent({ httpMethod: 'POST', path: '/login', body: '{"email":"nope","remember":"yes"}' }),
      );
      expect(result.statusCode).toBe(400);
      const error = bodyOf(result).error;
      expect(error.message).toBe('Invalid request body');
      expect(error.details.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['email', 'remember']);
    });

    it('answers 400 when the query fails its schema', async () => {
      const result = await router(
        apiEvent({
          httpMethod: 'POST',
          path: '/login',
          body: '{"email":"a@b.co"}',
          queryStringParameters: { next: 5 as unknown as string },
        }),
      );
      expect(result.statusCode).toBe(400);
      expect(bodyOf(result).error.message).toBe('Invalid query parameters');
    });
  });

  it('parses cookies and passes caller, source IP and user agent', async () => {
    let seen: AnyContext | undefined;
    const router = createRouteRouter(
      [
        route({
          method: 'GET',
          path: '/session',
          handle: (ctx) => {
            seen = ctx;
            return jsonResult(204, undefined);
          },
        }),
      ],
      {
        logger,
        authenticate: async () => ({ kind: 'apiKey' }),
      },
    );
    const result = await router(
      apiEvent({
        path: '/session',
        headers: { Cookie: 'rt=abc%3D%3D; theme=dark; rt=second', 'User-Agent': 'vitest' },
      }),
    );
    expect(result.statusCode).toBe(204);
    expect(result.body).toBe('');
    expect(seen).toMatchObject({
      cookies: { rt: 'abc==', theme: 'dark' },
      caller: { kind: 'apiKey' },
      sourceIp: '198.51.100.7',
      userAgent: 'vitest',
    });
  });

  it('sends cookies as multiValueHeaders set-cookie', async () => {
    const router = createRouteRouter(
      [
        route({
          method: 'POST',
          path: '/logout',
          handle: () =>
            jsonResult(
              200,
              { ok: true },
              { cookies: ['rt=; Max-Age=0; Path=/', 'csrf=; Max-Age=0; Path=/'], headers: { 'x-extra': '1' } },
            ),
        }),
      ],
      { logger },
    );
    const result = await router(apiEvent({ path: '/logout', httpMethod: 'POST' }));
    expect(result.multiValueHeaders).toEqual({ 'set-cookie': ['rt=; Max-Age=0; Path=/', 'csrf=; Max-Age=0; Path=/'] });
    expect(result.headers?.['x-extra']).toBe('1');
    expect(result.headers).not.toHaveProperty('set-cookie');
  });

  it('omits multiValueHeaders when no cookies are set', async () => {
    const router = createRouteRouter([route({ method: 'GET', path: '/x', handle: () => jsonResult(200, {}) })], {
      logger,
    });
    expect((await router(apiEvent({ path: '/x' }))).multiValueHeaders).toBeUndefined();
  });

  it('maps RateLimitedError to 429 with retry-after', async () => {
    const router = createRouteRouter(
      [
        route({
          method: 'GET',
          path: '/x',
          handle: () => {
            throw new RateLimitedError('Too many', 7.2);
          },
        }),
      ],
      { logger },
    );
    const result = await router(apiEvent({ path: '/x' }));
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['retry-after']).toBe('8');
    expect(bodyOf(result).error.code).toBe('REQUEST.RATE_LIMITED');
  });

  it('maps errors thrown by authenticate and hides unknown ones', async () => {
    const forbidden = createRouteRouter([route({ method: 'GET', path: '/x', handle: () => jsonResult(200, {}) })], {
      logger,
      authenticate: async () => {
        throw new ForbiddenError('Not allowed');
      },
    });
    expect((await forbidden(apiEvent({ path: '/x' }))).statusCode).toBe(403);
    const broken = createRouteRouter(
      [
        route({
          method: 'GET',
          path: '/x',
          handle: () => {
            throw new Error('password=hunter2');
          },
        }),
      ],
      { logger },
    );
    const result = await broken(apiEvent({ path: '/x' }));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('hunter2');
  });

  it('echoes the correlation id header, falling back to the API Gateway request id', async () => {
    const router = createRouteRouter(
      [route({ method: 'GET', path: '/x', handle: (ctx) => jsonResult(200, { id: ctx.correlationId }) })],
      { logger },
    );
    const echoed = await router(apiEvent({ path: '/x', headers: { 'X-Correlation-Id': 'corr-42' } }));
    expect(echoed.headers?.['x-correlation-id']).toBe('corr-42');
    expect(bodyOf(echoed).id).toBe('corr-42');
    const fallback = await router(apiEvent({ path: '/missing' }));
    expect(fallback.headers?.['x-correlation-id']).toBe('apigw-req-1');
  });

  it('answers 400, not 500, for a malformed percent-encoding in a path parameter', async () => {
    const router = createRouteRouter(
      [route({ method: 'GET', path: '/studios/{id}', handle: () => jsonResult(200, {}) })],
      { logger },
    );
    const result = await router(apiEvent({ path: '/studios/%E0%A4%A' }));
    expect(result.statusCode).toBe(400);
  });
});

describe('browser policy (CSRF and CORS)', () => {
  const allowed = new Set(['https://app.example', 'http://localhost:3000']);
  const seen = vi.fn();
  const routes = [
    route({
      method: 'POST',
      path: '/login',
      body: z.object({ email: z.string() }),
      handle: (ctx) => {
        seen(ctx.body);
        return jsonResult(200, { ok: true }, { cookies: ['rt=1; Path=/'] });
      },
    }),
    route({ method: 'POST', path: '/refresh', handle: () => jsonResult(200, { ok: true }) }),
    route({ method: 'GET', path: '/keys', checkOrigin: false, handle: () => jsonResult(200, { keys: [] }) }),
    route({
      method: 'POST',
      path: '/hook',
      accepts: ['application/json', 'application/x-www-form-urlencoded'],
      body: z.object({ a: z.string() }),
      handle: (ctx) => jsonResult(200, ctx.body),
    }),
  ];
  const router = createRouteRouter(routes, { logger, accepts: ['application/json'], allowedOrigins: () => allowed });
  const post = (path: string, headers: Record<string, string>, body: string | null = '{"email":"a@b.co"}') =>
    router(apiEvent({ httpMethod: 'POST', path, headers, body }));

  it('refuses a form-encoded body with 415 before the handler runs (a cross-site HTML form cannot send JSON)', async () => {
    seen.mockClear();
    const form = await post('/login', { 'content-type': 'application/x-www-form-urlencoded' }, 'email=a%40b.co');
    expect(form.statusCode).toBe(415);
    expect(bodyOf(form).error).toMatchObject({
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      details: { accepts: ['application/json'] },
    });
    expect(form.multiValueHeaders).toBeUndefined();
    for (const type of ['text/plain', 'multipart/form-data; boundary=x'])
      expect((await post('/login', { 'content-type': type })).statusCode).toBe(415);
    expect(seen).not.toHaveBeenCalled();
    expect((await post('/login', { 'Content-Type': 'application/json; charset=utf-8' })).statusCode).toBe(200);
  });

  it('lets a route without fields be called with neither body nor Content-Type; the Origin check still applies', async () => {
    expect((await post('/refresh', {}, null)).statusCode).toBe(200);
    expect((await post('/refresh', {}, '')).statusCode).toBe(200);
    expect((await post('/refresh', { 'content-type': 'application/json' }, null)).statusCode).toBe(200);
    expect((await post('/refresh', { origin: 'https://evil.example' }, null)).statusCode).toBe(403);
    // A body, or a type other than JSON, is still refused (what a cross-site form sends).
    expect((await post('/refresh', {}, 'a=1')).statusCode).toBe(415);
    expect((await post('/refresh', { 'content-type': 'application/x-www-form-urlencoded' }, '')).statusCode).toBe(415);
    expect((await post('/refresh', { 'content-type': 'text/plain' }, null)).statusCode).toBe(415);
    // A route with fields still needs the JSON type.
    expect((await post('/login', {}, null)).statusCode).toBe(415);
  });

  it('lets a route widen the policy, and leaves GET alone', async () => {
    expect((await post('/hook', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1')).statusCode).toBe(200);
    expect((await router(apiEvent({ path: '/keys' }))).statusCode).toBe(200);
  });

  it('refuses a cross-origin request with 403 and no CORS headers, whatever its content type', async () => {
    seen.mockClear();
    const evil = await post('/login', { 'content-type': 'application/json', origin: 'https://evil.example' });
    expect(evil.statusCode).toBe(403);
    expect(bodyOf(evil).error.code).toBe('REQUEST.ORIGIN_NOT_ALLOWED');
    expect(evil.headers).not.toHaveProperty('access-control-allow-origin');
    expect(evil.multiValueHeaders).toBeUndefined();
    expect((await post('/login', { 'content-type': 'application/json', origin: 'null' })).statusCode).toBe(403);
    // A look-alike of an allowed origin is another origin.
    expect(
      (await post('/login', { 'content-type': 'application/json', origin: 'https://app.example.evil.example' }))
        .statusCode,
    ).toBe(403);
    expect(seen).not.toHaveBeenCalled();
    // A route may opt out (public documents any page may read).
    expect((await router(apiEvent({ path: '/keys', headers: { origin: 'https://evil.example' } }))).statusCode).toBe(
      200,
    );
  });

  it('answers an allowed origin with credentialed CORS headers, errors included; no Origin (server, app, email link) passes', async () => {
    const ok = await post('/login', { 'content-type': 'application/json', Origin: 'http://localhost:3000' });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': 'http://localhost:3000',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    });
    expect(ok.headers?.['access-control-expose-headers']).toContain('retry-after');
    const refused = await post('/login', { 'content-type': 'text/plain', origin: 'https://app.example' });
    expect(refused.statusCode).toBe(415);
    expect(refused.headers?.['access-control-allow-origin']).toBe('https://app.example');
    const noOrigin = await post('/login', { 'content-type': 'application/json' });
    expect(noOrigin.statusCode).toBe(200);
    expect(noOrigin.headers).not.toHaveProperty('access-control-allow-origin');
    expect(noOrigin.headers?.vary).toBe('Origin');
  });

  it('keeps the old behaviour for routers without a policy (form bodies parsed, any origin)', async () => {
    const legacy = createRouteRouter(
      [
        route({
          method: 'POST',
          path: '/x',
          body: z.object({ a: z.string() }),
          handle: (ctx) => jsonResult(200, ctx.body),
        }),
      ],
      { logger },
    );
    const answer = await legacy(
      apiEvent({
        httpMethod: 'POST',
        path: '/x',
        body: 'a=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      }),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).not.toHaveProperty('access-control-allow-origin');
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

describe('createRouteRouter: text storage cannot hold', () => {
  const handle = vi.fn(() => jsonResult(200, { ok: true }));
  const router = createRouteRouter(
    [
      route({ method: 'POST', path: '/signup', body: z.object({ displayName: z.string() }), handle }),
      route({ method: 'GET', path: '/items/{id}', query: z.object({ token: z.string().optional() }), handle }),
    ],
    { logger },
  );

  it('answers 400 naming the field for NUL or lone surrogates in body, query or path, before the handler', async () => {
    const answers = [
      await router(
        apiEvent({ httpMethod: 'POST', path: '/signup', body: JSON.stringify({ displayName: 'a\u0000b' }) }),
      ),
      await router(
        apiEvent({
          httpMethod: 'POST',
          path: '/signup',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'displayName=%ED%A0%80x%00',
        }),
      ),
      await router(apiEvent({ path: '/items/1', queryStringParameters: { token: 'abc\u0000' } })),
      await router(apiEvent({ path: '/items/a%00b' })),
      await router(apiEvent({ httpMethod: 'POST', path: '/signup', body: '{"displayName":"' + '\\ud800' + '"}' })),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([400, 400, 400, 400, 400]);
    expect(answers.map((answer) => bodyOf(answer).error.details.issues[0].path)).toEqual([
      'body.displayName',
      'body.displayName',
      'query.token',
      'path.id',
      'body.displayName',
    ]);
    expect(bodyOf(answers[0]!).error.code).toBe('REQUEST.INVALID');
    expect(handle).not.toHaveBeenCalled();
  });

  it('refuses a body nested deeper than the limit with 400, not a crash', async () => {
    const body = '{"displayName":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}';
    const answer = await router(apiEvent({ httpMethod: 'POST', path: '/signup', body }));
    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer).error.message).toMatch(/body\.displayName(\.0)+ must not nest deeper/);
  });

  it('lists its routes for tools that enumerate the API', () => {
    expect(router.routes.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /signup', 'GET /items/{id}']);
  });
});
