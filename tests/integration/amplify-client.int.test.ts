/**
 * The local stack driven by the web app's own client: AWS Amplify JS v6 (`Amplify.configure` +
 * `generateClient()` from `aws-amplify/api`), configured the way docs/client-developers.md tells
 * the web app to. API-key reads, OIDC reads and mutations through Amplify's token provider, auth
 * errors named as Amplify names them (from AppSync's `x-amzn-ErrorType` header), and a browser
 * origin's CORS preflight with the headers Amplify sends.
 */
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { afterEach, describe, expect, it } from 'vitest';
import { configureAmplify, resetAmplify } from '../support/amplify.ts';
import { stackInfo } from '../support/clients.ts';
import { registeredUser } from '../support/auth-client.ts';

const WEB_APP = 'http://localhost:3000';

/** What Amplify rejects with: `{ data, errors: [GraphQLError] }`, the cause in `originalError`. */
interface AmplifyFailure {
  errors?: { message: string; originalError?: { name?: string; message?: string } }[];
}

async function failureOf(call: () => unknown): Promise<AmplifyFailure> {
  try {
    await call();
  } catch (error) {
    return error as AmplifyFailure;
  }
  throw new Error('expected Amplify to reject');
}

afterEach(resetAmplify);

describe('AWS Amplify JS v6 against the local AppSync', () => {
  it('reads public data with the API key', async () => {
    configureAmplify();
    const client = generateClient();
    const result = (await client.graphql({ query: '{ cities { code name } }' })) as {
      data: { cities: { code: string }[] };
    };
    expect(result.data.cities.map((city) => city.code)).toContain('us-nyc');
  });

  it('reads and writes as a signed-in user through its token provider (authMode oidc)', async () => {
    const user = await registeredUser();
    configureAmplify({ token: () => user.accessToken });
    const client = generateClient();
    const viewer = (await client.graphql({ query: '{ viewer { sub roles } }', authMode: 'oidc' })) as {
      data: { viewer: { sub: string } };
    };
    expect(viewer.data.viewer.sub).toBe(user.userId);

    const recorded = (await client.graphql({
      query: `mutation Record($input: RecordConsentInput!) {
        recordConsent(input: $input) { kind version granted }
      }`,
      variables: { input: { kind: 'MARKETING', version: '2026-01-01', granted: true } },
      authMode: 'oidc',
    })) as { data: { recordConsent: { kind: string; granted: boolean } } };
    expect(recorded.data.recordConsent).toMatchObject({ kind: 'marketing', granted: true });
  });

  it('reports a bad or expired token as UnauthorizedException (from x-amzn-ErrorType)', async () => {
    const user = await registeredUser();
    // A token whose signature no longer matches: what an expired/rotated session looks like to AppSync.
    const forged = `${user.accessToken.slice(0, -4)}AAAA`;
    configureAmplify({ token: () => forged });
    const failure = await failureOf(() => generateClient().graphql({ query: '{ viewer { sub } }', authMode: 'oidc' }));
    expect(failure.errors?.[0]?.originalError?.name).toBe('UnauthorizedException');
    expect(failure.errors?.[0]?.message).not.toMatch(/unknown error/i);
  });

  it('reports a wrong API key as UnauthorizedException too', async () => {
    const { endpoints } = stackInfo();
    Amplify.configure({
      API: {
        GraphQL: { endpoint: endpoints.graphqlUrl, region: 'us-east-1', defaultAuthMode: 'apiKey', apiKey: 'da2-nope' },
      },
    });
    const failure = await failureOf(() => generateClient().graphql({ query: '{ cities { code } }' }));
    expect(failure.errors?.[0]?.originalError?.name).toBe('UnauthorizedException');
  });

  it("answers a browser origin's preflight for every header Amplify sends", async () => {
    const preflight = await fetch(stackInfo().endpoints.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: WEB_APP,
        'access-control-request-method': 'POST',
        // What Chromium asks for on Amplify's POST (header names lower-cased and sorted).
        'access-control-request-headers':
          'authorization,content-type,x-amz-date,x-amz-security-token,x-amz-user-agent,x-api-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(WEB_APP);
    const allowed = new Set(
      (preflight.headers.get('access-control-allow-headers') ?? '').split(',').map((name) => name.trim().toLowerCase()),
    );
    for (const header of [
      'authorization',
      'content-type',
      'x-amz-date',
      'x-amz-security-token',
      'x-amz-user-agent',
      'x-api-key',
    ])
      expect(allowed).toContain(header);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });
});
