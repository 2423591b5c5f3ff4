import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeQuote,
  readSignedQuote,
  roundHalfUp,
  samePrices,
  signQuote,
  type QuoteLegInput,
} from './checkout-quote.ts';

const KEY = 'k'.repeat(40);

function leg(overrides: Partial<QuoteLegInput> = {}): QuoteLegInput {
  return {
    legId: 'leg-1',
    kind: 'service',
    listingId: 'prf_1',
    payeeUserId: 'usr_1',
    cityCode: 'us-nyc',
    currency: 'usd',
    lines: [{ kind: 'package', description: 'Headshots', unitCents: 20_000, quantity: 1 }],
    depositCents: 0,
    cancellationPolicy: null,
    ...overrides,
  };
}

const quoteOf = (legs: QuoteLegInput[], ratePpm = 88_750, feeBps = 1000) =>
  computeQuote({
    quoteId: 'quo_1',
    clientUserId: 'usr_c',
    legs,
    feeBps,
    taxRatePpm: () => ratePpm,
    issuedAt: 1_000,
    ttlSeconds: 900,
  });

describe('rounding', () => {
  it('rounds half up in integers', () => {
    expect(roundHalfUp(5, 10)).toBe(1);
    expect(roundHalfUp(4, 10)).toBe(0);
    expect(roundHalfUp(15, 10)).toBe(2);
    expect(() => roundHalfUp(1.5, 10)).toThrow();
  });
});

describe('computeQuote', () => {
  it('prices a package leg: fee on the subtotal, tax on the subtotal only, total of the parts', () => {
    const quote = quoteOf([leg()]);
    const [only] = quote.legs;
    expect(only).toMatchObject({ subtotalCents: 20_000, platformFeeCents: 2_000, taxCents: 1_775, totalCents: 23_775 });
    expect(quote.totalCents).toBe(23_775);
  });

  it('charges studio time pro rata (rounded once per line) and adds the untaxed, fee-free deposit', () => {
    const studio = leg({
      kind: 'studio',
      lines: [{ kind: 'time', description: 'Studio', unitCents: 3_333, quantity: 1, minutes: 50, perMinutes: 60 }],
      depositCents: 10_000,
    });
    const [only] = quoteOf([studio], 95_000).legs;
    // 3333 × 50 / 60 = 2777.5 → 2778; fee 277.8 → 278; tax 263.91 → 264.
    expect(only).toMatchObject({
      subtotalCents: 2_778,
      platformFeeCents: 278,
      taxCents: 264,
      depositCents: 10_000,
      totalCents: 13_320,
    });
  });

  it('refuses mixed currencies and duplicate leg ids', () => {
    expect(() => quoteOf([leg(), leg({ legId: 'leg-2', currency: 'eur' })])).toThrow(/one currency/);
    expect(() => quoteOf([leg(), leg()])).toThrow(/unique/);
    expect(() => quoteOf([])).toThrow(/at least one/);
  });

  it('group totals are exactly the sum of leg totals, and each leg total the sum of its parts', () => {
    const lineArb = fc.record({
      kind: fc.constantFrom('package' as const, 'time' as const),
      description: fc.constant('x'),
      unitCents: fc.integer({ min: 0, max: 500_000 }),
      quantity: fc.integer({ min: 1, max: 3 }),
      minutes: fc.integer({ min: 15, max: 600 }),
      perMinutes: fc.constantFrom(30, 60, 90),
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            lines: fc.array(lineArb, { minLength: 1, maxLength: 4 }),
            deposit: fc.integer({ min: 0, max: 50_000 }),
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.integer({ min: 0, max: 150_000 }),
        fc.integer({ min: 0, max: 3000 }),
        (legs, ratePpm, feeBps) => {
          const quote = quoteOf(
            legs.map((l, i) => leg({ legId: `l${i}`, lines: l.lines, depositCents: l.deposit })),
            ratePpm,
            feeBps,
          );
          for (const l of quote.legs) {
            expect(Number.isSafeInteger(l.totalCents)).toBe(true);
            expect(l.totalCents).toBe(l.subtotalCents + l.platformFeeCents + l.taxCents + l.depositCents);
            expect(l.subtotalCents).toBe(l.lines.reduce((sum, line) => sum + line.amountCents, 0));
          }
          expect(quote.totalCents).toBe(quote.legs.reduce((sum, l) => sum + l.totalCents, 0));
          expect(quote.totalCents).toBe(
            quote.subtotalCents + quote.platformFeeCents + quote.taxCents + quote.depositCents,
          );
        },
      ),
    );
  });
});

describe('signed quotes', () => {
  it('reads back what it signed; refuses a tampered body, another key or another version', () => {
    const quote = quoteOf([leg()]);
    const token = signQuote(quote, KEY);
    expect(readSignedQuote(token, KEY)).toEqual(quote);
    const [version, body, mac] = token.split('.');
    const cheaper = Buffer.from(JSON.stringify({ ...quote, totalCents: 1 }), 'utf8').toString('base64url');
    expect(readSignedQuote(`${version}.${cheaper}.${mac}`, KEY)).toBeNull();
    expect(readSignedQuote(token, 'o'.repeat(40))).toBeNull();
    expect(readSignedQuote(`v0.${body}.${mac}`, KEY)).toBeNull();
    expect(readSignedQuote('garbage', KEY)).toBeNull();
  });

  it('samePrices notices a changed price but not a new quote id or time', () => {
    const a = quoteOf([leg()]);
    const b = computeQuote({
      quoteId: 'quo_2',
      clientUserId: 'usr_c',
      legs: [leg()],
      feeBps: 1000,
      taxRatePpm: () => 88_750,
      issuedAt: 5_000,
      ttlSeconds: 900,
    });
    expect(samePrices(a, b)).toBe(true);
    const pricier = quoteOf([
      leg({ lines: [{ kind: 'package', description: 'Headshots', unitCents: 20_001, quantity: 1 }] }),
    ]);
    expect(samePrices(a, pricier)).toBe(false);
  });
});
