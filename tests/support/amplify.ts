/**
 * AWS Amplify JS v6 configured the way the web app configures it in dev mode (docs/client-developers.md,
 * .local/endpoints.json): the local AppSync endpoint with the dev API key, and the signed-in user's
 * access token (from POST /auth/login or /auth/token/refresh) through Amplify's token provider, which
 * Amplify sends raw in `Authorization` for authMode 'oidc', as it does to AppSync. One helper, so the
 * tests that drive the stack with the web app's client cannot drift apart.
 */
import { Amplify } from 'aws-amplify';
import { decodeJwt } from 'jose';
import { stackInfo } from './clients.ts';

export interface AmplifyOptions {
  /** The signed-in user's access token, asked at each call (null: signed out). */
  readonly token?: () => string | null;
  /** What a call without `authMode` uses: the API key (public pages) or the user's token. */
  readonly defaultAuthMode?: 'apiKey' | 'oidc';
}

export function configureAmplify({ token = () => null, defaultAuthMode = 'apiKey' }: AmplifyOptions = {}): void {
  const { endpoints } = stackInfo();
  Amplify.configure(
    {
      API: {
        GraphQL: {
          endpoint: endpoints.graphqlUrl,
          region: 'us-east-1',
          defaultAuthMode,
          apiKey: endpoints.apiKey,
        },
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

/** Amplify is process-wide: each file resets it so the next does not inherit its endpoint or user. */
export function resetAmplify(): void {
  Amplify.configure({});
}
