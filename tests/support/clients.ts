/**
 * Clients for integration tests: a real GraphQL client (graphql-request) for the happy paths and
 * raw fetch where the HTTP status and body shape themselves are under test.
 */
import { GraphQLClient } from 'graphql-request';
import { inject } from 'vitest';
import './provided.ts';

export function stackInfo() {
  return inject('stack');
}

export function publicClient(): GraphQLClient {
  const { endpoints } = stackInfo();
  return new GraphQLClient(endpoints.graphqlUrl, { headers: { 'x-api-key': endpoints.apiKey } });
}

export function userClient(accessToken: string): GraphQLClient {
  return new GraphQLClient(stackInfo().endpoints.graphqlUrl, { headers: { authorization: `Bearer ${accessToken}` } });
}

export interface RawAnswer {
  readonly status: number;
  readonly body: any;
  readonly text: string;
  readonly headers: Headers;
}

export async function postGraphql(body: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const response = await fetch(stackInfo().endpoints.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    // leave undefined: the test asserts on text
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

export function withApiKey(): Record<string, string> {
  return { 'x-api-key': stackInfo().endpoints.apiKey };
}
