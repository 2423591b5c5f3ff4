/**
 * TokenService with real RS256 keys (jose) behind a fake of the signing-key store: the claims an
 * access token carries, and what verification refuses (expiry, another issuer or audience, a key
 * that is not published, `alg: none`); a key published after the set was loaded is picked up.
 */
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { UnauthenticatedError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { fake } from '../core/testing/fakes.ts';
import type { PublishedKey, SigningKey, SigningKeyStore } from './signing-keys.ts';
import { TokenService } from './token.service.ts';

async function rsaKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = await exportJWK(publicKey);
  return {
    signing: { kid, privateKey } as SigningKey,
    published: { ...jwk, kid, alg: 'RS256', use: 'sig' } as PublishedKey,
  };
}

async function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const first = await rsaKey('k1');
  let active = first;
  const published: PublishedKey[] = [first.published];
  const keys = fake<SigningKeyStore>('signing keys', {
    signingKey: async () => active.signing,
    publishedKeys: async () => [...published],
  });
  const service = new TokenService(keys, clock, 'https://auth.test', 'rastup-api', 900);
  const rotate = async (kid: string, publish: boolean) => {
    active = await rsaKey(kid);
    if (publish) published.push(active.published);
  };
  return { clock, service, rotate };
}

const input = { userId: newId('user'), roles: ['provider' as const], amr: ['pwd'], authTime: 1_767_225_600 };

describe('TokenService', () => {
  it('issues a token whose verified caller carries roles, amr, session and step-up time; expired after the TTL', async () => {
    const { service, clock } = await setup();
    const sessionId = newId('session');
    const { token, expiresAt } = await service.issueAccessToken({ ...input, sessionId, stepUpAt: 1_767_225_700 });
    expect(expiresAt).toBe(clock.nowSeconds() + 900);
    expect(await service.verifyAccessToken(token)).toMatchObject({
      kind: 'user',
      userId: input.userId,
      roles: ['provider'],
      amr: ['pwd'],
      sessionId,
      stepUpAt: 1_767_225_700,
    });
    clock.advance(901_000);
    await expect(service.verifyAccessToken(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('refuses another issuer or audience, an unsigned token and a key that is not published', async () => {
    const { service, rotate, clock } = await setup();
    const other = new TokenService(
      fake<SigningKeyStore>('other keys', { signingKey: async () => (await rsaKey('k1')).signing }),
      clock,
      'https://evil.test',
      'rastup-api',
      900,
    );
    await expect(service.verifyAccessToken((await other.issueAccessToken(input)).token)).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: input.userId, iss: 'https://auth.test', aud: 'rastup-api', roles: [] }),
    ).toString('base64url')}.`;
    await expect(service.verifyAccessToken(unsigned)).rejects.toBeInstanceOf(UnauthenticatedError);
    const wrongAudience = await new SignJWT({ roles: [], amr: [] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k9' })
      .setIssuer('https://auth.test')
      .setAudience('someone-else')
      .setSubject(input.userId)
      .setIssuedAt(clock.nowSeconds())
      .setExpirationTime(clock.nowSeconds() + 60)
      .sign((await rsaKey('k9')).signing.privateKey);
    await expect(service.verifyAccessToken(wrongAudience)).rejects.toBeInstanceOf(UnauthenticatedError);
    await rotate('k2', false); // signing with a key nobody published
    await expect(service.verifyAccessToken((await service.issueAccessToken(input)).token)).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });

  it('reloads the key set once when a token names a key published after it was loaded', async () => {
    const { service, rotate } = await setup();
    await service.verifyAccessToken((await service.issueAccessToken(input)).token); // loads k1
    await rotate('k2', true);
    expect((await service.verifyAccessToken((await service.issueAccessToken(input)).token)).userId).toBe(input.userId);
  });
});
