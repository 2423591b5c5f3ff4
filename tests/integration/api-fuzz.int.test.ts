/**
 * Schema-driven fuzz of the whole API (issue 9, "Bad input must never be an internal error"):
 * every GraphQL root field of the merged schema and every REST route the domain Lambdas declare,
 * each argument / body field / query parameter / path parameter given hostile values of classes
 * chosen for its type (NUL, lone surrogates, huge and odd strings, deep and malformed AWSJSON,
 * wrong types, out-of-range numbers, odd ids, empty values, unicode), in both auth modes (API key
 * or anonymous, and a signed-in user's OIDC token). Nothing may answer INTERNAL /
 * Lambda:Unhandled / HTTP 5xx, and nothing may hang.
 *
 * Fields and routes are read from the schema and the routers, so a new domain is covered as it
 * lands. Seeded: a failure prints its seed; `FUZZ_SEED=<seed>` replays the same requests.
 * `FUZZ_EXTRA=<n>` samples more hostile values per position (default 1; the critical classes are
 * always sent).
 */
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getNamedType, isCompositeType, type GraphQLField, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import * as z from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { domains, restRoutes } from '../../infra/definitions/domains.ts';
import { buildGatewaySchema } from '../../infra/local/gateway/graphql-gateway.ts';
import type { RouteDefinition } from '../../lambdas/core/route-router.ts';
import { DEVICE_COOKIE, REFRESH_COOKIE } from '../../lambdas/auth/auth.handler.ts';
import { gql, registeredUser } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';
import {
  CRITICAL_STRINGS,
  FUZZ_EMAIL,
  KEEP_BASE,
  OTHER_STRINGS,
  describeValue,
  graphqlBase,
  graphqlLeaves,
  graphqlWith,
  hostileFor,
  jsonSchemaBase,
  jsonSchemaLeaves,
  jsonSchemaWith,
  pick,
  randomStrings,
  seededRandom,
  valueAt,
  type BaseHints,
  type Hostile,
  type JsonSchema,
  type Leaf,
} from '../support/fuzz.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const EXTRA = Number(process.env.FUZZ_EXTRA ?? 1);
const CONCURRENCY = 6;
const REQUEST_TIMEOUT_MS = 20_000;
const REPLAY = `FUZZ_SEED=${SEED} FUZZ_EXTRA=${EXTRA} npx vitest run --project integration tests/integration/api-fuzz.int.test.ts`;

/** What a caller may never see: an internal error in any of the forms the stack can answer one. */
const INTERNAL_ERROR_TYPES = new Set(['INTERNAL_ERROR', 'Lambda:Unhandled', 'InternalFailure', 'InternalError']);

interface Probe {
  /** `Mutation.saveProfileDraft [oidc] input.patch.links.0.label <- nul` */
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly graphql: boolean;
  /** For the version-conflict retry: the variables, when this is a GraphQL probe. */
  readonly variables?: Record<string, unknown>;
  readonly query?: string;
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

interface Finding {
  readonly label: string;
  readonly problem: string;
  readonly request: string;
}

function send(probe: Probe, ip: string): Promise<Answer> {
  const url = new URL(probe.path, stackInfo().endpoints.restUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: probe.method,
        localAddress: ip,
        agent: false,
        // Node's client frames a body with neither content-length nor chunked encoding for DELETE (and
        // GET/HEAD/OPTIONS): the gateway then reads a bodiless request followed by 2 MB of garbage, answers
        // 400 and closes, and the client sees a reset. Every client that means to send a body declares it.
        headers:
          probe.body === undefined
            ? probe.headers
            : { 'content-length': String(Buffer.byteLength(probe.body)), ...probe.headers },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(probe.body);
  });
}

/** Why an answer is an internal error, or undefined when it is an ordinary (refused or successful) answer. */
function internalProblem(answer: Answer, graphql: boolean): string | undefined {
  if (answer.status >= 500) return `HTTP ${answer.status}: ${answer.text.slice(0, 300)}`;
  let body: any;
  try {
    body = answer.text ? JSON.parse(answer.text) : undefined;
  } catch {
    return graphql ? `answer is not JSON: ${answer.text.slice(0, 200)}` : undefined;
  }
  if (graphql) {
    const errors = (body?.errors ?? []) as { errorType?: string; message?: string }[];
    const internal = errors.find(
      (error) => INTERNAL_ERROR_TYPES.has(error.errorType ?? '') || error.message === 'Internal error',
    );
    if (internal) return `GraphQL ${internal.errorType}: ${internal.message}`;
  } else if (body?.error?.code === 'INTERNAL') return `REST INTERNAL: ${answer.text.slice(0, 300)}`;
  return undefined;
}

