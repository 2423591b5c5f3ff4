/**
 * How AppSync's OPENID_CONNECT mode checks a bearer: signature against the issuer's JWKS (fetched
 * from `jwks_uri`, cached, refetched on an unknown `kid`), `iss`, `aud` (the client id), `exp`.
 * Only RS256 is accepted, so `alg: none` and HS256-signed-with-the-public-key tokens fail.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { TokenRejected, type TokenVerifier } from './graphql-gateway.ts';

export function createOidcVerifier(options: { issuer: string; audience: string; jwksUrl: string }): TokenVerifier {
  const keySet = createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 300_000, cooldownDuration: 1_000 });
  return async (token) => {
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
      });
      return { sub: payload.sub!, issuer: payload.iss!, claims: payload };
    } catch {
      throw new TokenRejected(false);
    }
  };
}
