/**
 * Lockout back-off and the risk → CAPTCHA decision, with the real LoginService and fakes of the
 * ports it touches (clock, rate limiter, settings). Everything else in the deps throws if used, so
 * a test cannot pass by accident through a port it did not mean to exercise.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { RateLimitDecision, RateLimitPolicy, RateLimiter } from '../core/ports.ts';
import { refill, secondsUntil } from '../core/rate-limit.ts';
import type { AuthDeps, AuthSettings } from './auth-deps.ts';
import {
  MAX_FAILURES,
  afterFailure,
  captchaRequired,
  freshThrottle,
  lockoutSeconds,
  LoginService,
} from './login.service.ts';
import type { ThrottleRow } from './user.repository.ts';

class FakeRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly clock: ManualClock) {}
  async reset(policy: RateLimitPolicy, key: string): Promise<void> {
    this.buckets.delete(`${policy.name}:${key}`);
  }
  async consume(policy: RateLimitPolicy, key: string, cost = 1): Promise<RateLimitDecision> {
    const id = `${policy.name}:${key}`;
    const now = this.clock.nowMs();
    const bucket = this.buckets.get(id) ?? { tokens: policy.capacity, at: now };
    const tokens = refill(bucket.tokens, bucket.at, now, policy);
    const allowed = tokens >= cost;
    this.buckets.set(id, { tokens: allowed ? tokens - cost : tokens, at: now });
    return {
      allowed,
      remaining: Math.floor(allowed ? tokens - cost : tokens),
      retryAfterSeconds: allowed ? 0 : secondsUntil(cost, tokens, policy),
    };
  }
}

function unused(name: string): never {
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        throw new Error(`unit test touched deps.${name}.${String(property)}`);
      },
    },
  ) as never;
}

function loginService(options: { exemptIps?: string[] } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  const settings: AuthSettings = {
    publicBaseUrl: 'https://rastup.example',
    sessionIdleSeconds: 604_800,
    sessionAbsoluteSeconds: 2_592_000,
    refreshReuseGraceSeconds: 30,
    captchaSiteKey: 'site',
    rateLimitExemptIps: new Set(options.exemptIps ?? []),
  };
  const deps: AuthDeps = {
    clock,
    limiter: new FakeRateLimiter(clock),
    settings,
    db: unused('db'),
    hasher: unused('hasher'),
    policy: unused('policy'),
    captcha: unused('captcha'),
    idTokens: unused('idTokens'),
    notifier: unused('notifier'),
    tokens: unused('tokens'),
    box: unused('box'),
    logger: unused('logger'),
    staff: unused('staff'),
  };
  return { clock, service: new LoginService(deps, unused('sessions'), unused('mfa')) };
}

const throttle = (failures: number, extra: Partial<ThrottleRow> = {}): ThrottleRow => ({
  identifier_hash: 'id',
  failures,
  lockout_level: 0,
  locked_until: null,
  last_failure_at: new Date(Date.UTC(2026, 2, 1, 11, 59)),
  ...extra,
});
const browser = { ip: '203.0.113.7', userAgent: 'test' };

describe('lockout back-off', () => {
  it('locks for 1, 2, 4, 8, then at most 15 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 12].map(lockoutSeconds)).toEqual([60, 120, 240, 480, 900, 900, 900]);
  });

  it('locks on the fifth failure, and each further lock takes five more at the next level', () => {
    let now = new Date(Date.UTC(2026, 2, 1, 12));
    let row: ThrottleRow | undefined;
    const locks: number[] = [];
    for (let attempt = 1; attempt <= 3 * MAX_FAILURES; attempt++) {
      const next = afterFailure(row, 'id', now);
      row = next.row;
      if (next.lock) {
        locks.push(next.lock.seconds);
        expect(row.locked_until!.getTime() - now.getTime()).toBe(next.lock.seconds * 1000);
        expect(row.failures).toBe(0);
        now = new Date(row.locked_until!.getTime() + 1000); // the owner waits it out
      } else {
        expect(row.failures).toBe(attempt % MAX_FAILURES);
      }
    }
    expect(MAX_FAILURES).toBe(5);
    expect(locks).toEqual([60, 120, 240]);
  });

  it('forgets failures and levels after a quiet day, but never while a lock is running', () => {
    const now = new Date(Date.UTC(2026, 2, 3, 12));
    const dayOld = throttle(3, { lockout_level: 4, last_failure_at: new Date(now.getTime() - 25 * 3600_000) });
    expect(freshThrottle(dayOld, now)).toMatchObject({ failures: 0, lockout_level: 0 });
    expect(freshThrottle({ ...dayOld, last_failure_at: new Date(now.getTime() - 23 * 3600_000) }, now)).toMatchObject({
      failures: 3,
      lockout_level: 4,
    });
    expect(freshThrottle({ ...dayOld, locked_until: new Date(now.getTime() + 60_000) }, now)).toMatchObject({
      lockout_level: 4,
    });
    // So after a quiet day it takes five fresh failures, and the lock starts again at one minute.
    let next = afterFailure({ ...dayOld, failures: 4 }, 'id', now);
    expect(next).toMatchObject({ row: { failures: 1, lockout_level: 0 }, lock: undefined });
    for (let i = 0; i < MAX_FAILURES - 1; i++) next = afterFailure(next.row, 'id', now);
    expect(next.lock).toEqual({ level: 1, seconds: 60 });
  });
});

describe('risk score → CAPTCHA', () => {
  it('lets a known browser with no recent failures through without a CAPTCHA', async () => {
    const { service } = loginService();
    const risk = await service.riskScore(undefined, browser, 'device-cookie');
    expect(risk).toBe(0);
    expect(captchaRequired(risk)).toBe(false);
  });

  it('adds 10 for a browser without a device cookie and 25 per recent failure: two failures on a new browser demand it', async () => {
    const { service } = loginService();
    expect(await service.riskScore(throttle(1), browser, undefined)).toBe(35);
    expect(captchaRequired(await service.riskScore(throttle(1), browser, undefined))).toBe(false);
    expect(captchaRequired(await service.riskScore(throttle(2), browser, 'device-cookie'))).toBe(true);
    expect(await service.riskScore(throttle(9), browser, undefined)).toBe(100); // capped
  });

  it('demands it once an address signs in more than 10 times in 10 minutes, and relaxes as the bucket refills', async () => {
    const { service, clock } = loginService();
    for (let i = 0; i < 10; i++) expect(await service.riskScore(undefined, browser, 'device-cookie')).toBe(0);
    const eleventh = await service.riskScore(undefined, browser, 'device-cookie');
    expect(eleventh).toBe(50);
    expect(captchaRequired(eleventh)).toBe(true);
    // Another address is unaffected.
    expect(await service.riskScore(undefined, { ...browser, ip: '198.51.100.9' }, 'device-cookie')).toBe(0);
    clock.advance(2 * 60_000);
    expect(await service.riskScore(undefined, browser, 'device-cookie')).toBe(0);
  });

  it('skips the velocity check only for the local-only exempt addresses (the benchmark)', async () => {
    const { service } = loginService({ exemptIps: [browser.ip] });
    for (let i = 0; i < 20; i++) expect(await service.riskScore(undefined, browser, 'device-cookie')).toBe(0);
  });
});
