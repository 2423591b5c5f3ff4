import { describe, expect, it } from 'vitest';
import { inQuietHours, localHour, notificationPeriod } from './nudge.service.ts';

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
