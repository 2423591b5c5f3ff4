import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { NotFoundError } from './errors.ts';
import type { AppSyncResolverEvent } from './events.ts';
import { createFieldRouter, field, noArgs, type FieldContext } from './field-router.ts';
import { createLogger, setLogSink, type LogSink } from './log.ts';

let lines: string[];
let previous: LogSink;
beforeEach(() => {
  lines = [];
  previous = setLogSink((line) => lines.push(line));
});
afterEach(() => {
  setLogSink(previous);
});

const logger = createLogger({ service: 'test', level: 'debug' });

function appSyncEvent(
  overrides: Partial<AppSyncResolverEvent> & { field?: string; type?: string } = {},
): AppSyncResolverEvent {
  const { field: fieldName = 'city', type = 'Query', ...rest } = overrides;
  return {
    arguments: {},
    identity: null,
    source: null,
    info: { fieldName, parentTypeName: type, variables: {}, selectionSetList: [] },
    request: { headers: {} },
    ...rest,
  };
}

const now = Math.floor(Date.UTC(2026, 0, 1) / 1000);
const claims = {
  sub: 'usr_1',
  iss: 'https://auth.rastup.test',
  aud: 'rastup',
  exp: now + 900,
  iat: now,
  auth_time: now - 10,
  amr: ['pwd'],
  roles: ['client'],
  sid: 'ses_1',
};

describe('createFieldRouter', () => {
  it('dispatches by Type.field with the parsed arguments', async () => {
    const city = vi.fn((args: { code: string }) => ({ code: args.code }));
    const createBooking = vi.fn(() => 'booked');
    const router = createFieldRouter(
      {
        'Query.city': field(z.object({ code: z.string().trim().toLowerCase() }), city),
        'Mutation.city': field(noArgs, createBooking),
      },
      logger,
    );
    await expect(router(appSyncEvent({ arguments: { code: ' US-NYC ' } }))).resolves.toEqual({
      data: { code: 'us-nyc' },
    });
    expect(city).toHaveBeenCalledTimes(1);
    expect(createBooking).not.toHaveBeenCalled();
    await expect(router(appSyncEvent({ type: 'Mutation' }))).resolves.toEqual({ data: 'booked' });
  });

  it('answers BAD_REQUEST with the zod issues when arguments are invalid, without calling the handler', async () => {
    const handle = vi.fn();
    const router = createFieldRouter(
      { 'Query.city': field(z.object({ code: z.string().min(2), limit: z.number().int() }), handle) },
      logger,
    );
    const result = await router(appSyncEvent({ arguments: { code: 'x', limit: 1.5 } }));
    expect(handle).not.toHaveBeenCalled();
    expect(result).toMatchObject({
      error: { errorType: 'BAD_REQUEST', message: 'Invalid arguments', errorInfo: { code: 'REQUEST.INVALID' } },
    });
    const issues = (result as unknown as { error: { errorInfo: { issues: { path: string; message: string }[] } } })
      .error.errorInfo.issues;
    expect(issues.map((issue) => issue.path).sort()).toEqual(['code', 'limit']);
    for (const issue of issues) expect(issue.message).toEqual(expect.any(String));
  });

  it('passes AppErrors through with their type', async () => {
    const router = createFieldRouter(
      {
        'Query.city': field(noArgs, () => {
          throw new NotFoundError('City us-xyz not found');
        }),
      },
      logger,
    );
    await expect(router(appSyncEvent())).resolves.toEqual({
      error: { errorType: 'NOT_FOUND', message: 'City us-xyz not found', errorInfo: { code: 'RESOURCE.NOT_FOUND' } },
    });
  });

  it('turns an unknown thrown error into INTERNAL_ERROR with a generic message, logging it', async () => {
    const router = createFieldRouter(
      {
        'Query.city': field(noArgs, async () => {
          throw new Error('relation "cities" does not exist');
        }),
      },
      logger,
    );
    const result = await router(appSyncEvent({ request: { headers: { 'x-correlation-id': 'req_corr' } } }));
    expect(result).toEqual({
      error: { errorType: 'INTERNAL_ERROR', message: 'Internal error', errorInfo: { code: 'INTERNAL' } },
    });
    expect(JSON.stringify(result)).not.toContain('relation');
    const logged = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.level === 'error');
    expect(logged).toMatchObject({ message: 'resolver failed', correlationId: 'req_corr', field: 'Query.city' });
  });

  it('answers BAD_REQUEST for a field without a resolver', async () => {
    const router = createFieldRouter({ 'Query.city': field(noArgs, () => 1) }, logger);
    await expect(router(appSyncEvent({ field: 'cities' }))).resolves.toEqual({
      error: {
        errorType: 'BAD_REQUEST',
        message: 'No resolver for Query.cities',
        errorInfo: { code: 'REQUEST.INVALID', issues: [] },
      },
    });
  });

  describe('context', () => {
    async function contextFor(event: AppSyncResolverEvent): Promise<FieldContext> {
      let seen: FieldContext | undefined;
      const router = createFieldRouter(
        {
          'Query.city': field(z.unknown(), (_args, ctx) => {
            seen = ctx;
            return null;
          }),
        },
        logger,
      );
      await router(event);
      return seen!;
    }

    it('treats an API key call (identity null) as caller kind apiKey', async () => {
      expect((await contextFor(appSyncEvent({ identity: null }))).caller).toEqual({ kind: 'apiKey' });
    });

    it('turns OIDC claims into a user caller', async () => {
      const ctx = await contextFor(appSyncEvent({ identity: { sub: 'usr_1', issuer: claims.iss, claims } }));
      expect(ctx.caller).toEqual({
        kind: 'user',
        userId: 'usr_1',
        roles: ['client'],
        amr: ['pwd'],
        authTime: now - 10,
        sessionId: 'ses_1',
        expiresAt: now + 900,
      });
    });

    it('treats unusable claims as anonymous', async () => {
      const ctx = await contextFor(
        appSyncEvent({ identity: { sub: 'usr_1', issuer: 'x', claims: { sub: 'usr_1', roles: ['emperor'] } } }),
      );
      expect(ctx.caller).toEqual({ kind: 'anonymous' });
    });

    it('uses the x-correlation-id header, the IP the edge appended (rightmost) and the source', async () => {
      const ctx = await contextFor(
        appSyncEvent({
          source: { id: 'prf_1' },
          request: { headers: { 'X-Correlation-Id': 'req_given', 'x-forwarded-for': '203.0.113.9, 198.51.100.20' } },
        }),
      );
      expect(ctx).toMatchObject({ correlationId: 'req_given', sourceIp: '198.51.100.20', source: { id: 'prf_1' } });
    });

    it('ignores what the client wrote into x-forwarded-for (leftmost entries can be forged)', async () => {
      // The client sent "X-Forwarded-For: 1.2.3.4"; CloudFront appended the real viewer address.
      const spoofed = await contextFor(
        appSyncEvent({ request: { headers: { 'x-forwarded-for': '1.2.3.4, 203.0.113.50' } } }),
      );
      expect(spoofed.sourceIp).toBe('203.0.113.50');
      const garbage = await contextFor(
        appSyncEvent({ request: { headers: { 'x-forwarded-for': '1.2.3.4, not-an-ip' } } }),
      );
      expect(garbage.sourceIp).toBeUndefined();
      expect(
        (await contextFor(appSyncEvent({ request: { headers: { 'x-forwarded-for': '2001:db8::7' } } }))).sourceIp,
      ).toBe('2001:db8::7');
      expect((await contextFor(appSyncEvent({ request: { headers: {} } }))).sourceIp).toBeUndefined();
    });

    it('generates a request id when no correlation id is sent', async () => {
      expect((await contextFor(appSyncEvent())).correlationId).toMatch(/^req_[0-9A-Z]{26}$/);
    });
  });
});

