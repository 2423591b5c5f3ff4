/**
 * The OIDC discovery function: serves `/.well-known/openid-configuration` and the JWKS. Separate
 * from the auth service because AppSync fetches the JWKS for every signed-in call: it must keep
 * answering when the auth service cannot start (e.g. CAPTCHA or SMS provider secrets not filled).
 * It needs the database and the key-encryption key only (to create the first signing key, exactly
 * as the auth service would, when none exists yet).
 */
import { systemClock } from '../core/clock.ts';
import { createDomainHandler } from '../core/handler.ts';
import { createLogger } from '../core/log.ts';
import { createRouteRouter } from '../core/route-router.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { resolveSecretEnv } from '../adapters/secret-env.ts';
import { discoveryConfig, discoverySecretVariables } from './discovery.config.ts';
import { discoveryRoutes, type DiscoverySource } from './discovery.routes.ts';
import { SigningKeyStore } from './signing-keys.ts';

const logger = createLogger({ service: 'auth-discovery' });

let source: Promise<DiscoverySource> | undefined;

function discoverySource(): Promise<DiscoverySource> {
  source ??= (async () => {
    const config = discoveryConfig(await resolveSecretEnv(discoverySecretVariables));
    const keys = new SigningKeyStore(
      await databaseFromEnv('auth'),
      systemClock,
      config.AUTH_KEY_ENCRYPTION_KEY,
      config.SIGNING_KEY_ROTATION_DAYS,
      // Same grace as the auth service (auth.module.ts): a retired key stays published past its tokens.
      config.ACCESS_TOKEN_TTL_SECONDS + 3600,
    );
    return { issuer: config.AUTH_ISSUER, publishedKeys: () => keys.publishedKeys() };
  })();
  source.catch(() => (source = undefined)); // a failed cold start is retried on the next request
  return source;
}

export const handler = createDomainHandler({
  logger,
  rest: createRouteRouter(discoveryRoutes(discoverySource), { logger }),
});
