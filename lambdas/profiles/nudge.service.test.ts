import { describe, expect, it } from 'vitest';
import { inQuietHours, localHour } from './nudge.service.ts';

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
