/**
 * AppSync's per-request limits in the local gateway, on a small recursive schema so depth is easy
 * to reach: the fields past `queryDepthLimit` and the resolver calls past `resolverCountLimit`
 * answer null with AppSync's error types, while the rest of the request still resolves.
 */
import { describe, expect, it } from 'vitest';
import { createGraphqlGateway } from './graphql-gateway.ts';

const sdl = `
  type City @aws_api_key { code: String! name: String next: City }
  type Query { cities: [City!]! @aws_api_key  featureFlags(city: ID!): City @aws_api_key }
`;

function gateway(limits: { queryDepthLimit: number; resolverCountLimit: number }) {
  let calls = 0;
  const chain = { code: 'a', name: 'A', next: { code: 'b', name: 'B', next: { code: 'c', name: 'C', next: null } } };
  const instance = createGraphqlGateway({
    stage: 'test',
    schemaSdl: sdl,
    limits,
    isValidApiKey: () => true,
    verifyToken: () => Promise.reject(new Error('no tokens here')),
    dispatch: (_domain, event) => {
      calls += 1;
      return Promise.resolve({ data: event.info.fieldName === 'cities' ? [chain] : chain });
    },
  });
  return {
    calls: () => calls,
    ask: async (query: string) => {
      const answer = await instance.handle(JSON.stringify({ query }), { 'x-api-key': 'da2-test' });
      return {
        status: answer.status,
        ...(JSON.parse(answer.body) as { data: unknown; errors?: Record<string, unknown>[] }),
      };
    },
  };
}

describe('queryDepthLimit', () => {
  it('answers the fields past the limit with QueryDepthLimitReached (null up to a nullable parent); shallower fields resolve', async () => {
    const { ask } = gateway({ queryDepthLimit: 3, resolverCountLimit: 10 });
    const answer = await ask('{ featureFlags(city: "x") { code next { code next { code next { code } } } } }');
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ featureFlags: { code: 'a', next: { code: 'b', next: null } } });
    expect(answer.errors).toEqual([
      expect.objectContaining({
        errorType: 'QueryDepthLimitReached',
        path: ['featureFlags', 'next', 'next', 'code'],
        message: 'Query depth limit of 3 exceeded.',
      }),
    ]);
  });

  it('bubbles to the nearest nullable parent when the field past the limit is non-null', async () => {
    const { ask } = gateway({ queryDepthLimit: 2, resolverCountLimit: 10 });
    const answer = await ask('{ featureFlags(city: "x") { next { code } } }');
    expect(answer.data).toEqual({ featureFlags: { next: null } });
    expect(answer.errors?.[0]).toMatchObject({
      errorType: 'QueryDepthLimitReached',
      path: ['featureFlags', 'next', 'code'],
    });
  });

  it('refuses introspection deeper than the limit', async () => {
    const { ask } = gateway({ queryDepthLimit: 3, resolverCountLimit: 10 });
    expect((await ask('{ __schema { queryType { name } } }')).errors).toBeUndefined();
    const deep = await ask('{ __schema { types { fields { name } } } }');
    expect(deep.data).toBeNull();
    expect(deep.errors?.[0]).toMatchObject({ errorType: 'QueryDepthLimitReached' });
  });
});

describe('resolverCountLimit', () => {
  it('runs the first N resolvers; the rest answer null with ResolverExecutionLimitReached and never run', async () => {
    const { ask, calls } = gateway({ queryDepthLimit: 10, resolverCountLimit: 2 });
    const answer = await ask(
      '{ a: featureFlags(city: "x") { code } b: featureFlags(city: "x") { code } c: featureFlags(city: "x") { code } }',
    );
    expect(answer.data).toEqual({ a: { code: 'a' }, b: { code: 'a' }, c: null });
    expect(answer.errors).toEqual([
      expect.objectContaining({
        errorType: 'ResolverExecutionLimitReached',
        path: ['c'],
        message: 'Resolver invocation limit reached.',
      }),
    ]);
    expect(calls()).toBe(2);
  });
});
