/**
 * Wires the auth domain's services from configuration, once per container.
 */
import { systemClock } from '../core/clock.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { authConfig } from './auth.config.ts';
import { SigningKeyStore } from './signing-keys.ts';
import { TokenService } from './token.service.ts';

export interface AuthModule {
  readonly keys: SigningKeyStore;
  readonly tokens: TokenService;
  readonly issuer: string;
}

let module: Promise<AuthModule> | undefined;

export function authModule(): Promise<AuthModule> {
  module ??= (async () => {
    const config = authConfig();
    const db = await databaseFromEnv();
    const keys = new SigningKeyStore(db, systemClock, config.AUTH_KEY_ENCRYPTION_KEY, config.SIGNING_KEY_ROTATION_DAYS, config.ACCESS_TOKEN_TTL_SECONDS + 3600);
    const tokens = new TokenService(keys, systemClock, config.AUTH_ISSUER, config.AUTH_AUDIENCE, config.ACCESS_TOKEN_TTL_SECONDS);
    return { keys, tokens, issuer: config.AUTH_ISSUER };
  })();
  module.catch(() => (module = undefined));
  return module;
}
