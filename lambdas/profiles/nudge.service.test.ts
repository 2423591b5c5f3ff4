import { describe, expect, it } from 'vitest';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import type { EmailMessage, Notifier } from '../core/ports.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { MediaCatalog } from '../media/index.ts';
import type { CityDirectory } from '../platform/index.ts';
import type { CandidateRow, NotificationStore, PreferencesRow } from './notification.repository.ts';
import { inQuietHours, localHour, notificationPeriod, NudgeService } from './nudge.service.ts';
import type { ProfileStore } from './profile.repository.ts';
import type { ProfileService } from './profile.service.ts';
import type { StudioStore } from './studio.repository.ts';
import type { VerificationStore } from './verification.repository.ts';
import type { PageEvictionStore } from './page-eviction.repository.ts';

describe('quiet hours', () => {
  it('wraps midnight', () => {
    expect(inQuietHours(22, 21, 8)).toBe(true);
    expect(inQuietHours(3, 21, 8)).toBe(true);
    expect(inQuietHours(8, 21, 8)).toBe(false);
    expect(inQuietHours(12, 21, 8)).toBe(false);
    expect(inQuietHours(13, 12, 14)).toBe(true);
    expect(inQuietHours(5, 0, 0)).toBe(false);
  });

  it('reads the hour in the recipient city time zone (UTC without one)', () => {
    const instant = new Date('2026-01-15T03:30:00Z');
    expect(localHour(instant, 'America/New_York')).toBe(22);
    expect(localHour(instant, 'America/Los_Angeles')).toBe(19);
    expect(localHour(instant, null)).toBe(3);
  });
});

describe('notification claim periods', () => {
  it('claims nudges per UTC day', () => {
    expect(notificationPeriod('NUDGE', new Date('2026-03-04T00:00:00Z'))).toBe('2026-03-04');
    expect(notificationPeriod('NUDGE', new Date('2026-03-04T23:59:59Z'))).toBe('2026-03-04');
    expect(notificationPeriod('NUDGE', new Date('2026-03-05T00:00:00Z'))).toBe('2026-03-05');
  });

  it('claims digests per ISO week (Monday to Sunday, week 1 holds the first Thursday)', () => {
    expect(notificationPeriod('DIGEST', new Date('2026-01-01T12:00:00Z'))).toBe('2026-W01'); // a Thursday
    expect(notificationPeriod('DIGEST', new Date('2025-12-29T00:00:00Z'))).toBe('2026-W01'); // Monday of that week
    expect(notificationPeriod('DIGEST', new Date('2025-12-28T23:59:59Z'))).toBe('2025-W52'); // the Sunday before
    expect(notificationPeriod('DIGEST', new Date('2021-01-03T10:00:00Z'))).toBe('2020-W53');
    expect(notificationPeriod('DIGEST', new Date('2026-03-02T00:00:00Z'))).toBe('2026-W10');
    expect(notificationPeriod('DIGEST', new Date('2026-03-08T23:00:00Z'))).toBe('2026-W10');
    expect(notificationPeriod('DIGEST', new Date('2026-03-09T00:00:00Z'))).toBe('2026-W11');
  });
});

describe('NudgeService.run', () => {
  const NOW = new Date('2026-01-15T15:00:00Z'); // 10:00 in New York, 07:00 in Los Angeles
  const prefs = (userId: string, overrides: Partial<PreferencesRow> = {}): PreferencesRow => ({
    user_id: userId,
    nudges_enabled: true,
    digest_enabled: true,
    quiet_start_hour: 21,
    quiet_end_hour: 8,
    unsubscribe_token: `tok-${userId}`,
    ...overrides,
  });

  function setup(
    candidates: CandidateRow[],
    options: { prefs?: Partial<PreferencesRow>; sentRecently?: boolean } = {},
  ) {
    const claims: string[] = [];
    const released: string[] = [];
    const mail: EmailMessage[] = [];
    const lookedUp: string[] = [];
    let failSend = false;
    const db = fakeUnitOfWork({
      notifications: fake<NotificationStore>('notifications', {
        nudgeCandidates: async () => candidates,
        digestCandidates: async () => [],
        preferences: async (userId) => prefs(userId, options.prefs),
        lockRecipient: async () => undefined,
        sentSince: async () => (options.sentRecently ? 1 : 0),
        claim: async (userId, kind, period) => {
          claims.push(`${userId}:${kind}:${period}`);
          return true;
        },
        releaseClaim: async (userId, kind, period) => void released.push(`${userId}:${kind}:${period}`),
      }),
      cities: fake<CityDirectory>('cities', {
        cityInfo: async (code) => {
          lookedUp.push(String(code));
          const zones: Record<string, string> = { 'us-nyc': 'America/New_York', 'us-lax': 'America/Los_Angeles' };
          return code && zones[code] ? { name: code, countryCode: 'US', timezone: zones[code] } : null;
        },
      }),
      profiles: fake<ProfileStore>('profiles'),
      studios: fake<StudioStore>('studios'),
      verifications: fake<VerificationStore>('verifications'),
      pageEvictions: fake<PageEvictionStore>('page evictions'),
      media: fake<MediaCatalog>('media catalog'),
    });
    const profiles = fake<ProfileService>('profile service', { myProfiles: async () => [] });
    const notifier = fake<Notifier>('notifier', {
      sendEmail: async (message) => {
        if (failSend) throw new Error('mail provider down');
        mail.push(message);
      },
    });
    const service = new NudgeService(db, profiles, notifier, 'https://api.test', createLogger({ service: 'test' }));
    return { service, claims, released, mail, lookedUp, failNextSend: () => (failSend = true) };
  }

  const candidate = (city: string | null): CandidateRow => ({
    owner_user_id: newId('user'),
    contact_email: 'pat@example.com',
    city_code: city,
  });

  it("respects quiet hours in the recipient city's time zone (looked up once per city through platform's directory)", async () => {
    const { service, claims, mail, lookedUp } = setup([candidate('us-lax'), candidate('us-lax'), candidate('us-nyc')]);
    const result = await service.run(NOW);
    expect(result).toMatchObject({ nudged: 1, skipped: { quietHours: 2 } });
    expect(claims).toHaveLength(1);
    expect(mail[0]!.text).toContain('https://api.test/profiles/notifications/unsubscribe?token=tok-');
    expect(lookedUp.sort()).toEqual(['us-lax', 'us-nyc']);
  });

  it('skips the opted-out and the recently nudged without claiming anything', async () => {
    const optedOut = setup([candidate('us-nyc')], { prefs: { nudges_enabled: false } });
    expect((await optedOut.service.run(NOW)).skipped.optedOut).toBe(1);
    const capped = setup([candidate('us-nyc')], { sentRecently: true });
    expect((await capped.service.run(NOW)).skipped.capped).toBe(1);
    expect([...optedOut.claims, ...capped.claims, ...optedOut.mail, ...capped.mail]).toEqual([]);
  });

  it('releases the claim when the mail cannot be sent, so the next run tries again', async () => {
    const { service, claims, released, failNextSend } = setup([candidate(null)]); // no city: UTC 15:00
    failNextSend();
    await expect(service.run(NOW)).rejects.toThrow('mail provider down');
    expect(released).toEqual(claims);
    expect(released).toHaveLength(1);
  });
});
