import { GraphQLError, parseValue as parseLiteralText, type GraphQLScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  AWSDate,
  AWSDateTime,
  AWSEmail,
  AWSIPAddress,
  AWSJSON,
  AWSJSON_LIMITS,
  AWSPhone,
  AWSTime,
  AWSTimestamp,
  AWSURL,
} from './aws-scalars.ts';

/** A scalar accepts a value when variables, literals and resolver output all pass. */
function accepts(scalar: GraphQLScalarType, value: string): boolean {
  const results = [
    () => scalar.parseValue(value),
    () => scalar.parseLiteral(parseLiteralText(JSON.stringify(value))),
    () => scalar.serialize(value),
  ].map((run) => {
    try {
      return run() === value;
    } catch (error) {
      expect(error).toBeInstanceOf(GraphQLError);
      expect((error as Error).message).toBe(`Invalid ${scalar.name} value`);
      return false;
    }
  });
  expect(new Set(results).size).toBe(1); // the three paths agree
  return results[0]!;
}

function cases(scalar: GraphQLScalarType, valid: string[], invalid: string[]) {
  it.each(valid)(`${scalar.name} accepts %s`, (value) => expect(accepts(scalar, value)).toBe(true));
  it.each(invalid)(`${scalar.name} rejects %s`, (value) => expect(accepts(scalar, value)).toBe(false));
}

describe('AWSDateTime (offset required)', () => {
  cases(
    AWSDateTime,
    [
      '2026-01-31T10:15:30Z',
      '2026-01-31T10:15:30.123Z',
      '2026-01-31T10:15Z',
      '2026-01-31T10:15:30+05:30',
      '2026-01-31T10:15:30.123456789-08:00',
      '2024-02-29T00:00:00Z',
    ],
    [
      '2026-01-31T10:15:30',
      '2026-01-31',
      '2026-01-31 10:15:30Z',
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-01-31T24:00:00Z',
      '2026-01-31T10:15:30+5:30',
      '',
    ],
  );
});

describe('AWSDate', () => {
  cases(
    AWSDate,
    ['2026-01-31', '2024-02-29', '2026-01-31Z', '2026-01-31+01:00', '0001-01-01', '0099-12-31'],
    ['2026-02-30', '2025-02-29', '2026-04-31', '2026-1-31', '2026-00-10', '2026-01-31T00:00:00Z', '31/01/2026'],
  );
});

describe('AWSTime', () => {
  cases(
    AWSTime,
    ['10:15', '10:15:30', '10:15:30.5', '23:59:59Z', '10:15:30+05:30'],
    ['24:00', '10:60', '10', '10:15:30+25:00'],
  );
});

describe('AWSEmail', () => {
  cases(
    AWSEmail,
    ['alice@example.com', 'a.b+tag@sub.example.co.uk', "o'brien@example.ie"],
    ['alice', 'alice@', '@example.com', 'alice@example', 'a b@example.com', `${'a'.repeat(250)}@x.com`],
  );
});

describe('AWSURL', () => {
  cases(
    AWSURL,
    [
      'https://rastup.com',
      'http://localhost:4000/graphql?x=1',
      'mailto:hello@rastup.com',
      'ftp://files.example.com/a.txt',
    ],
    ['rastup.com', '/relative/path', 'not a url', ''],
  );
});

describe('AWSPhone', () => {
  cases(
    AWSPhone,
    ['+1 (555) 123-4567', '555-123-4567', '+442071838750', '5551234'],
    ['123', 'call me', '+1 555 CALL NOW', '555-123-4567 ext 8', '1234567890123456789012'],
  );
});

describe('AWSIPAddress (CIDR allowed)', () => {
  cases(
    AWSIPAddress,
    ['192.168.1.1', '10.0.0.0/8', '0.0.0.0/0', '203.0.113.7/32', '::1', '2001:db8::/32', '2001:db8::1/128'],
    ['256.1.1.1', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '/8', '10.0.0.0/8/9', '10.0.0.0/x', 'localhost'],
  );
});

describe('AWSTimestamp', () => {
  it('accepts integer seconds from variables, literals and resolvers', () => {
    expect(AWSTimestamp.parseValue(1767225600)).toBe(1767225600);
    expect(AWSTimestamp.parseLiteral(parseLiteralText('1767225600'))).toBe(1767225600);
    expect(AWSTimestamp.serialize(0)).toBe(0);
  });

  it.each([[1.5], ['1767225600'], [Number.MAX_SAFE_INTEGER + 2], [null]])('rejects %j', (value) => {
    expect(() => AWSTimestamp.parseValue(value)).toThrow('Invalid AWSTimestamp value');
    expect(() => AWSTimestamp.serialize(value)).toThrow('Invalid AWSTimestamp value');
  });

  it('rejects non-integer literals', () => {
    expect(() => AWSTimestamp.parseLiteral(parseLiteralText('"1767225600"'))).toThrow('Invalid AWSTimestamp value');
    expect(() => AWSTimestamp.parseLiteral(parseLiteralText('1.5'))).toThrow('Invalid AWSTimestamp value');
  });
});

describe('AWSJSON', () => {
  it('parses a JSON string from variables and literals into a value', () => {
    expect(AWSJSON.parseValue('{"a":[1,2],"b":null}')).toEqual({ a: [1, 2], b: null });
    expect(AWSJSON.parseLiteral(parseLiteralText(JSON.stringify('{"a":true}')))).toEqual({ a: true });
    expect(AWSJSON.parseValue('"text"')).toBe('text');
  });

  it('rejects values that are not JSON strings', () => {
    expect(() => AWSJSON.parseValue({ a: 1 })).toThrow('expected a JSON string');
    expect(() => AWSJSON.parseValue('{a:1}')).toThrow('Invalid AWSJSON value');
    expect(() => AWSJSON.parseLiteral(parseLiteralText('{ a: 1 }'))).toThrow('Invalid AWSJSON value');
    expect(() => AWSJSON.parseLiteral(parseLiteralText('"{broken"'))).toThrow('Invalid AWSJSON value');
  });

  it('bounds nesting and length, so a hostile value cannot overflow the stack after the parse', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(AWSJSON.parseValue(nested(AWSJSON_LIMITS.maxDepth))).toBeDefined();
    expect(() => AWSJSON.parseValue(nested(AWSJSON_LIMITS.maxDepth + 1))).toThrow('nested deeper than');
    expect(() => AWSJSON.parseValue(nested(6_000))).toThrow('nested deeper than');
    expect(() => AWSJSON.parseLiteral(parseLiteralText(JSON.stringify(nested(6_000))))).toThrow('nested deeper than');
    // Brackets inside strings (escaped quotes included) are text, not nesting.
    expect(AWSJSON.parseValue(JSON.stringify({ a: '[[[[\\"{{{{'.repeat(10) }))).toEqual({
      a: '[[[[\\"{{{{'.repeat(10),
    });
    expect(() => AWSJSON.parseValue(JSON.stringify('x'.repeat(AWSJSON_LIMITS.maxLength)))).toThrow('longer than');
  });

  it('serialises values to a JSON string and passes strings through', () => {
    expect(AWSJSON.serialize({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(AWSJSON.serialize('{"already":"json"}')).toBe('{"already":"json"}');
    expect(AWSJSON.serialize(null)).toBe('null');
  });
});