describe('createFieldRouter: text storage cannot hold', () => {
  it('refuses NUL, lone surrogates and runaway nesting anywhere in the arguments, naming the field, before the schema', async () => {
    const handle = vi.fn(() => 'reached');
    const router = createFieldRouter({ 'Query.city': field(z.object({}).passthrough(), handle) }, logger);
    let deep: unknown = 1;
    for (let i = 0; i < 6_000; i++) deep = { a: deep };
    const cases: [unknown, string][] = [
      [{ slug: 'a\u0000b' }, 'slug'],
      [{ input: { patch: { links: [{ label: '\ud800' }] } } }, 'input.patch.links.0.label'],
      [{ input: { patch: { availability: deep } } }, 'input.patch.availability'],
    ];
    for (const [args, path] of cases) {
      const result = await router(appSyncEvent({ arguments: args as Record<string, unknown> }));
      expect(result).toMatchObject({
        error: {
          errorType: 'BAD_REQUEST',
          errorInfo: { code: 'REQUEST.INVALID', issues: [{ path: expect.stringContaining(path) as unknown }] },
        },
      });
      expect('error' in result && result.error.message).toContain(path);
    }
    expect(handle).not.toHaveBeenCalled();
    await expect(router(appSyncEvent({ arguments: { slug: 'fine 😀' } }))).resolves.toEqual({ data: 'reached' });
  });
});
