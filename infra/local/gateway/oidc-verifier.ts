/**
 * How AppSync's OPENID_CONNECT mode checks a bearer: signature against the issuer's JWKS (fetched
 * from `jwks_uri`, cached, refetched on an unknown `kid`), `iss`, `aud` (the client id), `exp`.
 * Only RS256 is accepted, so `alg: none` and HS256-signed-with-the-public-key tokens fail.
 *
 * A token that verified is remembered (by its exact text, at most 10,000 per process) until its
 * `exp`, and no longer than the JWKS cache age (5 min): the same answer the full check would give
 * in that window, since a signed token cannot change and a key dropped from the JWKS is already
 * honoured only after the key set's cache age. Refusals are not remembered. This spares an RSA
 * verification per request for a caller who sends the same token again and again.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { BoundedCache } from '../../../lambdas/core/bounded-cache.ts';
import { TokenRejected, type TokenVerifier } from './graphql-gateway.ts';

const JWKS_CACHE_MAX_AGE_MS = 300_000;

export function createOidcVerifier(options: {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Verified tokens kept per process (default 10,000; 0 turns the memory off). */
  maxRemembered?: number;
  nowMs?: () => number;
}): TokenVerifier {
  const keySet = createRemoteJWKSet(new URL(options.jwksUrl), {
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: 1_000,
  });
  const nowMs = options.nowMs ?? Date.now;
  const maxRemembered = options.maxRemembered ?? 10_000;
  const verified =
    maxRemembered > 0 ? new BoundedCache<string, Awaited<ReturnType<TokenVerifier>>>(maxRemembered, nowMs) : undefined;
  return async (token) => {
    const remembered = verified?.get(token);
    if (remembered) return remembered;
    try {
      decodeProtectedHeader(token);
      decodeJwt(token);
    } catch {
      throw new TokenRejected(true);
    }
    try {
      const { payload } = await jwtVerify(token, keySet, {
        algorithms: ['RS256'],
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp', 'sub', 'iat'],
        clockTolerance: 5,
        currentDate: new Date(nowMs()),
      });
      const identity = { sub: payload.sub!, issuer: payload.iss!, claims: payload };
      verified?.set(token, identity, Math.min(payload.exp! * 1000, nowMs() + JWKS_CACHE_MAX_AGE_MS));
      return identity;
    } catch {
      throw new TokenRejected(false);
    }
  };
}
