/**
 * Wires the auth domain's services from configuration, once per container.
 */
import { systemClock } from '../core/clock.ts';
import { createLogger } from '../core/log.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv, tableNameFromEnv } from '../adapters/dynamodb.ts';
import { DynamoDbRateLimiter } from '../adapters/dynamodb-rate-limiter.ts';
import { DynamoDbIdempotencyStore } from '../adapters/dynamodb-idempotency-store.ts';
import type { IdempotencyStore } from '../core/ports.ts';
import { notifierFromEnv } from '../adapters/notifier-from-env.ts';
import { resolveSecretEnv } from '../adapters/secret-env.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { staffAuthority } from '../staff/index.ts';
import { AccountService } from './account.service.ts';
import { authRepositories } from './auth.repositories.ts';
import { authConfig, authSecretVariables } from './auth.config.ts';
import type { AuthDeps } from './auth-deps.ts';
import { HibpBreachChecker } from './hibp-breach-checker.ts';
import { JwksIdTokenVerifier } from './id-token-verifier.ts';
import { LoginService } from './login.service.ts';
import { MfaService } from './mfa.service.ts';
import { Argon2PasswordHasher } from './password-hasher.ts';
import { PasswordPolicy } from './password-policy.ts';
import { SecretBox } from './secret-box.ts';
import { SessionService } from './session.service.ts';
import { SigningKeyStore } from './signing-keys.ts';
import { TokenService } from './token.service.ts';
import { TurnstileCaptchaVerifier } from './turnstile-captcha-verifier.ts';

export interface AuthModule {
  readonly keys: SigningKeyStore;
  readonly tokens: TokenService;
  readonly issuer: string;
  readonly sessions: SessionService;
  readonly login: LoginService;
  readonly accounts: AccountService;
  readonly mfa: MfaService;
  /** Idempotency-Key records of the mail-sending REST routes (auth.handler.ts). */
  readonly idempotency: IdempotencyStore;
}

let module: Promise<AuthModule> | undefined;

export function createAuthServices(deps: AuthDeps) {
  const sessions = new SessionService(deps);
  const mfa = new MfaService(deps, sessions);
  return { sessions, mfa, login: new LoginService(deps, sessions, mfa), accounts: new AccountService(deps, sessions) };
}

export function authModule(): Promise<AuthModule> {
  module ??= (async () => {
    const logger = createLogger({ service: 'auth' });
    // Secrets first (AWS: Secrets Manager through <NAME>_SECRET_ARN; locally plain variables), then
    // the config parser sees them like any other variable. Values are never logged.
    const env = await resolveSecretEnv(authSecretVariables, {
      onUnset: (variable, arn) =>
        logger.warn('Secrets Manager holds no value for a variable (fill it: infra/cdk/README.md)', {
          variable,
          from: arn,
        }),
    });
    const config = authConfig(env);
    const db = await databaseFromEnv('auth');
    const keys = new SigningKeyStore(
      db,
      systemClock,
      config.AUTH_KEY_ENCRYPTION_KEY,
      config.SIGNING_KEY_ROTATION_DAYS,
      config.ACCESS_TOKEN_TTL_SECONDS + 3600,
    );
    const tokens = new TokenService(
      keys,
      systemClock,
      config.AUTH_ISSUER,
      config.AUTH_AUDIENCE,
      config.ACCESS_TOKEN_TTL_SECONDS,
    );
    const deps: AuthDeps = {
      db: createUnitOfWork(db, authRepositories),
      clock: systemClock,
      hasher: new Argon2PasswordHasher(),
      policy: new PasswordPolicy(new HibpBreachChecker(config.HIBP_RANGE_URL, config.HIBP_TIMEOUT_MS, logger)),
      captcha: new TurnstileCaptchaVerifier(config.CAPTCHA_VERIFY_URL, config.CAPTCHA_SECRET_KEY, logger),
      idTokens: new JwksIdTokenVerifier({
        google: { issuer: config.GOOGLE_ISSUER, jwksUrl: config.GOOGLE_JWKS_URL, clientIds: config.GOOGLE_CLIENT_IDS },
        apple: { issuer: config.APPLE_ISSUER, jwksUrl: config.APPLE_JWKS_URL, clientIds: config.APPLE_CLIENT_IDS },
      }),
      notifier: notifierFromEnv(env),
      limiter: new DynamoDbRateLimiter(documentClientFromEnv(), tableNameFromEnv('CONTROL_TABLE'), systemClock),
      tokens,
      box: new SecretBox(config.AUTH_KEY_ENCRYPTION_KEY),
      logger,
      staff: staffAuthority(db, systemClock),
      settings: {
        publicBaseUrl: config.PUBLIC_BASE_URL,
        sessionIdleSeconds: config.SESSION_IDLE_SECONDS,
        sessionAbsoluteSeconds: config.SESSION_ABSOLUTE_SECONDS,
        refreshReuseGraceSeconds: config.REFRESH_REUSE_GRACE_SECONDS,
        captchaSiteKey: config.CAPTCHA_SITE_KEY,
        rateLimitExemptIps: new Set(config.AUTH_LOCAL_RATE_LIMIT_EXEMPT_IPS),
      },
    };
    // Idempotency-Key replay records for the mail-sending REST routes (same control table).
    const idempotency = new DynamoDbIdempotencyStore(
      documentClientFromEnv(),
      tableNameFromEnv('CONTROL_TABLE'),
      systemClock,
    );
    return { keys, tokens, issuer: config.AUTH_ISSUER, idempotency, ...createAuthServices(deps) };
  })();
  module.catch(() => (module = undefined));
  return module;
}
