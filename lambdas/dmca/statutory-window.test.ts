/** The §512(g) counter-notice window in business days of the designated agent's zone. */
import { describe, expect, it } from 'vitest';
import { addBusinessDays, counterNoticeWindow, dayNumberOf, federalHolidays, isoDate } from './statutory-window.ts';

const holidays = (y: number) => [...federalHolidays(y)].map(isoDate).sort();

describe('federal holidays (5 U.S.C. §6103), observed', () => {
  it('2026: Independence Day on a Saturday is observed on Friday the 3rd', () => {
    expect(holidays(2026)).toEqual([
      '2026-01-01',
      '2026-01-19',
      '2026-02-16',
      '2026-05-25',
      '2026-06-19',
      '2026-07-03',
      '2026-09-07',
      '2026-10-12',
      '2026-11-11',
      '2026-11-26',
      '2026-12-25',
    ]);
  });

  it("2027: Christmas on a Saturday moves to Friday the 24th; New Year's Day 2028 (a Saturday) to Dec 31", () => {
    expect(holidays(2027)).toContain('2027-12-24');
    expect(holidays(2027)).toContain('2027-12-31');
    expect(holidays(2027)).not.toContain('2027-12-25');
    // Juneteenth 2027 is a Saturday: observed Friday the 18th.
    expect(holidays(2027)).toContain('2027-06-18');
  });
});

describe('business days', () => {
  it('skip weekends and holidays, not counting the start day', () => {
    // Wednesday 2026-11-25 + 1 business day: Thanksgiving (26th) and the weekend skipped... Friday the 27th.
    expect(isoDate(addBusinessDays(dayNumberOf({ y: 2026, m: 11, d: 25 }), 1))).toBe('2026-11-27');
    expect(isoDate(addBusinessDays(dayNumberOf({ y: 2026, m: 11, d: 27 }), 1))).toBe('2026-11-30');
    expect(isoDate(addBusinessDays(dayNumberOf({ y: 2026, m: 12, d: 1 }), 10))).toBe('2026-12-15');
  });
});

describe('counter-notice window (17 U.S.C. §512(g)(2)(C))', () => {
  it('received on a Tuesday: restore from the start of day 11, by the end of business day 14 (New York time)', () => {
    // 2026-12-01 15:00 UTC = 10:00 EST. Business days 1..14: Dec 2,3,4,7,8,9,10,11,14,15 | 16,17,18,21.
    const window = counterNoticeWindow(new Date('2026-12-01T15:00:00Z'));
    expect(window.restoreFrom.toISOString()).toBe('2026-12-16T05:00:00.000Z');
    expect(window.restoreBy.toISOString()).toBe('2026-12-22T04:59:59.999Z');
  });

  it('counts from the New York date: late Friday evening there is still Friday, though Saturday in UTC', () => {
    // 2026-12-05 03:00 UTC is Friday 2026-12-04 22:00 EST: day 1 is Monday the 7th.
    const window = counterNoticeWindow(new Date('2026-12-05T03:00:00Z'));
    expect(window.restoreFrom.toISOString()).toBe('2026-12-19T05:00:00.000Z'); // after Friday the 18th (day 10)
  });

  it('skips the Christmas and New Year holidays', () => {
    // Thursday 2026-12-17: days 18,21,22,23,24,(25 holiday),28,29,30,31,(Jan 1 holiday),Jan 4 = day 10.
    const window = counterNoticeWindow(new Date('2026-12-17T15:00:00Z'));
    expect(window.restoreFrom.toISOString()).toBe('2027-01-05T05:00:00.000Z');
  });

  it('follows daylight saving time: midnight in New York is 04:00 UTC in summer', () => {
    const window = counterNoticeWindow(new Date('2026-06-01T15:00:00Z'));
    // Monday June 1 + 10 business days: Monday June 15 is day 10.
    expect(window.restoreFrom.toISOString()).toBe('2026-06-16T04:00:00.000Z');
  });
});
