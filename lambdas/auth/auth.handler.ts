/** Auth domain Lambda: OIDC discovery + JWKS (REST) and the signed-in `viewer` (GraphQL). */
import { createFieldRouter, field, noArgs } from '../core/field-router.ts';
import { createDomainHandler } from '../core/handler.ts';
import { requireUser } from '../core/identity.ts';
import { createLogger } from '../core/log.ts';
import { createRouteRouter, route } from '../core/route-router.ts';
import { authModule } from './auth.module.ts';

const logger = createLogger({ service: 'auth' });

// Keys and discovery change rarely; let AppSync, browsers and CDNs cache them briefly.
const DISCOVERY_CACHE = { 'cache-control': 'public, max-age=300' };

export const handler = createDomainHandler({
  logger,
  rest: createRouteRouter(
    [
      route({
        method: 'GET',
        path: '/.well-known/jwks.json',
        handle: async () => ({ status: 200, body: { keys: await (await authModule()).keys.publishedKeys() }, headers: DISCOVERY_CACHE }),
      }),
      route({
        method: 'GET',
        path: '/.well-known/openid-configuration',
        handle: async () => {
          const { issuer } = await authModule();
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
              claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'amr', 'roles', 'sid'],
            },
          };
        },
      }),
    ],
    { logger },
  ),
  appsync: createFieldRouter(
    {
      'Query.viewer': field(noArgs, (_args, ctx) => {
        const user = requireUser(ctx.caller);
        return { sub: user.userId, roles: user.roles, amr: user.amr, authTime: user.authTime ?? null, expiresAt: user.expiresAt };
      }),
    },
    logger,
  ),
});
