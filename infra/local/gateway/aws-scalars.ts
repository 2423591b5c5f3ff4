/**
 * AppSync's AWS scalars, validated as AppSync documents them, for the local gateway.
 * Input (variables and literals) is checked; output is checked too, because AppSync also fails a
 * field whose resolver returns a value its scalar does not allow.
 */
import { isIP } from 'node:net';
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?$/;
const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?$/;
const DATETIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)$/;
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const PHONE = /^\+?[\d\s().-]{7,20}$/;

function validDate(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const probe = new Date(0);
  probe.setUTCFullYear(y, m - 1, d);
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

function stringScalar(name: string, description: string, check: (value: string) => boolean) {
  const validate = (value: unknown): string => {
    if (typeof value !== 'string' || !check(value)) {
      throw new GraphQLError(`Invalid ${name} value`);
    }
    return value;
  };
  return new GraphQLScalarType({
    name,
    description,
    serialize: validate,
    parseValue: validate,
    parseLiteral(ast: ValueNode) {
      if (ast.kind !== Kind.STRING) throw new GraphQLError(`Invalid ${name} value`, { nodes: ast });
      return validate(ast.value);
    },
  });
}

export const AWSDate = stringScalar('AWSDate', 'ISO 8601 date, optional offset', (v) => DATE.test(v) && validDate(v));
export const AWSTime = stringScalar('AWSTime', 'ISO 8601 time, optional offset', (v) => TIME.test(v));
export const AWSDateTime = stringScalar(
  'AWSDateTime',
  'ISO 8601 date-time with a required offset',
  (v) => DATETIME.test(v) && validDate(v),
);
export const AWSEmail = stringScalar('AWSEmail', 'RFC 822 email address', (v) => v.length <= 254 && EMAIL.test(v));
export const AWSPhone = stringScalar(
  'AWSPhone',
  'Phone number; US assumed without a country code',
  (v) => PHONE.test(v) && v.replace(/\D/g, '').length >= 7,
);
export const AWSIPAddress = stringScalar('AWSIPAddress', 'IPv4 or IPv6, optional CIDR suffix', (v) => {
  const [ip, prefix, ...rest] = v.split('/');
  if (rest.length || !ip) return false;
  const version = isIP(ip);
  if (!version) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
});
export const AWSURL = stringScalar('AWSURL', 'URL with a scheme (RFC 1738)', (v) => {
  try {
    const url = new URL(v);
    return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) && !url.pathname.includes('//');
  } catch {
    return false;
  }
});

function timestampValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new GraphQLError('Invalid AWSTimestamp value');
  return value;
}

export const AWSTimestamp = new GraphQLScalarType({
  name: 'AWSTimestamp',
  description: 'Seconds since the epoch',
  serialize: timestampValue,
  parseValue: timestampValue,
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT) throw new GraphQLError('Invalid AWSTimestamp value', { nodes: ast });
    return timestampValue(Number(ast.value));
  },
});

/**
 * Bounds of one AWSJSON input value. Generous for what the schema carries in AWSJSON (weekly
 * availability summaries), and low enough that nothing after the parse (the JSON round trip that
 * builds the Lambda event, the Lambda's own walk of its arguments: lambdas/core/text.ts allows 32
 * levels for the whole argument tree) can overflow its stack on a hostile value.
 */
export const AWSJSON_LIMITS = { maxLength: 100_000, maxDepth: 16 } as const;

/** Nesting depth of a JSON text, counted without parsing (brackets outside strings), so it is safe on any input. */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c /* backslash: skip the escaped character */) index++;
      else if (char === 0x22 /* " */) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b /* { */ || char === 0x5b /* [ */) max = Math.max(max, ++depth);
    else if (char === 0x7d /* } */ || char === 0x5d /* ] */) depth--;
  }
  return max;
}

function parseAwsJson(text: string, nodes?: ValueNode): unknown {
  if (text.length > AWSJSON_LIMITS.maxLength)
    throw new GraphQLError(`Invalid AWSJSON value: longer than ${AWSJSON_LIMITS.maxLength} characters`, { nodes });
  if (jsonNestingDepth(text) > AWSJSON_LIMITS.maxDepth)
    throw new GraphQLError(`Invalid AWSJSON value: nested deeper than ${AWSJSON_LIMITS.maxDepth} levels`, { nodes });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GraphQLError('Invalid AWSJSON value', { nodes });
  }
}

/** AppSync parses AWSJSON input into maps/lists for resolvers and serialises output back to a string. */
export const AWSJSON = new GraphQLScalarType({
  name: 'AWSJSON',
  description: 'A JSON string',
  serialize(value) {
    return typeof value === 'string' ? value : JSON.stringify(value);
  },
  parseValue(value) {
    if (typeof value !== 'string') throw new GraphQLError('Invalid AWSJSON value: expected a JSON string');
    return parseAwsJson(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Invalid AWSJSON value', { nodes: ast });
    return parseAwsJson(ast.value, ast);
  },
});

export const awsScalars = {
  AWSDate,
  AWSTime,
  AWSDateTime,
  AWSTimestamp,
  AWSEmail,
  AWSJSON,
  AWSURL,
  AWSPhone,
  AWSIPAddress,
};
