/**
 * OIDC discovery: `/.well-known/openid-configuration` and the JWKS AppSync verifies access tokens
 * with. Served by the discovery function (discovery.handler.ts), not by the auth service, so they
 * depend only on the database and the key-encryption key.
 */
import { route, type RouteDefinition } from '../core/route-router.ts';
import type { PublishedKey } from './signing-keys.ts';

// Keys and discovery change rarely; let AppSync, browsers and CDNs cache them briefly.
const DISCOVERY_CACHE = { 'cache-control': 'public, max-age=300' };

export interface DiscoverySource {
  readonly issuer: string;
  publishedKeys(): Promise<PublishedKey[]>;
}

export function discoveryRoutes(source: () => Promise<DiscoverySource>): RouteDefinition[] {
  return [
    route({
      method: 'GET',
      path: '/.well-known/jwks.json',
      // Public documents any page (or verifier) may read; they neither set nor read cookies.
      checkOrigin: false,
      handle: async () => ({
        status: 200,
        body: { keys: await (await source()).publishedKeys() },
        headers: DISCOVERY_CACHE,
      }),
    }),
    route({
      method: 'GET',
      path: '/.well-known/openid-configuration',
      checkOrigin: false,
      handle: async () => {
        const { issuer } = await source();
        return {
          status: 200,
          headers: DISCOVERY_CACHE,
          body: {
            issuer,
            jwks_uri: `${issuer}/.well-known/jwks.json`,
            token_endpoint: `${issuer}/auth/token/refresh`,
            response_types_supported: ['token'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
            claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'amr', 'roles', 'sid', 'step_up_at'],
          },
        };
      },
    }),
  ];
}
