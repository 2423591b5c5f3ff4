/**
 * Schema-driven hostile inputs for the API fuzz test (tests/integration/api-fuzz.int.test.ts).
 *
 * Everything is derived from what the API declares, never from a list of fields or routes:
 * GraphQL from the merged schema (argument types, input objects, enums, AWS scalars), REST from
 * the zod schemas every route declares (body and query, through zod's JSON Schema export) and the
 * path template. A valid-looking base value is built per argument, then one leaf at a time is
 * replaced by a hostile value of a class chosen for its type. The same seed gives the same
 * requests, so a failure replays.
 */
import * as fc from 'fast-check';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  type GraphQLInputType,
} from 'graphql';

/** mulberry32: small, fast, seeded. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return out;
}

export interface Hostile {
  /** Class name, for reports ("nul", "deep-json", ...). */
  readonly kind: string;
  readonly value: unknown;
}

const deepJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

/** Always sent for every text position: the classes the independent fuzz found reaching storage. */
export const CRITICAL_STRINGS: readonly Hostile[] = [
  { kind: 'nul', value: 'a\u0000b' },
  { kind: 'lone-high-surrogate', value: 'x\ud800y' },
];

/** Sampled per text position. */
export const OTHER_STRINGS: readonly Hostile[] = [
  { kind: 'lone-low-surrogate', value: '\udc00' },
  { kind: 'empty', value: '' },
  { kind: 'blank', value: '   \t\n ' },
  { kind: 'huge', value: 'x'.repeat(200_000) },
  { kind: 'long-unicode', value: '😀'.repeat(5_000) },
  { kind: 'unicode-mix', value: 'Ünïcødé 日本語 😀 \u202e\u200b\u2028 𝄞' },
  { kind: 'controls', value: '\u0001\u0007\u001b[31m\u007f' },
  { kind: 'odd-id', value: 'prf_00000000000000000000000000' },
  { kind: 'other-prefix-id', value: 'usr_01JZZZZZZZZZZZZZZZZZZZZZZZ' },
  { kind: 'sql', value: "x' OR '1'='1'; DROP TABLE users; --" },
  { kind: 'path', value: '../../../etc/passwd' },
  { kind: 'percent-nul', value: '%00%ff%' },
  { kind: 'html', value: '<script>alert(1)</script>' },
  { kind: 'json-text', value: '{"$where":"1"}' },
  { kind: 'number-instead', value: 42 },
  { kind: 'object-instead', value: { a: 1 } },
  { kind: 'array-instead', value: ['a'] },
  { kind: 'null', value: null },
];

export const CRITICAL_JSON: readonly Hostile[] = [
  { kind: 'deep-json-6000', value: deepJson(6_000) },
  { kind: 'json-nul', value: JSON.stringify({ mon: ['a\u0000'], 'k\u0000': 1 }) },
  { kind: 'json-lone-surrogate', value: JSON.stringify({ label: '\ud800' }) },
];

export const OTHER_JSON: readonly Hostile[] = [
  { kind: 'deep-json-17', value: deepJson(17) },
  { kind: 'not-json', value: '{not json' },
  { kind: 'json-null', value: 'null' },
  { kind: 'json-array', value: '[1,2,3]' },
  { kind: 'json-huge', value: JSON.stringify({ mon: Array.from({ length: 20_000 }, () => '09:00-17:00') }) },
  { kind: 'json-object-instead', value: { mon: [] } },
  { kind: 'json-wrong-shape', value: JSON.stringify({ mon: 'always', xyz: [1] }) },
];

export const NUMBERS: readonly Hostile[] = [
  { kind: 'negative', value: -1 },
  { kind: 'zero', value: 0 },
  { kind: 'int32-max+1', value: 2 ** 31 },
  { kind: 'int32-min-1', value: -(2 ** 31) - 1 },
  { kind: 'unsafe-int', value: 2 ** 53 + 2 },
  { kind: 'huge-float', value: 1e308 },
  { kind: 'fraction', value: 1.5 },
  { kind: 'numeric-string', value: '1' },
  { kind: 'null', value: null },
];

