/**
 * The page the headless-browser test serves on http://localhost:3000 (bundled with esbuild): what
 * the web app does in dev mode against the local stack. It signs in through REST, refreshes with
 * the `__Host-` cookie the browser kept, and calls GraphQL through AWS Amplify JS v6 with the API
 * key and with the access token (authMode 'oidc'), plus one call with a broken token.
 */
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { decodeJwt } from 'jose';

export interface PageConfig {
  readonly graphqlUrl: string;
  readonly restUrl: string;
  readonly apiKey: string;
  readonly email: string;
  readonly password: string;
}

export interface PageOutcome {
  readonly loginStatus: number;
  readonly refreshStatus: number;
  readonly refreshedUserId: string | null;
  readonly cityCodes: string[];
  readonly viewerSub: string | null;
  readonly badTokenError: string | null;
  readonly failures: string[];
}

interface AmplifyFailure {
  errors?: { message?: string; originalError?: { name?: string } }[];
}

function describeFailure(error: unknown): string {
  const failure = error as AmplifyFailure;
  const first = failure.errors?.[0];
  return first ? `${first.originalError?.name ?? 'Error'}: ${first.message ?? ''}` : String(error);
}

function configure(config: PageConfig, token: () => string | null): void {
  Amplify.configure(
    {
      API: {
        GraphQL: { endpoint: config.graphqlUrl, region: 'us-east-1', defaultAuthMode: 'apiKey', apiKey: config.apiKey },
      },
    },
    {
      Auth: {
        tokenProvider: {
          getTokens: () => {
            const value = token();
            return Promise.resolve(
              value ? { accessToken: { payload: decodeJwt(value), toString: () => value } } : null,
            );
          },
        },
      },
    },
  );
}

async function scenario(config: PageConfig): Promise<PageOutcome> {
  const failures: string[] = [];
  const login = await fetch(`${config.restUrl}/auth/login`, {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: config.email, password: config.password }),
  });
  const session = (await login.json()) as { accessToken?: string };
  // The web app's silent refresh: no body, the refresh cookie is all the proof.
  const refresh = await fetch(`${config.restUrl}/auth/token/refresh`, { method: 'POST', credentials: 'include' });
  const refreshed = (refresh.ok ? await refresh.json() : null) as { accessToken?: string; userId?: string } | null;
  const accessToken = refreshed?.accessToken ?? session.accessToken ?? null;

  configure(config, () => accessToken);
  const client = generateClient();
  let cityCodes: string[] = [];
  try {
    const result = (await client.graphql({ query: '{ cities { code } }' })) as { data: { cities: { code: string }[] } };
    cityCodes = result.data.cities.map((city) => city.code);
  } catch (error) {
    failures.push(`cities: ${describeFailure(error)}`);
  }
  let viewerSub: string | null = null;
  try {
    const result = (await client.graphql({ query: '{ viewer { sub } }', authMode: 'oidc' })) as {
      data: { viewer: { sub: string } };
    };
    viewerSub = result.data.viewer.sub;
  } catch (error) {
    failures.push(`viewer: ${describeFailure(error)}`);
  }

  let badTokenError: string | null = null;
  const broken = accessToken ? `${accessToken.slice(0, -4)}AAAA` : null;
  configure(config, () => broken);
  try {
    await generateClient().graphql({ query: '{ viewer { sub } }', authMode: 'oidc' });
  } catch (error) {
    badTokenError = describeFailure(error);
  }

  return {
    loginStatus: login.status,
    refreshStatus: refresh.status,
    refreshedUserId: refreshed?.userId ?? null,
    cityCodes,
    viewerSub,
    badTokenError,
    failures,
  };
}

(globalThis as unknown as { rastupScenario: typeof scenario }).rastupScenario = scenario;
