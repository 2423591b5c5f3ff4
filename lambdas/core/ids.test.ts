import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, bufferedPrng, idSchema, idTimestamp, isId, newId, type IdKind } from './ids.ts';

describe('newId', () => {
  it('prefixes every kind with its short name and a 26-character ULID body', () => {
    for (const [kind, prefix] of Object.entries(ID_PREFIXES)) {
      const id = newId(kind as IdKind);
      expect(id).toMatch(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`));
    }
  });

  it('produces ids that sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 500 }, () => newId('booking'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('bufferedPrng', () => {
  it('yields byte fractions in [0, 1) that cover all 32 ULID characters evenly across refills', () => {
    const prng = bufferedPrng(64);
    const counts = new Array<number>(32).fill(0);
    let outside = 0;
    for (let i = 0; i < 32_000; i++) {
      const value = prng();
      if (value < 0 || value >= 1) outside++;
      else counts[Math.floor(value * 32)]!++;
    }
    expect(outside).toBe(0);
    // 1,000 expected per character; a uniform source stays well inside ±25 %.
    for (const count of counts) {
      expect(count).toBeGreaterThan(750);
      expect(count).toBeLessThan(1250);
    }
  });
});

describe('isId / idSchema', () => {
  const valid = newId('user');

  it('accepts an id of the requested kind', () => {
    expect(isId('user', valid)).toBe(true);
    expect(idSchema('user').safeParse(valid).success).toBe(true);
  });

  it.each([
    ['another kind', newId('booking')],
    ['no prefix', valid.slice(4)],
    ['a short body', valid.slice(0, -1)],
    ['a long body', `${valid}0`],
    ['a lowercase body', valid.toLowerCase()],
    ['a letter outside Crockford base32 (I, L, O, U)', `usr_${'U'.repeat(26)}`],
    ['a non-string', 42],
    ['null', null],
  ])('rejects %s', (_label, value) => {
    expect(isId('user', value)).toBe(false);
    const result = idSchema('user').safeParse(value);
    expect(result.success).toBe(false);
  });

  it('names the expected prefix in the schema message', () => {
    const result = idSchema('studio').safeParse('usr_nope');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must be a std_ id');
  });
});

describe('idTimestamp', () => {
  it('decodes the creation time of a fresh id', () => {
    const before = Date.now();
    const id = newId('event');
    const after = Date.now();
    const ts = idTimestamp(id);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(after + 1); // monotonic factory may bump within a millisecond
  });

  it('decodes a known ULID', () => {
    // 01ARZ3NDEK is the timestamp part of the ULID spec's example (ulid's decodeTime agrees).
    expect(idTimestamp('usr_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe(1469922850259);
  });
});