/** A stale `expectedVersion` stops a draft save before it writes: retry once with the version the error names. */
function withCurrentVersion(probe: Probe, answer: Answer): Probe | undefined {
  if (!probe.graphql || !probe.variables || !probe.query) return undefined;
  let current: unknown;
  try {
    current = (JSON.parse(answer.text) as { errors?: { errorInfo?: { currentVersion?: unknown } }[] }).errors?.[0]
      ?.errorInfo?.currentVersion;
  } catch {
    return undefined;
  }
  if (typeof current !== 'number') return undefined;
  const text = JSON.stringify(probe.variables);
  if (!text.includes('"expectedVersion"')) return undefined;
  const variables = JSON.parse(text.replace(/"expectedVersion":\d+/g, `"expectedVersion":${current}`)) as Record<
    string,
    unknown
  >;
  return { ...probe, variables, body: JSON.stringify({ query: probe.query, variables }) };
}

// ---------------------------------------------------------------------------------------------

interface Users {
  provider: { accessToken: string; profileId: string };
  host: { accessToken: string; studioId: string };
}

function hintsFor(name: string, users: Users): BaseHints {
  const studio = /studio/i.test(name);
  return {
    idFor: (argName) =>
      /studio/i.test(argName) || (studio && !/profile/i.test(argName))
        ? users.host.studioId
        : /media/i.test(argName)
          ? 'med_01JZZZZZZZZZZZZZZZZZZZZZZZ'
          : users.provider.profileId,
  };
}

function apiKeyReaches(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>): boolean {
  const directives = [...(field.astNode?.directives ?? []), ...(type.astNode?.directives ?? [])];
  return directives.some((directive) => directive.name.value === 'aws_api_key');
}

function graphqlProbes(schema: GraphQLSchema, users: Users, random: () => number, randomPool: Hostile[]): Probe[] {
  const probes: Probe[] = [];
  const graphqlPath = new URL(stackInfo().endpoints.graphqlUrl).pathname;
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const returns = getNamedType(field.type);
      const selection = isCompositeType(returns) ? ' { __typename }' : '';
      const variableNames = field.args.map((_, index) => `v${index}`);
      const declarations = field.args.length
        ? `(${field.args.map((arg, index) => `$${variableNames[index]}: ${String(arg.type)}`).join(', ')})`
        : '';
      const call = field.args.length
        ? `(${field.args.map((arg, index) => `${arg.name}: $${variableNames[index]}`).join(', ')})`
        : '';
      const query = `${root.name === 'Query' ? 'query' : 'mutation'} Fuzz${declarations} { ${field.name}${call}${selection} }`;
      const hints = hintsFor(field.name, users);
      const base: Record<string, unknown> = Object.fromEntries(
        field.args.map((arg, index) => [variableNames[index], graphqlBase(arg.type, arg.name, hints)]),
      );
      const leaves: Leaf[] = field.args.flatMap((arg, index) =>
        graphqlLeaves(arg.type, [variableNames[index]!], arg.name),
      );
      for (const mode of ['apiKey', 'oidc'] as const) {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          ...(mode === 'apiKey'
            ? { 'x-api-key': stackInfo().endpoints.apiKey }
            : {
                authorization: `Bearer ${/studio/i.test(field.name) ? users.host.accessToken : users.provider.accessToken}`,
              }),
        };
        const reachable = mode === 'oidc' || apiKeyReaches(root, field);
        const add = (label: string, variables: Record<string, unknown>) =>
          probes.push({
            label: `${root.name}.${field.name} [${mode}] ${label}`,
            method: 'POST',
            path: graphqlPath,
            headers,
            body: JSON.stringify({ query, variables }),
            graphql: true,
            variables,
            query,
          });
        add('base', base);
        for (const leaf of leaves) {
          // A field the API key cannot reach is refused by the gateway before any resolver: one probe per position.
          const argIndex = Number(String(leaf.path[0]).slice(1));
          const arg = field.args[argIndex]!;
          const baseValue = valueAt(
            graphqlWith(arg.type, base[leaf.path[0]!], leaf.path.slice(1), KEEP_BASE, hints),
            leaf.path.slice(1),
          );
          const hostile = reachable
            ? hostileFor(leaf, random, EXTRA, randomPool, baseValue)
            : hostileFor(leaf, random, 0, [], baseValue).slice(0, 1);
          for (const value of hostile)
            add(`${[arg.name, ...leaf.path.slice(1)].join('.')} <- ${value.kind}`, {
              ...base,
              [leaf.path[0]!]: graphqlWith(
                arg.type,
                base[leaf.path[0]!],
                leaf.path.slice(1),
                value.value,
                hints,
                arg.name,
              ),
            });
        }
      }
    }
  }
  return probes;
}

