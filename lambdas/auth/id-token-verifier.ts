/**
 * Sign in with Google / Apple: the client hands us the provider's ID token; we verify it against
 * the provider's published JWKS (RS256), and check `iss`, `aud` (our client ids), `exp`, and the
 * `nonce` we issued (Apple clients may put the SHA-256 of the nonce in the token, so both forms
 * are accepted). Only then is `sub` trusted; `email` is trusted for linking only when verified.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as z from 'zod';
import { UnauthenticatedError } from '../core/errors.ts';

export type SocialProvider = 'google' | 'apple';

export interface VerifiedIdentity {
  readonly provider: SocialProvider;
  readonly subject: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  /** Apple's "Hide My Email" relay address (…@privaterelay.appleid.com). */
  readonly privateRelay: boolean;
  readonly name: string | null;
}

export interface IdTokenVerifier {
  verify(provider: SocialProvider, idToken: string, expectedNonce: string): Promise<VerifiedIdentity>;
}

export interface ProviderSettings {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly clientIds: readonly string[];
}

// Apple sends booleans as strings ("true").
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]).optional();
const claimsSchema = z.object({
  sub: z.string().min(1),
  nonce: z.string().optional(),
  email: z.string().email().optional(),
  email_verified: flag,
  is_private_email: flag,
  name: z.string().optional(),
});

export function nonceMatches(tokenNonce: string | undefined, expected: string): boolean {
  if (!tokenNonce) return false;
  return tokenNonce === expected || tokenNonce === createHash('sha256').update(expected).digest('hex');
}

export class JwksIdTokenVerifier implements IdTokenVerifier {
  private readonly keySets = new Map<SocialProvider, ReturnType<typeof createRemoteJWKSet>>();

  constructor(private readonly providers: Record<SocialProvider, ProviderSettings>) {}

  private keySet(provider: SocialProvider) {
    let set = this.keySets.get(provider);
    if (!set) {
      set = createRemoteJWKSet(new URL(this.providers[provider].jwksUrl), {
        cacheMaxAge: 3_600_000,
        cooldownDuration: 30_000,
      });
      this.keySets.set(provider, set);
    }
    return set;
  }

  async verify(provider: SocialProvider, idToken: string, expectedNonce: string): Promise<VerifiedIdentity> {
    const settings = this.providers[provider];
    if (settings.clientIds.length === 0) throw new UnauthenticatedError(`Sign in with ${provider} is not configured`);
    let payload: unknown;
    try {
      // Google issues both spellings of its issuer.
      const issuers =
        provider === 'google' ? [settings.issuer, settings.issuer.replace(/^https:\/\//, '')] : [settings.issuer];
      ({ payload } = await jwtVerify(idToken, this.keySet(provider), {
        algorithms: ['RS256', 'ES256'],
        issuer: issuers,
        audience: [...settings.clientIds],
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch {
      throw new UnauthenticatedError('Invalid ID token');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new UnauthenticatedError('Invalid ID token');
    if (!nonceMatches(claims.data.nonce, expectedNonce)) throw new UnauthenticatedError('Invalid ID token');
    const email = claims.data.email?.toLowerCase() ?? null;
    return {
      provider,
      subject: claims.data.sub,
      email,
      emailVerified: claims.data.email_verified === true,
      privateRelay: claims.data.is_private_email === true || (email?.endsWith('@privaterelay.appleid.com') ?? false),
      name: claims.data.name ?? null,
    };
  }
}