export const BOOLEANS: readonly Hostile[] = [
  { kind: 'string-true', value: 'true' },
  { kind: 'number', value: 1 },
  { kind: 'null', value: null },
];

export const ENUMS: readonly Hostile[] = [
  { kind: 'unknown-enum', value: 'NOT_A_VALUE' },
  { kind: 'empty', value: '' },
  { kind: 'nul-enum', value: 'A\u0000' },
  { kind: 'null', value: null },
];

export const CONTAINERS: readonly Hostile[] = [
  { kind: 'null', value: null },
  { kind: 'empty-object', value: {} },
  { kind: 'empty-array', value: [] },
  { kind: 'string-instead', value: 'x' },
  { kind: 'deep-object', value: deepObject(200) },
  { kind: 'long-array', value: Array.from({ length: 2_000 }, (_, i) => `item-${i}`) },
];

/** Random well-formed and ill-formed Unicode from fast-check, reproducible from the seed. */
export function randomStrings(seed: number, count: number): Hostile[] {
  const arbitrary = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.string({ unit: 'grapheme', maxLength: 32 }),
    fc.string({ maxLength: 16 }).map((s) => s + String.fromCharCode(0xd800 + (s.length % 0x800))),
  );
  return fc.sample(arbitrary, { seed, numRuns: count }).map((value) => ({ kind: 'fast-check-string', value }));
}

// ----------------------------------------------------------------------------------------------
// GraphQL

export type PathSegment = string | number;

export interface Leaf {
  readonly path: readonly PathSegment[];
  /** What kind of value sits there, to choose hostile classes. */
  readonly kind: 'string' | 'json' | 'number' | 'boolean' | 'enum' | 'container';
  readonly name: string;
}

/** Context that makes base values reach further (real ids of the fuzz user's own rows). */
export interface BaseHints {
  readonly idFor: (name: string) => string;
}

function namedLeafKind(type: GraphQLScalarType | GraphQLEnumType): Leaf['kind'] {
  if (type instanceof GraphQLEnumType) return 'enum';
  if (type.name === 'AWSJSON') return 'json';
  if (type.name === 'Int' || type.name === 'Float' || type.name === 'AWSTimestamp') return 'number';
  if (type.name === 'Boolean') return 'boolean';
  return 'string';
}

function scalarBase(type: GraphQLScalarType, name: string, hints: BaseHints): unknown {
  switch (type.name) {
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'ID':
      return hints.idFor(name);
    case 'AWSDateTime':
      return '2026-06-01T10:00:00Z';
    case 'AWSDate':
      return '2026-06-01';
    case 'AWSTime':
      return '10:00';
    case 'AWSTimestamp':
      return 1_780_000_000;
    case 'AWSEmail':
      return 'fuzz@example.test';
    case 'AWSJSON':
      return JSON.stringify({ mon: ['09:00-17:00'] });
    case 'AWSURL':
      return 'https://example.test/portfolio';
    case 'AWSPhone':
      return '+12125550123';
    case 'AWSIPAddress':
      return '192.0.2.1';
    default:
      return /id$/i.test(name) ? hints.idFor(name) : 'fuzz text';
  }
}

/** Passed as the value to graphqlWith / jsonSchemaWith: keep (or create) the base value there. */
export const KEEP_BASE = Symbol('keep-base');

/**
 * A plausible value for an input type: required fields only, so the rest of an input is valid and a
 * hostile value in one field gets as far as the code can take it (an otherwise-invalid input would
 * be refused for the wrong reason). Optional fields are added one at a time by `graphqlWith`.
 */
export function graphqlBase(type: GraphQLInputType, name: string, hints: BaseHints, depth = 0): unknown {
  if (type instanceof GraphQLNonNull) return graphqlBase(type.ofType, name, hints, depth);
  if (type instanceof GraphQLList) return [graphqlBase(type.ofType, name, hints, depth + 1)];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]?.value ?? null;
  if (type instanceof GraphQLScalarType) return scalarBase(type, name, hints);
  if (type instanceof GraphQLInputObjectType) {
    if (depth > 6) return {};
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => field.type instanceof GraphQLNonNull)
        .map((field) => [field.name, graphqlBase(field.type, field.name, hints, depth + 1)]),
    );
  }
  return null;
}

