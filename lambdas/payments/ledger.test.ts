import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertBalanced,
  captureEntry,
  refundEntry,
  releaseEntry,
  transferEntry,
  UnbalancedEntryError,
} from './ledger.ts';
import { movesForward, statusOfIntent } from './payments.state.ts';

const sum = (lines: readonly { amountCents: number }[]) => lines.reduce((total, line) => total + line.amountCents, 0);

describe('ledger postings', () => {
  it('every posting builder balances for any amounts', () => {
    const cents = fc.integer({ min: 1, max: 10_000_000 });
    fc.assert(
      fc.property(
        cents,
        cents,
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (a, b, fee, tax) => {
          for (const entry of [
            captureEntry('g', 'pi_1', a, 'usd'),
            refundEntry('g', 're_1', b, 'usd'),
            releaseEntry({
              groupId: 'g',
              legId: 'l',
              payeeUserId: 'usr_1',
              payeeCents: a,
              feeCents: fee,
              taxCents: tax,
              currency: 'usd',
            }),
            transferEntry('g', 'tr_1', 'usr_1', b, 'usd'),
          ]) {
            expect(sum(entry.lines)).toBe(0);
            expect(entry.lines.every((line) => line.amountCents !== 0)).toBe(true);
          }
        },
      ),
    );
  });

  it('refuses entries that do not balance, have one line, or carry fractions', () => {
    const base = { kind: 'capture' as const, groupId: 'g', sourceRef: 'x', memo: null };
    expect(() => assertBalanced({ ...base, lines: [{ account: 'a', amountCents: 5, currency: 'usd' }] })).toThrow(
      UnbalancedEntryError,
    );
    expect(() =>
      assertBalanced({
        ...base,
        lines: [
          { account: 'a', amountCents: 5, currency: 'usd' },
          { account: 'b', amountCents: -4, currency: 'usd' },
        ],
      }),
    ).toThrow(/off by 1/);
    expect(() =>
      assertBalanced({
        ...base,
        lines: [
          { account: 'a', amountCents: 5, currency: 'usd' },
          { account: 'b', amountCents: -5, currency: 'eur' },
        ],
      }),
    ).toThrow(UnbalancedEntryError);
    expect(() =>
      assertBalanced({
        ...base,
        lines: [
          { account: 'a', amountCents: 0.5, currency: 'usd' },
          { account: 'b', amountCents: -0.5, currency: 'usd' },
        ],
      }),
    ).toThrow(/integer/);
  });
});

describe('authorisation state', () => {
  it('moves only forward; captured and voided are terminal', () => {
    expect(movesForward('requires_action', 'authorized')).toBe(true);
    expect(movesForward('declined', 'authorized')).toBe(true);
    expect(movesForward('authorized', 'captured')).toBe(true);
    expect(movesForward('captured', 'authorized')).toBe(false);
    expect(movesForward('captured', 'voided')).toBe(false);
    expect(movesForward('voided', 'captured')).toBe(false);
    expect(movesForward('authorized', 'requires_action')).toBe(false);
  });

  it('reads PaymentIntent statuses', () => {
    expect(statusOfIntent('requires_capture', null)).toBe('authorized');
    expect(statusOfIntent('succeeded', null)).toBe('captured');
    expect(statusOfIntent('canceled', null)).toBe('voided');
    expect(statusOfIntent('requires_payment_method', 'card_declined')).toBe('declined');
    expect(statusOfIntent('requires_payment_method', null)).toBe('requires_action');
    expect(statusOfIntent('requires_action', null)).toBe('requires_action');
  });
});
