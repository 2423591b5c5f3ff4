/**
 * The local AppSync over HTTP: public reads with the API key, OIDC bearer for `viewer`, per-field
 * auth, AppSync's HTTP answers for bad requests, AppSync's depth and resolver-count limits, AWS scalar validation.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportJWK, importJWK } from 'jose';
import { gql } from 'graphql-request';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lambdas/core/clock.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { postGraphql, publicClient, stackInfo, userClient, withApiKey } from '../support/clients.ts';
import { mintAccessToken } from '../support/tokens.ts';
import { appSyncLimits } from '../../infra/definitions/appsync-limits.ts';

const userId = newId('user');

describe('public reads with the API key', () => {
  it('lists the seeded cities', async () => {
    const data = await publicClient().request<{ cities: { code: string; name: string }[] }>(gql`
      {
        cities {
          code
          name
        }
      }
    `);
    expect(data.cities.map((city) => city.code)).toEqual(
      expect.arrayContaining(['us-nyc', 'us-lax', 'us-mia', 'us-hou', 'us-chi']),
    );
    expect(data.cities.find((city) => city.code === 'us-nyc')?.name).toBe('New York');
  });

  it("returns a city's feature flags", async () => {
    const data = await publicClient().request<{ featureFlags: { key: string; enabled: boolean }[] }>(
      gql`
        query Flags($city: ID!) {
          featureFlags(city: $city) {
            key
            enabled
          }
        }
      `,
      { city: 'us-mia' },
    );
    const flags = Object.fromEntries(data.featureFlags.map((flag) => [flag.key, flag.enabled]));
    expect(flags['booking.instant_book']).toBe(true);
    expect(flags['search.promotions']).toBe(false);
  });

  it('answers NOT_FOUND for an unknown city, AppSync-shaped', async () => {
    const answer = await postGraphql(
      JSON.stringify({ query: '{ featureFlags(city: "us-zzz") { key } }' }),
      withApiKey(),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors[0]).toMatchObject({
      errorType: 'NOT_FOUND',
      path: ['featureFlags'],
      errorInfo: { code: 'RESOURCE.NOT_FOUND' },
    });
  });

  it('refuses an argument that fails the domain schema with BAD_REQUEST', async () => {
    const answer = await postGraphql(
      JSON.stringify({ query: '{ featureFlags(city: "not a city!") { key } }' }),
      withApiKey(),
    );
    expect(answer.body.errors[0]).toMatchObject({ errorType: 'BAD_REQUEST', path: ['featureFlags'] });
    expect(answer.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses an OIDC-only field to an API-key caller, field by field', async () => {
    const answer = await postGraphql(JSON.stringify({ query: '{ viewer { sub } cities { code } }' }), withApiKey());
    expect(answer.status).toBe(200);
    expect(answer.body.data.viewer).toBeNull();
    expect(answer.body.data.cities.length).toBeGreaterThan(0);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        errorType: 'Unauthorized',
        message: 'Not Authorized to access viewer on type Query',
        path: ['viewer'],
      }),
    ]);
  });
});

describe('OIDC bearer tokens', () => {
  it('returns the subject of a valid token as viewer', async () => {
    const token = await mintAccessToken({ userId, roles: ['client', 'provider'], amr: ['pwd', 'otp'] });
    const data = await userClient(token).request<{ viewer: { sub: string; roles: string[]; amr: string[] } }>(gql`
      {
        viewer {
          sub
          roles
          amr
          expiresAt
        }
      }
    `);
    expect(data.viewer).toMatchObject({ sub: userId, roles: ['client', 'provider'], amr: ['pwd', 'otp'] });
  });

  it('lets signed-in callers read public fields too', async () => {
    const token = await mintAccessToken({ userId });
    const data = await userClient(token).request<{ cities: unknown[] }>(gql`
      {
        cities {
          code
        }
      }
    `);
    expect(data.cities.length).toBeGreaterThan(0);
  });

  const refused = async (token: string) => {
    const answer = await postGraphql(JSON.stringify({ query: '{ viewer { sub } }' }), {
      authorization: `Bearer ${token}`,
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: expect.any(String) }] });
  };

  it('refuses an expired token', async () => {
    const clock = new ManualClock(Date.now() - 2 * 3600_000);
    await refused(await mintAccessToken({ userId, clock }));
  });

  it('refuses a token for another audience', async () => {
    await refused(await mintAccessToken({ userId, audience: 'someone-else' }));
  });

  it('refuses a token signed by a key the issuer never published (same kid)', async () => {
    const real = await mintAccessToken({ userId });
    const kid = JSON.parse(Buffer.from(real.split('.')[0]!, 'base64url').toString()).kid as string;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(stackInfo().issuer)
      .setAudience('rastup-api')
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(await importJWK(await exportJWK(privateKey), 'RS256'));
    await refused(forged);
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [header, payload, signature] = (await mintAccessToken({ userId })).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.roles = ['admin'];
    await refused(`${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`);
  });

  it('refuses alg: none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: userId, iss: stackInfo().issuer, aud: 'rastup-api', iat: now, exp: now + 600 }),
    ).toString('base64url');
    await refused(`${header}.${payload}.`);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const jwks = (await (await fetch(`${stackInfo().endpoints.restUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; n: string }[];
    };
    const key = jwks.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: key.kid })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        sub: userId,
        iss: stackInfo().issuer,
        aud: 'rastup-api',
        iat: now,
        exp: now + 600,
        roles: ['admin'],
      }),
    ).toString('base64url');
    const signature = createHmac('sha256', JSON.stringify(key)).update(`${header}.${payload}`).digest('base64url');
    await refused(`${header}.${payload}.${signature}`);
  });

  it('says it cannot parse a token that is not a JWT', async () => {
    const answer = await postGraphql(JSON.stringify({ query: '{ viewer { sub } }' }), { authorization: 'not-a-jwt' });
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0]).toEqual({
      errorType: 'UnauthorizedException',
      message: 'Unable to parse JWT token.',
    });
  });
});

describe("AppSync's answers to bad requests", () => {
  it('400 for an empty body', async () => {
    const answer = await postGraphql('', withApiKey());
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      errors: [{ errorType: 'MalformedHttpRequestException', message: 'Request body is empty.' }],
    });
  });

  it.each(['meow', '{}', '[]', '{"query": 42}', '{"query":"{ cities { code "}'])(
    '400 for a body that is not a GraphQL request: %s',
    async (body) => {
      const answer = await postGraphql(body, withApiKey());
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        errors: [{ errorType: 'MalformedHttpRequestException', message: 'Unable to parse GraphQL query.' }],
      });
    },
  );

  it('401 without any credential', async () => {
    const answer = await postGraphql(JSON.stringify({ query: '{ cities { code } }' }));
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].errorType).toBe('UnauthorizedException');
  });

  it('401 with a wrong API key', async () => {
    const answer = await postGraphql(JSON.stringify({ query: '{ cities { code } }' }), {
      'x-api-key': 'da2-wrongwrongwrongwrongwrongwr',
    });
    expect(answer.status).toBe(401);
  });

  it('200 with data null for an unknown field', async () => {
    const answer = await postGraphql(JSON.stringify({ query: '{ badfield }' }), withApiKey());
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: null,
      errors: [
        {
          message:
            "Validation error of type FieldUndefined: Field 'badfield' in type 'Query' is undefined @ 'badfield'",
          locations: [{ line: 1, column: 3, sourceName: null }],
          path: null,
        },
      ],
    });
  });

  it('200 with data null for a missing required variable', async () => {
    const answer = await postGraphql(
      JSON.stringify({ query: 'query F($city: ID!) { featureFlags(city: $city) { key } }' }),
      withApiKey(),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors[0].message).toMatch(/^Validation error of type/);
  });

  it('never answers with a stack trace', async () => {
    for (const body of ['', 'meow', '{"query":"{ badfield }"}', '{"query":"{ featureFlags(city: 1) { key } }"}']) {
      const answer = await postGraphql(body, withApiKey());
      expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
    }
  });

  it("answers fields past AppSync's queryDepthLimit with QueryDepthLimitReached (introspection: the whole request)", async () => {
    const nested = (levels: number): string => (levels === 0 ? 'name' : `ofType { ${nested(levels - 1)} }`);
    // __schema types fields type = 4 levels, then the ofType chain, then name.
    const within = appSyncLimits.queryDepthLimit - 5;
    const shallow = await postGraphql(
      JSON.stringify({ query: `{ __schema { types { fields { type { ${nested(within)} } } } } }` }),
      withApiKey(),
    );
    expect(shallow.body.errors).toBeUndefined();
    const deep = await postGraphql(
      JSON.stringify({ query: `{ __schema { types { fields { type { ${nested(within + 1)} } } } } }` }),
      withApiKey(),
    );
    expect(deep.status).toBe(200);
    expect(deep.body.data).toBeNull();
    expect(deep.body.errors[0].errorType).toBe('QueryDepthLimitReached');
  });

  it('runs at most resolverCountLimit resolvers per request; the rest answer ResolverExecutionLimitReached', async () => {
    const count = appSyncLimits.resolverCountLimit + 3;
    const query = `{ ${Array.from({ length: count }, (_, i) => `c${i}: cities { code }`).join(' ')} }`;
    const answer = await postGraphql(JSON.stringify({ query }), withApiKey());
    expect(answer.status).toBe(200);
    // cities is non-null, so (as in AppSync) the null bubbles up to data.
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors.length).toBeGreaterThan(0);
    expect(answer.body.errors[0]).toMatchObject({
      errorType: 'ResolverExecutionLimitReached',
      path: [`c${appSyncLimits.resolverCountLimit}`],
    });
    for (const error of answer.body.errors as { errorType: string }[])
      expect(error.errorType).toBe('ResolverExecutionLimitReached');
  });
});

describe("AppSync's headers, as browsers and AWS Amplify read them", () => {
  it('names every answer with x-amzn-RequestId and every error answer with x-amzn-ErrorType', async () => {
    const ok = await postGraphql(JSON.stringify({ query: '{ cities { code } }' }), withApiKey());
    const denied = await postGraphql(JSON.stringify({ query: '{ cities { code } }' }));
    const malformed = await postGraphql('', withApiKey());
    for (const answer of [ok, denied, malformed])
      expect(answer.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers.get('x-amzn-errortype')).toBeNull();
    expect(denied.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect(malformed.headers.get('x-amzn-errortype')).toBe('MalformedHttpRequestException');
    const rest = await fetch(`${stackInfo().endpoints.restUrl}/.well-known/jwks.json`);
    expect(rest.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers a browser's preflight with the headers Amplify sends, and exposes AppSync's", async () => {
    const preflight = await fetch(stackInfo().endpoints.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers':
          'content-type,x-api-key,x-amz-user-agent,x-amz-date,x-amz-security-token,authorization',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').split(/\s*,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining([
        'content-type',
        'authorization',
        'x-api-key',
        'x-amz-date',
        'x-amz-user-agent',
        'x-amz-security-token',
      ]),
    );
    const answer = await postGraphql(JSON.stringify({ query: '{ cities { code } }' }), {
      ...withApiKey(),
      origin: 'https://app.example.test',
    });
    expect((answer.headers.get('access-control-expose-headers') ?? '').split(/\s*,\s*/)).toEqual(
      expect.arrayContaining(['x-amzn-RequestId', 'x-amzn-ErrorType', 'x-amzn-ErrorMessage', 'Date']),
    );
  });

  it("words a nested unknown field with AppSync's path from the root", async () => {
    const answer = await postGraphql(JSON.stringify({ query: '{ cities { code nope } }' }), withApiKey());
    expect(answer.body.errors[0].message).toBe(
      "Validation error of type FieldUndefined: Field 'nope' in type 'City' is undefined @ 'cities/nope'",
    );
  });
});

describe('unknown REST paths', () => {
  it('answer like API Gateway', async () => {
    const response = await fetch(`${stackInfo().endpoints.restUrl}/nowhere`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('serve OIDC discovery and the JWKS', async () => {
    const discovery = (await (
      await fetch(`${stackInfo().endpoints.restUrl}/.well-known/openid-configuration`)
    ).json()) as { issuer: string; jwks_uri: string };
    expect(discovery.issuer).toBe(stackInfo().issuer);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as {
      keys: { kty: string; alg: string; kid: string; d?: string }[];
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
  });
});
