import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CANCELLATION_POLICIES, describePolicy, quoteCancellation, decideReschedule } from './cancellation.ts';

const HOUR = 3_600_000;
const start = Date.parse('2026-07-01T12:00:00Z');
const quote = (policy: (typeof CANCELLATION_POLICIES)[number], hoursBefore: number, amountCents = 10_001) =>
  quoteCancellation({ policy, amountCents, startsAt: start, now: start - hoursBefore * HOUR, cancelledBy: 'client' });

describe('cancellation kernel', () => {
  it('applies each policy’s bands at their edges', () => {
    expect(quote('FLEXIBLE', 24).refundPercent).toBe(100);
    expect(quote('FLEXIBLE', 23.99).refundPercent).toBe(50);
    expect(quote('FLEXIBLE', 0).refundPercent).toBe(50);
    expect(quote('FLEXIBLE', -0.01).refundPercent).toBe(0);
    expect(quote('MODERATE', 120).refundPercent).toBe(100);
    expect(quote('MODERATE', 119).refundPercent).toBe(50);
    expect(quote('MODERATE', 48).refundPercent).toBe(50);
    expect(quote('MODERATE', 47.5).refundPercent).toBe(0);
    expect(quote('STRICT', 14 * 24).refundPercent).toBe(100);
    expect(quote('STRICT', 7 * 24).refundPercent).toBe(50);
    expect(quote('STRICT', 7 * 24 - 1).refundPercent).toBe(0);
  });

  it('splits integer cents exactly, rounding the refund down', () => {
    const q = quote('MODERATE', 72, 10_001);
    expect(q).toMatchObject({ refundCents: 5_000, retainedCents: 5_001 });
    expect(q.explanation).toBe('Cancelled at least 48 hours before the start: 50% refund under the moderate policy.');
    expect(quote('STRICT', 1).explanation).toBe(
      'Cancelled less than 7 days before the start: no refund under the strict policy.',
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...CANCELLATION_POLICIES),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: -1000, max: 1000 }),
        (policy, amount, hours) => {
          const q = quote(policy, hours, amount);
          expect(q.refundCents + q.retainedCents).toBe(amount);
          expect(q.refundCents).toBeGreaterThanOrEqual(0);
          expect(q.retainedCents).toBeGreaterThanOrEqual(0);
          // Earlier cancellations never refund less.
          expect(quote(policy, hours + 1, amount).refundCents).toBeGreaterThanOrEqual(q.refundCents);
        },
      ),
    );
  });

  it('refunds in full when the provider or host cancels, whenever it is', () => {
    const q = quoteCancellation({
      policy: 'STRICT',
      amountCents: 5_000,
      startsAt: start,
      now: start - HOUR,
      cancelledBy: 'owner',
    });
    expect(q).toMatchObject({ refundPercent: 100, refundCents: 5_000, retainedCents: 0 });
  });

  it('describes every policy in words, including the reschedule rule', () => {
    expect(describePolicy('MODERATE')).toEqual([
      '100% refund when cancelled at least 5 days before the start.',
      '50% refund when cancelled between 48 hours and 5 days before the start.',
      'No refund when cancelled less than 48 hours before the start.',
      'Rescheduling is free until 5 days before the start.',
      'If the provider or host cancels, the client gets a full refund.',
    ]);
    expect(describePolicy('FLEXIBLE')[1]).toBe('50% refund when cancelled less than 24 hours before the start.');
    expect(describePolicy('FLEXIBLE')[2]).toBe('No refund once the booking has started.');
  });
});

describe('decideReschedule', () => {
  const HOUR_MS = 3_600_000;
  const start = Date.parse('2026-07-01T10:00:00Z');
  const base = { startsAt: start, newStartsAt: start + 48 * HOUR_MS, status: 'CONFIRMED' as const };

  it('lets the client move free of charge until the full-refund window, with the reason in words', () => {
    expect(decideReschedule({ ...base, policy: 'MODERATE', now: start - 5 * 24 * HOUR_MS, by: 'client' })).toEqual({
      allowed: true,
      explanation: 'Moved free of charge: at least 5 days before the start under the moderate policy.',
    });
    expect(
      decideReschedule({ ...base, policy: 'MODERATE', now: start - 5 * 24 * HOUR_MS + 1, by: 'client' }),
    ).toMatchObject({
      allowed: false,
      explanation: expect.stringContaining('free only until 5 days before the start'),
    });
    expect(decideReschedule({ ...base, policy: 'FLEXIBLE', now: start - 25 * HOUR_MS, by: 'client' }).allowed).toBe(
      true,
    );
    expect(decideReschedule({ ...base, policy: 'STRICT', now: start - 13 * 24 * HOUR_MS, by: 'client' }).allowed).toBe(
      false,
    );
  });

  it('lets an owner move only a request, and nobody into the past, once started, or to the same time', () => {
    const early = start - 30 * 24 * HOUR_MS;
    expect(decideReschedule({ ...base, status: 'REQUESTED', policy: 'STRICT', now: early, by: 'owner' }).allowed).toBe(
      true,
    );
    expect(decideReschedule({ ...base, policy: 'STRICT', now: early, by: 'owner' }).allowed).toBe(false);
    expect(
      decideReschedule({ ...base, newStartsAt: early - 1, policy: 'FLEXIBLE', now: early, by: 'client' }).allowed,
    ).toBe(false);
    expect(decideReschedule({ ...base, policy: 'FLEXIBLE', now: start + 1, by: 'client' }).allowed).toBe(false);
    expect(
      decideReschedule({ ...base, newStartsAt: start, policy: 'FLEXIBLE', now: early, by: 'client' }).allowed,
    ).toBe(false);
  });
});