/**
 * `base` (a value of `type`) with `value` at `path`; containers missing on the way are created
 * with their required fields (graphqlBase), so only the one position is out of the ordinary.
 */
export function graphqlWith(
  type: GraphQLInputType,
  base: unknown,
  path: readonly PathSegment[],
  value: unknown,
  hints: BaseHints,
  name = '',
): unknown {
  if (!path.length) return value === KEEP_BASE ? base : value;
  if (type instanceof GraphQLNonNull) return graphqlWith(type.ofType, base, path, value, hints, name);
  const [head, ...rest] = path;
  if (type instanceof GraphQLList) {
    const item = type.ofType;
    const list = Array.isArray(base) ? [...(base as unknown[])] : [];
    const index = head as number;
    list[index] = graphqlWith(item, list[index] ?? graphqlBase(item, name, hints), rest, value, hints, name);
    return list;
  }
  if (type instanceof GraphQLInputObjectType) {
    const field = type.getFields()[head as string];
    if (!field) return base;
    const object = base && typeof base === 'object' ? { ...(base as Record<string, unknown>) } : {};
    const current = object[field.name] ?? graphqlBase(field.type, field.name, hints);
    object[field.name] = graphqlWith(field.type, current, rest, value, hints, field.name);
    return object;
  }
  return value;
}

/** Every position a hostile value can go: each scalar/enum leaf and each list/object container. */
export function graphqlLeaves(type: GraphQLInputType, path: PathSegment[], name: string, depth = 0): Leaf[] {
  if (type instanceof GraphQLNonNull) return graphqlLeaves(type.ofType, path, name, depth);
  if (type instanceof GraphQLList)
    return [{ path, kind: 'container', name }, ...graphqlLeaves(type.ofType, [...path, 0], name, depth + 1)];
  if (type instanceof GraphQLEnumType || type instanceof GraphQLScalarType)
    return [{ path, kind: namedLeafKind(type), name }];
  if (type instanceof GraphQLInputObjectType) {
    if (depth > 6) return [];
    return [
      { path, kind: 'container', name },
      ...Object.values(type.getFields()).flatMap((field) =>
        graphqlLeaves(field.type, [...path, field.name], field.name, depth + 1),
      ),
    ];
  }
  return [];
}

// ----------------------------------------------------------------------------------------------
// REST (JSON Schema from zod)

export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly default?: unknown;
}

function firstType(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return (schema.type as string[]).find((t) => t !== 'null');
  return schema.type as string | undefined;
}

/** The base email; each request gets its own in its place (per-address limits would answer the rest 429). */
export const FUZZ_EMAIL = 'fuzz-base@example.test';

export function jsonSchemaBase(schema: JsonSchema, name: string, hints: BaseHints, depth = 0): unknown {
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (variant && !schema.type) return jsonSchemaBase(variant, name, hints, depth);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  switch (firstType(schema)) {
    case 'object':
      if (depth > 6) return {};
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([key]) => schema.required?.includes(key))
          .map(([key, child]) => [key, jsonSchemaBase(child, key, hints, depth + 1)]),
      );
    case 'array':
      return schema.items ? [jsonSchemaBase(schema.items, name, hints, depth + 1)] : [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string': {
      if (schema.format === 'email') return FUZZ_EMAIL;
      if (/id$/i.test(name)) return hints.idFor(name);
      const text = /password/i.test(name) ? 'Velvet-Quartz-9271-Harbor!' : 'fuzz-text-value';
      return text.padEnd(schema.minLength ?? 0, 'x');
    }
    default:
      return 'fuzz';
  }
}

