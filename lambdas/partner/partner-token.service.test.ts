import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { RateLimiter } from '../core/ports.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { ClientRow, ClientStore } from './client.repository.ts';
import { InvalidTokenError } from './partner.errors.ts';
import type { PartnerRepositories } from './partner.repositories.ts';
import {
  PartnerTokenService,
  hashSecret,
  type IssuerKeys,
  type Verdict,
  type VerdictCache,
} from './partner-token.service.ts';

const SECRET = 'prts_unit-test-secret';
let keys: IssuerKeys;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  keys = { signingKey: async () => ({ kid: 'k1', privateKey }), publishedKeys: async () => [jwk] };
});

/** The shared verdict store (DynamoDB in AWS), counting reads. */
class MemoryVerdicts implements VerdictCache {
  readonly items = new Map<string, Verdict>();
  reads = 0;
  async get(clientId: string) {
    this.reads++;
    return this.items.get(clientId);
  }
  async put(clientId: string, verdict: Verdict) {
    this.items.set(clientId, verdict);
  }
  async delete(clientId: string) {
    this.items.delete(clientId);
  }
}

function setup(localTtlSeconds?: number) {
  const clock = new ManualClock(Date.now());
  const row: ClientRow = {
    client_id: 'prt_01JUNITCLIENT0000000000000',
    name: 'Unit',
    status: 'active',
    scopes: ['read:profiles'],
    secret_hash: hashSecret(SECRET),
    tokens_valid_after: 0,
    requests_per_minute: 1_000,
    account_user_id: null,
  };
  let finds = 0;
  const clients = fake<ClientStore>('clients', {
    find: async () => {
      finds++;
      return { ...row };
    },
  });
  const verdicts = new MemoryVerdicts();
  const limiter = fake<RateLimiter>('limiter', {
    consume: async () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }),
  });
  const service = new PartnerTokenService(
    fakeUnitOfWork(fake<PartnerRepositories>('repos', { clients })),
    keys,
    verdicts,
    limiter,
    clock,
    {
      issuer: 'https://issuer.test',
      audience: 'rastup-partner',
      tokenTtlSeconds: 600,
      verdictTtlSeconds: 300,
      ...(localTtlSeconds === undefined ? {} : { verdictLocalTtlSeconds: localTtlSeconds }),
    },
  );
  /** What the registry does on suspension: the row changes, the shared verdict is deleted. */
  const suspend = async () => {
    row.status = 'suspended';
    row.tokens_valid_after = clock.nowMs();
    await verdicts.delete(row.client_id);
  };
  const token = async () =>
    (
      await service.issue(
        { grant_type: 'client_credentials', client_id: row.client_id, client_secret: SECRET },
        undefined,
      )
    ).access_token;
  return { service, clock, verdicts, suspend, token, finds: () => finds };
}

describe('PartnerTokenService.authorize with the per-container memory', () => {
  it('reads the shared verdict once per local lifetime, not once per call', async () => {
    const { service, verdicts, token, clock } = setup();
    const bearer = `Bearer ${await token()}`;
    for (let i = 0; i < 50; i++) await service.authorize(bearer, 'read:profiles');
    expect(verdicts.reads).toBe(1);
    clock.advance(2_001);
    await service.authorize(bearer, 'read:profiles');
    expect(verdicts.reads).toBe(2);
  });

  it('refuses a revoked token once the local lifetime (2 s) has passed, and from then on', async () => {
    const { service, clock, suspend, token } = setup();
    const bearer = `Bearer ${await token()}`;
    await service.authorize(bearer, 'read:profiles');
    clock.advance(1_000);
    await suspend();
    clock.advance(1_001); // 2 s after the verdict was read
    await expect(service.authorize(bearer, 'read:profiles')).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(service.authorize(bearer, 'read:profiles')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('with a local lifetime of 0 refuses a revoked token on the very next call', async () => {
    const { service, suspend, token, verdicts } = setup(0);
    const bearer = `Bearer ${await token()}`;
    await service.authorize(bearer, 'read:profiles');
    await service.authorize(bearer, 'read:profiles');
    expect(verdicts.reads).toBe(2);
    await suspend();
    await expect(service.authorize(bearer, 'read:profiles')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('remembers a verified token only until its exp', async () => {
    const { service, clock, token } = setup();
    const bearer = `Bearer ${await token()}`;
    await service.authorize(bearer, 'read:profiles');
    clock.advance(599_000);
    await service.authorize(bearer, 'read:profiles');
    clock.advance(1_000); // exp reached
    await expect(service.authorize(bearer, 'read:profiles')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('never remembers a token that failed: a tampered one stays refused', async () => {
    const { service, token } = setup();
    const good = await token();
    const [header, payload] = good.split('.');
    const tampered = `${header}.${payload}.${'A'.repeat(342)}`;
    await expect(service.authorize(`Bearer ${tampered}`, 'read:profiles')).rejects.toBeInstanceOf(InvalidTokenError);
    await service.authorize(`Bearer ${good}`, 'read:profiles');
    await expect(service.authorize(`Bearer ${tampered}`, 'read:profiles')).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