function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/**
 * A value as a client would put it in a URL: UTF-8 percent-encoded; a lone surrogate (which has no
 * UTF-8) as the three bytes a careless encoder writes for it (CESU-8), e.g. %ED%A0%80.
 */
function encodeSegment(value: unknown): string {
  // URLs are bounded before any Lambda (Node's 16 KB header limit here, API Gateway's own in AWS):
  // a longer one is a 414/431 or a reset from the HTTP layer, so URL-borne values stay below it.
  const full = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  const text = full.length > 2_000 ? full.slice(0, 2_000) : full;
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      const hex = (byte: number) => `%${byte.toString(16).toUpperCase()}`;
      out += hex(0xed) + hex(0xa0 | ((code >> 6) & 0x1f)) + hex(0x80 | (code & 0x3f));
    } else out += encodeURIComponent(char);
  }
  return out;
}

function queryString(query: Record<string, unknown>): string {
  const parts = Object.entries(query)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(
      ([key, value]) =>
        `${encodeURIComponent(key)}=${encodeSegment(typeof value === 'string' ? value : JSON.stringify(value))}`,
    );
  return parts.length ? `?${parts.join('&')}` : '';
}

function restProbes(
  routes: readonly RouteDefinition[],
  users: Users,
  random: () => number,
  randomPool: Hostile[],
): Probe[] {
  const probes: Probe[] = [];
  for (const route of routes) {
    const hints = hintsFor(route.path, users);
    const bodySchema = route.body ? toJsonSchema(route.body) : undefined;
    const querySchema = route.query ? toJsonSchema(route.query) : undefined;
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    const baseBody = bodySchema ? (jsonSchemaBase(bodySchema, 'body', hints) as Record<string, unknown>) : undefined;
    const baseQuery = querySchema ? (jsonSchemaBase(querySchema, 'query', hints) as Record<string, unknown>) : {};
    const baseParams = Object.fromEntries(params.map((name) => [name, 'fuzz']));
    for (const mode of ['anonymous', 'oidc'] as const) {
      const auth: Record<string, string> =
        mode === 'oidc' ? { authorization: `Bearer ${users.provider.accessToken}` } : {};
      const add = (
        label: string,
        parts: {
          body?: unknown;
          rawBody?: string;
          contentType?: string;
          query?: Record<string, unknown>;
          params?: Record<string, unknown>;
          cookie?: string;
        },
      ) => {
        const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
          encodeSegment((parts.params ?? baseParams)[name]),
        );
        const body =
          parts.rawBody ??
          (route.body || route.method !== 'GET' ? JSON.stringify(parts.body ?? baseBody ?? {}) : undefined);
        const uniqueEmail = `fuzz-${SEED}-${probes.length}@example.test`;
        probes.push({
          label: `${route.method} ${route.path} [${mode}] ${label}`,
          method: route.method,
          path: path + queryString(parts.query ?? baseQuery),
          headers: {
            ...auth,
            ...(body !== undefined ? { 'content-type': parts.contentType ?? 'application/json' } : {}),
            ...(parts.cookie ? { cookie: parts.cookie } : {}),
          },
          ...(body !== undefined && route.method !== 'GET' ? { body: body.replaceAll(FUZZ_EMAIL, uniqueEmail) } : {}),
          graphql: false,
        });
      };
      add('base', {});
      if (bodySchema)
        for (const leaf of jsonSchemaLeaves(bodySchema, [], 'body'))
          for (const value of hostileFor(
            leaf,
            random,
            EXTRA,
            randomPool,
            valueAt(jsonSchemaWith(bodySchema, baseBody, leaf.path, KEEP_BASE, hints), leaf.path),
          ))
            add(`body.${leaf.path.join('.')} <- ${value.kind}`, {
              body: jsonSchemaWith(bodySchema, baseBody, leaf.path, value.value, hints),
            });
      if (querySchema)
        for (const leaf of jsonSchemaLeaves(querySchema, [], 'query'))
          for (const value of hostileFor(
            { ...leaf, kind: 'string' },
            random,
            EXTRA,
            randomPool,
            valueAt(jsonSchemaWith(querySchema, baseQuery, leaf.path, KEEP_BASE, hints), leaf.path),
          ))
            add(`query.${leaf.path.join('.')} <- ${value.kind}`, {
              query: jsonSchemaWith(querySchema, baseQuery, leaf.path, value.value, hints) as Record<string, unknown>,
            });
      for (const name of params)
        for (const value of [...CRITICAL_STRINGS, ...pick(random, OTHER_STRINGS, EXTRA)])
          add(`path.${name} <- ${value.kind}`, { params: { ...baseParams, [name]: value.value } });
      if (route.method !== 'GET') {
        const whole: [string, { rawBody: string; contentType?: string }][] = [
          ['body <- not-json', { rawBody: '{"email": "a@b.test",' }],
          ['body <- json-array', { rawBody: '[]' }],
          ['body <- json-null', { rawBody: 'null' }],
          ['body <- deep-json-6000', { rawBody: '['.repeat(6_000) + ']'.repeat(6_000) }],
          ['body <- deep-object-6000', { rawBody: '{"a":'.repeat(6_000) + '1' + '}'.repeat(6_000) }],
          [
            'body <- form-with-nul',
            { rawBody: 'email=a%00b%40c.test&password=x%ED%A0%80', contentType: 'application/x-www-form-urlencoded' },
          ],
          ['body <- text-plain', { rawBody: 'hello', contentType: 'text/plain' }],
          ['body <- huge', { rawBody: JSON.stringify({ email: 'x'.repeat(2_000_000) }) }],
          ['body <- empty', { rawBody: '' }],
        ];
        for (const [label, parts] of pick(random, whole, 3 + EXTRA)) add(label, parts);
        for (const value of pick(
          random,
          [
            ...CRITICAL_STRINGS,
            { kind: 'percent-nul', value: '%00' },
            { kind: 'percent-surrogate', value: '%ED%A0%80' },
          ],
          2,
        ))
          add(`cookies <- ${value.kind}`, {
            cookie: `${REFRESH_COOKIE}=${encodeSegment(value.value)}; ${DEVICE_COOKIE}=${encodeSegment(value.value)}`,
          });
      }
    }
  }
  return probes;
}