/** As graphqlWith, for a JSON Schema: missing containers on the way get their required fields. */
export function jsonSchemaWith(
  schema: JsonSchema,
  base: unknown,
  path: readonly PathSegment[],
  value: unknown,
  hints: BaseHints,
  name = '',
): unknown {
  if (!path.length) return value === KEEP_BASE ? base : value;
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (variant && !schema.type) return jsonSchemaWith(variant, base, path, value, hints, name);
  const [head, ...rest] = path;
  if (firstType(schema) === 'array' && schema.items) {
    const list = Array.isArray(base) ? [...(base as unknown[])] : [];
    const index = head as number;
    list[index] = jsonSchemaWith(
      schema.items,
      list[index] ?? jsonSchemaBase(schema.items, name, hints),
      rest,
      value,
      hints,
      name,
    );
    return list;
  }
  const child = schema.properties?.[head as string] ?? {};
  const object = base && typeof base === 'object' ? { ...(base as Record<string, unknown>) } : {};
  const current = object[head as string] ?? jsonSchemaBase(child, String(head), hints);
  object[head as string] = jsonSchemaWith(child, current, rest, value, hints, String(head));
  return object;
}

export function jsonSchemaLeaves(schema: JsonSchema, path: PathSegment[], name: string, depth = 0): Leaf[] {
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (variant && !schema.type) return jsonSchemaLeaves(variant, path, name, depth);
  if (schema.enum?.length) return [{ path, kind: 'enum', name }];
  switch (firstType(schema)) {
    case 'object':
      if (depth > 6) return [];
      return [
        ...(path.length ? [{ path, kind: 'container' as const, name }] : []),
        ...Object.entries(schema.properties ?? {}).flatMap(([key, child]) =>
          jsonSchemaLeaves(child, [...path, key], key, depth + 1),
        ),
      ];
    case 'array':
      return [
        { path, kind: 'container', name },
        ...(schema.items ? jsonSchemaLeaves(schema.items, [...path, 0], name, depth + 1) : []),
      ];
    case 'integer':
    case 'number':
      return [{ path, kind: 'number', name }];
    case 'boolean':
      return [{ path, kind: 'boolean', name }];
    default:
      return [{ path, kind: 'string', name }];
  }
}

// ----------------------------------------------------------------------------------------------

/** The hostile values for one leaf: every critical class for its kind plus `extra` sampled ones. */
export function hostileFor(
  leaf: Leaf,
  random: () => number,
  extra: number,
  randomPool: readonly Hostile[],
  baseValue?: unknown,
): Hostile[] {
  switch (leaf.kind) {
    case 'string': {
      // The critical classes inside a value that is otherwise valid (length limits, formats such as
      // a 20+ character token), so they get past every other check; the bare forms are sampled too.
      const critical =
        typeof baseValue === 'string' && baseValue.length > 1
          ? CRITICAL_STRINGS.map((hostile) => {
              const middle = Math.floor(baseValue.length / 2);
              const inner = hostile.kind === 'nul' ? '\u0000' : '\ud800';
              return { kind: hostile.kind, value: baseValue.slice(0, middle) + inner + baseValue.slice(middle + 1) };
            })
          : CRITICAL_STRINGS;
      return [
        ...critical,
        ...pick(
          random,
          [
            ...CRITICAL_STRINGS.map((h) => ({ ...h, kind: `${h.kind}-bare` })),
            ...OTHER_STRINGS,
            ...pick(random, randomPool, 2),
          ],
          extra,
        ),
      ];
    }
    case 'json':
      return [...CRITICAL_JSON, ...pick(random, [...OTHER_STRINGS, ...OTHER_JSON], extra)];
    case 'number':
      return pick(random, NUMBERS, extra + 1);
    case 'boolean':
      return pick(random, BOOLEANS, Math.min(extra, 2));
    case 'enum':
      return pick(random, ENUMS, Math.min(extra, 2));
    case 'container':
      return pick(random, CONTAINERS, Math.min(extra, 2));
  }
}

/** The value at `path` in `value`, if any. */
export function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** Short printable form of a value for failure reports. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 160 ? `${text.slice(0, 150)}… (${text.length} chars)` : text;
}
