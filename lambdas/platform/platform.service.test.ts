import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { ForbiddenError, StepUpRequiredError, NotFoundError, UnauthenticatedError } from '../core/errors.ts';
import type { UserCaller } from '../core/identity.ts';
import { fakeUnitOfWork, MemoryStaffGrants } from '../core/testing/fakes.ts';
import type { CityRow, CityStore, FlagRow } from './city.repository.ts';
import { PlatformService } from './platform.service.ts';
import { GrantStaffAuthority } from '../staff/index.ts';

const nyc: CityRow = {
  code: 'us-nyc',
  name: 'New York',
  country_code: 'US',
  timezone: 'America/New_York',
  status: 'LIVE',
  launched_at: new Date('2025-06-01T00:00:00Z'),
};
const sf: CityRow = {
  code: 'us-sfo',
  name: 'San Francisco',
  country_code: 'US',
  timezone: 'America/Los_Angeles',
  status: 'PLANNED',
  launched_at: null,
};
const flag: FlagRow = {
  flag_key: 'booking.instant',
  enabled: true,
  description: 'Instant booking',
  updated_at: new Date('2026-01-01T00:00:00Z'),
};

function setup(ttlMs = 5_000) {
  const flags = new Map<string, FlagRow>([[flag.flag_key, flag]]);
  const repository = {
    listCities: vi.fn(async (): Promise<CityRow[]> => [nyc, sf]),
    flagsForCity: vi.fn(async (code: string): Promise<FlagRow[] | null> =>
      code === 'us-nyc' ? [...flags.values()] : null,
    ),
    upsertFlag: vi.fn(async (input: Parameters<CityStore['upsertFlag']>[0]) => {
      if (input.city !== 'us-nyc') return null;
      const previous = flags.get(input.key)?.enabled ?? null;
      const row: FlagRow = {
        flag_key: input.key,
        enabled: input.enabled,
        description: input.description ?? flags.get(input.key)?.description ?? null,
        updated_at: new Date('2026-01-02T00:00:00Z'),
      };
      flags.set(input.key, row);
      return { row, previous };
    }),
  } satisfies CityStore;
  const db = fakeUnitOfWork({ cities: repository });
  const clock = new ManualClock();
  const grants = new MemoryStaffGrants();
  const service = new PlatformService(db, clock, new GrantStaffAuthority(grants, clock), ttlMs);
  return { service, repository, db, clock, grants };
}

describe('PlatformService.listCities', () => {
  it('maps rows to views', async () => {
    const { service } = setup();
    expect(await service.listCities()).toEqual([
      {
        code: 'us-nyc',
        name: 'New York',
        countryCode: 'US',
        timezone: 'America/New_York',
        status: 'LIVE',
        launchedAt: '2025-06-01T00:00:00.000Z',
      },
      {
        code: 'us-sfo',
        name: 'San Francisco',
        countryCode: 'US',
        timezone: 'America/Los_Angeles',
        status: 'PLANNED',
        launchedAt: null,
      },
    ]);
  });

  it('serves from cache within the TTL and refreshes after it', async () => {
    const { service, repository, clock } = setup(5_000);
    await service.listCities();
    clock.advance(4_999);
    await service.listCities();
    expect(repository.listCities).toHaveBeenCalledTimes(1);
    repository.listCities.mockResolvedValueOnce([sf]);
    clock.advance(1);
    expect((await service.listCities()).map((city) => city.code)).toEqual(['us-sfo']);
    expect(repository.listCities).toHaveBeenCalledTimes(2);
  });

  it('shares one load between concurrent callers', async () => {
    const { service, repository } = setup();
    await Promise.all([service.listCities(), service.listCities(), service.listCities()]);
    expect(repository.listCities).toHaveBeenCalledTimes(1);
  });

  it('does not cache a failure', async () => {
    const { service, repository } = setup();
    repository.listCities.mockRejectedValueOnce(new Error('db down'));
    await expect(service.listCities()).rejects.toThrow('db down');
    await expect(service.listCities()).resolves.toHaveLength(2);
    expect(repository.listCities).toHaveBeenCalledTimes(2);
  });
});