/**
 * Local-only developer routes with parameters: the scheduled-job trigger takes a time. Only values
 * it must refuse: a valid (or empty) one would run the real job and send mail to other test files' users.
 */
function devProbes(): Probe[] {
  const values = [
    ...CRITICAL_STRINGS,
    ...OTHER_STRINGS.filter((hostile) => ['blank', 'huge', 'sql', 'odd-id'].includes(hostile.kind)),
    { kind: 'not-a-date', value: 'not-a-date' },
    { kind: 'invalid-date', value: '2026-13-45T99:99:99Z' },
  ];
  return [
    ...values.map((value) => ({ job: 'profile-nudges', value })),
    // Not a missing or empty `now` for these: that would run the job for real, under its own test file's
    // feet (data-retention.int.test.ts; the S3 lifecycle sweep; dmca.int.test.ts's cases restored).
    ...['data-retention', 's3-lifecycle', 'dmca-restore'].flatMap((job) =>
      values
        .filter((value) => value.value !== '' && value.value !== null && value.value !== undefined)
        .map((value) => ({ job, value })),
    ),
  ].map(({ job, value }) => ({
    label: `GET /dev/jobs/${job} ?now <- ${value.kind}`,
    method: 'GET',
    path: `/dev/jobs/${job}${queryString({ now: value.value })}`,
    headers: {},
    graphql: false,
  }));
}

async function loadRoutes(): Promise<RouteDefinition[]> {
  const restDomains = [...new Set(restRoutes.map((entry) => entry.domain))];
  const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const modules = await Promise.all(
    restDomains.map(
      async (domain) =>
        (await import(pathToFileURL(join(rootDir, domains[domain].entry)).href)) as {
          handler: { routes?: readonly RouteDefinition[] };
        },
    ),
  );
  return modules.flatMap((module) => [...(module.handler.routes ?? [])]);
}

interface RunStats {
  /** Answers by HTTP status and GraphQL errorType / REST error code, to see how deep the probes went. */
  readonly outcomes: Map<string, number>;
  readonly slowest: { label: string; ms: number }[];
}

function outcomeOf(answer: Answer, graphql: boolean): string {
  try {
    const body = JSON.parse(answer.text);
    if (graphql) return `${answer.status} ${body?.errors?.[0]?.errorType ?? (body?.errors ? 'validation' : 'data')}`;
    return `${answer.status} ${body?.error?.code ?? ''}`.trim();
  } catch {
    return `${answer.status}`;
  }
}

