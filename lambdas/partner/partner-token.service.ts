/**
 * OAuth 2.0 client credentials for partners (RFC 6749 §4.4) at the platform's issuer, and the
 * bearer check every /v1 call goes through.
 *
 * - Secrets are 256 random bits shown once; only their SHA-256 is stored, compared in constant time.
 * - Access tokens are short-lived RS256 JWTs signed with the issuer's keys (the same JWKS as user
 *   tokens) with a partner-only audience, so a partner token opens no GraphQL field and a user
 *   token opens no /v1 route.
 * - A token verdict (client status, scopes, revocation instant, quota) is cached 5–10 minutes in
 *   DynamoDB (seed 000 §1.27.8). Suspending a client or revoking its tokens deletes the verdict at
 *   once, so revocation does not wait for the cache to expire.
 * - Per container (module state that outlives an invocation, as in a warm Lambda), at most 10,000 each:
 *   a token whose signature and claims verified is remembered until its `exp` (a signed token cannot
 *   change, and the issuer publishes a retired key longer than any token it signed), and a client's
 *   verdict is remembered for `verdictLocalTtlSeconds` (default 2 s). That short lifetime is how
 *   revocation is honoured: suspending a client or revoking its tokens deletes the DynamoDB verdict,
 *   and every container reads it afresh within 2 s, so a revoked token is refused everywhere at most
 *   2 s later. 0 turns the local memory off (a DynamoDB read per call, as before).
 * - Every call spends one token of the client's per-minute bucket (429 + Retry-After when empty).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { Clock } from '../core/clock.ts';
import type { RateLimiter } from '../core/ports.ts';
import { enforceRateLimits } from '../core/rate-limit.ts';
import { newId } from '../core/ids.ts';
import { ValidationError } from '../core/errors.ts';
import { BoundedCache } from '../core/bounded-cache.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { InsufficientScopeError, InvalidClientError, InvalidScopeError, InvalidTokenError } from './partner.errors.ts';
import type { PartnerRepositories } from './partner.repositories.ts';
import type { PartnerScope, TokenRequest } from './partner.schemas.ts';

/** The issuer's keys: sign with the current one, verify with every published one. */
export interface IssuerKeys {
  signingKey(): Promise<{ kid: string; privateKey: Parameters<SignJWT['sign']>[0] }>;
  publishedKeys(): Promise<JWK[]>;
}

/** What the cache remembers about a client (never its secret). */
export interface Verdict {
  readonly status: 'active' | 'suspended';
  readonly scopes: readonly string[];
  /** Tokens issued (iat) before this epoch-ms are revoked. */
  readonly tokensValidAfterMs: number;
  readonly requestsPerMinute: number;
}

export interface VerdictCache {
  get(clientId: string): Promise<Verdict | undefined>;
  put(clientId: string, verdict: Verdict, ttlSeconds: number): Promise<void>;
  delete(clientId: string): Promise<void>;
}

export interface PartnerCaller {
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
}

export interface TokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly tokenTtlSeconds: number;
  readonly verdictTtlSeconds: number;
  /** How long a container trusts a verdict it read (revocation reaches it within this); default 2. */
  readonly verdictLocalTtlSeconds?: number;
}

/** Tokens and verdicts a container remembers, each. */
const REMEMBERED = 10_000;

const SECRET_PREFIX = 'prts_';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newClientSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `Authorization: Basic base64(client_id:client_secret)` (RFC 6749 §2.3.1, form-urlencoded parts). */
export function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

export class PartnerTokenService {
  private keySet: { set: ReturnType<typeof createLocalJWKSet>; loadedAt: number } | undefined;
  private readonly verifiedTokens: BoundedCache<string, JWTPayload>;
  private readonly localVerdicts: BoundedCache<string, Verdict>;

  constructor(
    private readonly db: UnitOfWork<PartnerRepositories>,
    private readonly keys: IssuerKeys,
    private readonly verdicts: VerdictCache,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly settings: TokenSettings,
  ) {
    this.verifiedTokens = new BoundedCache(REMEMBERED, () => clock.nowMs());
    this.localVerdicts = new BoundedCache(REMEMBERED, () => clock.nowMs());
  }