describe('PlatformService.featureFlags', () => {
  it('returns the flags of a city as views', async () => {
    const { service } = setup();
    expect(await service.featureFlags('us-nyc')).toEqual([
      { key: 'booking.instant', enabled: true, description: 'Instant booking', updatedAt: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('answers NOT_FOUND for an unknown city', async () => {
    const { service } = setup();
    await expect(service.featureFlags('us-xyz')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('caches per city within the TTL and refreshes after it', async () => {
    const { service, repository, clock } = setup(5_000);
    await service.featureFlags('us-nyc');
    await expect(service.featureFlags('us-xyz')).rejects.toBeInstanceOf(NotFoundError);
    clock.advance(4_000);
    await service.featureFlags('us-nyc');
    await expect(service.featureFlags('us-xyz')).rejects.toBeInstanceOf(NotFoundError);
    expect(repository.flagsForCity).toHaveBeenCalledTimes(2);

    repository.flagsForCity.mockResolvedValueOnce([{ ...flag, enabled: false }]);
    clock.advance(1_000);
    expect((await service.featureFlags('us-nyc'))[0]?.enabled).toBe(false);
    expect(repository.flagsForCity).toHaveBeenCalledTimes(3);
    expect(repository.flagsForCity).toHaveBeenLastCalledWith('us-nyc');
  });

  it('does not cache a failure', async () => {
    const { service, repository } = setup();
    repository.flagsForCity.mockRejectedValueOnce(new Error('db down'));
    await expect(service.featureFlags('us-nyc')).rejects.toThrow('db down');
    await expect(service.featureFlags('us-nyc')).resolves.toHaveLength(1);
  });
});

describe('PlatformService.setFeatureFlag', () => {
  const input = { city: 'us-nyc', key: 'booking.instant', enabled: false };
  const now = Math.floor(Date.UTC(2026, 0, 1) / 1000);
  const user = (roles: UserCaller['roles']): UserCaller => ({
    kind: 'user',
    userId: 'usr_1',
    roles,
    amr: ['pwd'],
    authTime: now,
    sessionId: 'ses_1',
    expiresAt: now + 900,
  });

  it.each([
    ['a client', user(['client'])],
    ['support staff', user(['support', 'trust'])],
  ])('refuses %s with ForbiddenError and writes nothing', async (_label, caller) => {
    const { service, db } = setup();
    await expect(service.setFeatureFlag(caller, input)).rejects.toBeInstanceOf(ForbiddenError);
    expect(db.transactions).toBe(0);
  });

  it.each([
    ['an API key caller', { kind: 'apiKey' } as const],
    ['an anonymous caller', { kind: 'anonymous' } as const],
  ])('refuses %s as unauthenticated', async (_label, caller) => {
    const { service, db } = setup();
    await expect(service.setFeatureFlag(caller, input)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(db.transactions).toBe(0);
  });

  it.each([
    ['without any second factor', undefined],
    ['with a second factor 11 minutes old', now - 11 * 60],
  ])('refuses an admin %s with StepUpRequiredError and writes nothing', async (_label, stepUpAt) => {
    const { service, db } = setup();
    await expect(service.setFeatureFlag({ ...user(['admin']), stepUpAt }, input)).rejects.toBeInstanceOf(
      StepUpRequiredError,
    );
    expect(db.transactions).toBe(0);
  });

  it('changes the flag, audits it with the previous value and announces it in one transaction', async () => {
    const { service, db, clock } = setup();
    clock.set(new Date(now * 1000));
    const view = await service.setFeatureFlag({ ...user(['admin']), stepUpAt: now - 60 }, input);
    expect(view).toEqual({
      key: 'booking.instant',
      enabled: false,
      description: 'Instant booking',
      updatedAt: '2026-01-02T00:00:00.000Z',
    });
    expect(db.transactions).toBe(1);
    const details = { city: 'us-nyc', key: 'booking.instant', enabled: false, previous: true };
    expect(db.kernel.audit).toEqual([
      { actor: 'usr_1', action: 'platform.feature_flag.changed', subject: 'city:us-nyc', details },
    ]);
    expect(db.kernel.events).toEqual([
      { type: 'feature_flag.changed', version: 1, aggregateType: 'city', aggregateId: 'us-nyc', payload: details },
    ]);
  });

  it('drops the cached flags of that city, so the change is read back at once', async () => {
    const { service, clock } = setup();
    clock.set(new Date(now * 1000));
    expect((await service.featureFlags('us-nyc'))[0]?.enabled).toBe(true);
    await service.setFeatureFlag({ ...user(['admin']), stepUpAt: now - 60 }, input);
    expect((await service.featureFlags('us-nyc'))[0]?.enabled).toBe(false);
  });

  it('refuses an unknown city with NotFoundError, auditing and announcing nothing', async () => {
    const { service, db, clock } = setup();
    clock.set(new Date(now * 1000));
    await expect(
      service.setFeatureFlag({ ...user(['admin']), stepUpAt: now - 60 }, { ...input, city: 'xx-nowhere' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(db.kernel.audit).toEqual([]);
    expect(db.kernel.events).toEqual([]);
  });
});
