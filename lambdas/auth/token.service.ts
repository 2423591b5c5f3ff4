/**
 * Access tokens: short-lived RS256 JWTs whose claims carry roles, `amr`, `auth_time`, `sid` and,
 * once the session has proved a second factor, `step_up_at`; signed with the current rotating key
 * (`kid` in the header). The same tokens are the bearer for AppSync (OPENID_CONNECT) and for REST
 * routes that need a signed-in caller.
 */
import { SignJWT, createLocalJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import type { Clock } from '../core/clock.ts';
import { UnauthenticatedError } from '../core/errors.ts';
import { callerFromClaims, type Role, type UserCaller } from '../core/identity.ts';
import type { SigningKeyStore } from './signing-keys.ts';

export interface AccessTokenInput {
  readonly userId: string;
  readonly roles: readonly Role[];
  readonly amr: readonly string[];
  readonly authTime: number;
  readonly sessionId?: string;
  /** Epoch seconds of the session's last second factor: `step_up_at`, read by core/step-up.ts. */
  readonly stepUpAt?: number | undefined;
}

export class TokenService {
  private jwks: { set: ReturnType<typeof createLocalJWKSet>; loadedAt: number } | undefined;

  constructor(
    private readonly keys: SigningKeyStore,
    private readonly clock: Clock,
    private readonly issuer: string,
    private readonly audience: string,
    private readonly ttlSeconds: number,
  ) {}

  async issueAccessToken(input: AccessTokenInput): Promise<{ token: string; expiresAt: number }> {
    const key = await this.keys.signingKey();
    const iat = this.clock.nowSeconds();
    const expiresAt = iat + this.ttlSeconds;
    const token = await new SignJWT({
      roles: [...input.roles],
      amr: [...input.amr],
      auth_time: input.authTime,
      ...(input.sessionId ? { sid: input.sessionId } : {}),
      ...(input.stepUpAt !== undefined ? { step_up_at: input.stepUpAt } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(input.userId)
      .setIssuedAt(iat)
      .setExpirationTime(expiresAt)
      .sign(key.privateKey);
    return { token, expiresAt };
  }

  /** Verifies signature (RS256 only), issuer, audience and expiry; returns the caller. */
  async verifyAccessToken(token: string): Promise<UserCaller> {
    return this.verify(token, false);
  }

  private async verify(token: string, reloaded: boolean): Promise<UserCaller> {
    const set = await this.keySet();
    try {
      const { payload } = await jwtVerify(token, set, {
        algorithms: ['RS256'],
        issuer: this.issuer,
        audience: this.audience,
        currentDate: this.clock.now(),
      });
      const caller = callerFromClaims(payload);
      if (caller.kind !== 'user') throw new UnauthenticatedError('Invalid token');
      return caller;
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey && !reloaded) {
        // A key created by another container since we loaded the set: reload once. Only once: a
        // token naming a key nobody published must not reload the set (a query) again and again.
        this.jwks = undefined;
        return this.verify(token, true);
      }
      if (error instanceof UnauthenticatedError) throw error;
      throw new UnauthenticatedError('Invalid or expired token');
    }
  }

  private async keySet() {
    const now = this.clock.nowMs();
    if (!this.jwks || now - this.jwks.loadedAt > 300_000) {
      this.jwks = { set: createLocalJWKSet({ keys: await this.keys.publishedKeys() }), loadedAt: now };
    }
    return this.jwks.set;
  }
}