  /** POST /oauth2/token. */
  async issue(
    request: TokenRequest,
    authorization: string | undefined,
  ): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
    const basic = basicCredentials(authorization);
    // One authentication method per request (RFC 6749 §2.3); a body client_id naming the Basic client is fine.
    if (basic && (request.client_secret !== undefined || (request.client_id && request.client_id !== basic.clientId)))
      throw new ValidationError('Send the client credentials in one place: HTTP Basic or the body');
    const clientId = basic?.clientId ?? request.client_id;
    const secret = basic?.clientSecret ?? request.client_secret;
    if (!clientId || !secret) throw new InvalidClientError('Client authentication failed');
    const client = await this.db.clients.find(clientId);
    // The same answer for an unknown client, a wrong secret and a suspended client.
    if (!client || !sameHash(hashSecret(secret), client.secret_hash) || client.status !== 'active')
      throw new InvalidClientError('Client authentication failed');
    const requested = request.scope ? [...new Set(request.scope.split(' ').filter(Boolean))] : client.scopes;
    const unknown = requested.filter((scope) => !client.scopes.includes(scope));
    if (unknown.length > 0) throw new InvalidScopeError('Requested scope exceeds the client’s scopes', { unknown });
    const nowSeconds = this.clock.nowSeconds();
    const key = await this.keys.signingKey();
    const scope = requested.join(' ');
    const token = await new SignJWT({ scope, client_id: client.client_id, token_use: 'partner' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
      .setSubject(client.client_id)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + this.settings.tokenTtlSeconds)
      .setJti(newId('request'))
      .sign(key.privateKey);
    return { access_token: token, token_type: 'Bearer', expires_in: this.settings.tokenTtlSeconds, scope };
  }

  /** Every /v1 call: a valid, unrevoked token with `scope`, within the client's rate limit. */
  async authorize(authorization: string | undefined, scope: PartnerScope): Promise<PartnerCaller> {
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization ?? '');
    if (!match) throw new InvalidTokenError('A bearer access token is required');
    const claims = await this.verify(match[1]!);
    const clientId = claims.sub!;
    const verdict = await this.verdict(clientId);
    if (
      !verdict ||
      verdict.status !== 'active' ||
      // Revoked at or after the second this token was issued (iat has whole seconds).
      (claims.iat ?? 0) < Math.floor(verdict.tokensValidAfterMs / 1000)
    )
      throw new InvalidTokenError('The access token was revoked');
    const tokenScopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    // Scopes removed from the client since the token was issued no longer count.
    const scopes = new Set(tokenScopes.filter((s) => verdict.scopes.includes(s)));
    await enforceRateLimits(this.limiter, [
      {
        policy: {
          name: 'partner-client',
          capacity: verdict.requestsPerMinute,
          refillPerSecond: verdict.requestsPerMinute / 60,
        },
        key: clientId,
      },
    ]);
    if (!scopes.has(scope)) throw new InsufficientScopeError(scope);
    return { clientId, scopes };
  }

  private async verify(token: string): Promise<JWTPayload> {
    const remembered = this.verifiedTokens.get(token);
    if (remembered) return remembered;
    const payload = await this.verifySignature(token);
    // jwtVerify required exp to be in the future (no clock tolerance): kept until exactly then.
    if (typeof payload.exp === 'number') this.verifiedTokens.set(token, payload, payload.exp * 1000);
    return payload;
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const options = {
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      algorithms: ['RS256'],
      currentDate: new Date(this.clock.nowMs()),
    };
    try {
      const { payload } = await jwtVerify(token, await this.jwks(false), options);
      if (payload.token_use !== 'partner' || typeof payload.sub !== 'string') throw new Error('not a partner token');
      return payload;
    } catch (error) {
      // A key published after this container loaded the set: reload once (at most every 30 s).
      if ((error as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY' && (await this.reloadable())) {
        try {
          const { payload } = await jwtVerify(token, await this.jwks(true), options);
          if (payload.token_use === 'partner' && typeof payload.sub === 'string') return payload;
        } catch {
          // fall through
        }
      }
      throw new InvalidTokenError('The access token is invalid or expired');
    }
  }

  private async reloadable(): Promise<boolean> {
    return !this.keySet || this.clock.nowMs() - this.keySet.loadedAt > 30_000;
  }

  private async jwks(reload: boolean) {
    if (!this.keySet || reload) {
      this.keySet = { set: createLocalJWKSet({ keys: await this.keys.publishedKeys() }), loadedAt: this.clock.nowMs() };
    }
    return this.keySet.set;
  }

  private async verdict(clientId: string): Promise<Verdict | undefined> {
    const localTtlMs = (this.settings.verdictLocalTtlSeconds ?? 2) * 1000;
    const local = localTtlMs > 0 ? this.localVerdicts.get(clientId) : undefined;
    if (local) return local;
    const verdict = await this.sharedVerdict(clientId);
    if (verdict && localTtlMs > 0) this.localVerdicts.set(clientId, verdict, this.clock.nowMs() + localTtlMs);
    return verdict;
  }

  private async sharedVerdict(clientId: string): Promise<Verdict | undefined> {
    const cached = await this.verdicts.get(clientId);
    if (cached) return cached;
    const client = await this.db.clients.find(clientId);
    if (!client) return undefined;
    const verdict: Verdict = {
      status: client.status,
      scopes: client.scopes,
      tokensValidAfterMs: client.tokens_valid_after,
      requestsPerMinute: client.requests_per_minute,
    };
    await this.verdicts.put(clientId, verdict, this.settings.verdictTtlSeconds);
    return verdict;
  }
}