async function runAll(probes: Probe[], random: () => number, stats: RunStats): Promise<Finding[]> {
  const findings: Finding[] = [];
  const ips = probes.map(
    () => `127.${1 + Math.floor(random() * 250)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 250)}`,
  );
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= probes.length) return;
      let probe = probes[index]!;
      const record = (problem: string) =>
        findings.push({
          label: probe.label,
          problem,
          request: `${probe.method} ${describeValue(probe.path)} ${describeValue(probe.body ?? '')}`,
        });
      try {
        const began = Date.now();
        let answer = await send(probe, ips[index]!);
        const retry = withCurrentVersion(probe, answer);
        if (retry) {
          probe = retry;
          answer = await send(probe, ips[index]!);
        }
        const outcome = outcomeOf(answer, probe.graphql);
        stats.outcomes.set(outcome, (stats.outcomes.get(outcome) ?? 0) + 1);
        stats.slowest.push({ label: probe.label, ms: Date.now() - began });
        const problem = internalProblem(answer, probe.graphql);
        if (problem) record(problem);
      } catch (error) {
        record(
          error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
            ? `no answer within ${REQUEST_TIMEOUT_MS} ms (hang)`
            : `request failed: ${String(error)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return findings;
}

describe('API fuzz: no input to any field or route is an internal error', () => {
  let users: Users;

  beforeAll(async () => {
    const provider = await registeredUser({ role: 'provider' });
    const host = await registeredUser({ role: 'host' });
    const profile = await gql(
      provider.accessToken,
      'mutation { createServiceProfile(input: { role: PHOTOGRAPHER, displayName: "Fuzz Target" }) { id } }',
    );
    const studio = await gql(
      host.accessToken,
      `mutation { createStudio(input: { name: "Fuzz Studio", slug: "fuzz-studio-${Date.now()}" }) { id } }`,
    );
    users = {
      provider: { accessToken: provider.accessToken, profileId: profile.body.data.createServiceProfile.id as string },
      host: { accessToken: host.accessToken, studioId: studio.body.data.createStudio.id as string },
    };
  }, 60_000);

  it(`every GraphQL field and REST route, both auth modes (seed ${SEED})`, async () => {
    const started = Date.now();
    const random = seededRandom(SEED);
    const randomPool = randomStrings(SEED, 16);
    const schema = buildGatewaySchema();
    const routes = await loadRoutes();
    const probes = [
      ...graphqlProbes(schema, users, random, randomPool),
      ...restProbes(routes, users, random, randomPool),
      ...devProbes(),
    ];
    const fields = [schema.getQueryType(), schema.getMutationType()].flatMap((root) =>
      root ? Object.keys(root.getFields()).map((name) => `${root.name}.${name}`) : [],
    );
    // Coverage is part of the claim: every field and route has at least one probe in each mode.
    for (const name of fields)
      for (const mode of ['apiKey', 'oidc'])
        expect(
          probes.some((probe) => probe.label.startsWith(`${name} [${mode}]`)),
          `${name} ${mode}`,
        ).toBe(true);
    for (const route of routes)
      expect(probes.some((probe) => probe.label.startsWith(`${route.method} ${route.path} [`))).toBe(true);

    const stats: RunStats = { outcomes: new Map(), slowest: [] };
    const findings = await runAll(probes, random, stats);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const byTarget = new Map<string, number>();
    for (const entry of stats.slowest) {
      const target = entry.label.split(' [')[0]!;
      byTarget.set(target, (byTarget.get(target) ?? 0) + entry.ms);
    }
    const costliest = [...byTarget].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const slowest = stats.slowest.sort((a, b) => b.ms - a.ms).slice(0, 5);
    console.info(
      [
        `api fuzz: seed ${SEED}, ${probes.length} requests over ${fields.length} fields and ${routes.length} routes in ${seconds} s, ${findings.length} internal errors`,
        `  answers: ${[...stats.outcomes]
          .sort((a, b) => b[1] - a[1])
          .map(([outcome, count]) => `${outcome} ×${count}`)
          .join(', ')}`,
        `  most time (summed): ${costliest.map(([target, ms]) => `${target} ${(ms / 1000).toFixed(1)} s`).join('; ')}`,
        `  slowest: ${slowest.map((entry) => `${entry.label} ${entry.ms} ms`).join('; ')}`,
      ].join('\n'),
    );
    const distinct = new Map(findings.map((finding) => [`${finding.label} ${finding.problem.slice(0, 60)}`, finding]));
    expect(
      findings,
      [
        `${findings.length} answers were internal errors (${distinct.size} distinct). Replay: ${REPLAY}`,
        ...[...distinct.values()]
          .slice(0, 30)
          .map((finding) => `- ${finding.label}: ${finding.problem}\n    ${finding.request}`),
      ].join('\n'),
    ).toEqual([]);
    // Still alive after all of it.
    expect((await fetch(new URL('/health', stackInfo().endpoints.restUrl))).status).toBe(200);
  }, 240_000);
});
