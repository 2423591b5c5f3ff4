/**
 * Access tokens for tests, minted by the auth domain's own TokenService against the stack's
 * database (the same keys the JWKS publishes), plus hostile tokens for the negative cases.
 */
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { type ManualClock, systemClock } from '../../lambdas/core/clock.ts';
import type { Role } from '../../lambdas/core/identity.ts';
import { SigningKeyStore } from '../../lambdas/auth/signing-keys.ts';
import { TokenService } from '../../lambdas/auth/token.service.ts';
import { stackInfo } from './clients.ts';

export function tokenService(options: { audience?: string; clock?: ManualClock; ttlSeconds?: number } = {}) {
  const info = stackInfo();
  const db = createDatabase({ connectionString: info.endpoints.databaseUrl, max: 2 });
  const clock = options.clock ?? systemClock;
  const keys = new SigningKeyStore(db, clock, info.keyEncryptionKey, 30, 4500);
  return {
    tokens: new TokenService(keys, clock, info.issuer, options.audience ?? 'rastup-api', options.ttlSeconds ?? 900),
    keys,
    close: () => db.close(),
  };
}

/**
 * `stepUpAt` (epoch seconds; `true` = now) stamps the `step_up_at` claim, as Mutation.stepUp or an
 * MFA sign-in would: what admin decisions and other step-up protected fields require.
 */
export async function mintAccessToken(input: {
  userId: string;
  roles?: Role[];
  amr?: string[];
  audience?: string;
  clock?: ManualClock;
  stepUpAt?: number | true;
}): Promise<string> {
  const service = tokenService({
    ...(input.audience ? { audience: input.audience } : {}),
    ...(input.clock ? { clock: input.clock } : {}),
  });
  const nowSeconds = Math.floor(Date.now() / 1000);
  const stepUpAt = input.stepUpAt === true ? nowSeconds : input.stepUpAt;
  try {
    const { token } = await service.tokens.issueAccessToken({
      userId: input.userId,
      roles: input.roles ?? ['client'],
      amr: input.amr ?? (stepUpAt !== undefined ? ['pwd', 'otp'] : ['pwd']),
      authTime: nowSeconds,
      ...(stepUpAt !== undefined ? { stepUpAt } : {}),
    });
    return token;
  } finally {
    await service.close();
  }
}
