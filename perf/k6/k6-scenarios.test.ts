/**
 * k6 cannot run on these machines, so the scenarios are checked here: each file parses as an ES
 * module, loads with stand-ins for the `k6/*` modules and its -e variables, exports a default
 * function and declares scenarios and thresholds — the p95 budget of its surface from budgets.js and
 * the error-rate budget. The GraphQL documents they send validate against the project's schema.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildGatewaySchema } from '../../infra/local/gateway/graphql-gateway.ts';
import { ERROR_RATE_BUDGET, SURFACES } from './budgets.js';
import * as queries from './queries.js';

const dir = dirname(fileURLToPath(import.meta.url));
const modules = new Set(['budgets.js', 'common.js', 'queries.js']);
const scenarioFiles = readdirSync(dir).filter((name) => name.endsWith('.js') && !modules.has(name));

/** What k6 provides at run time, reduced to what loading a scenario's init code needs. */
const k6Stubs: Record<string, string> = {
  k6: 'export const check = () => true; export const fail = (m) => { throw new Error(m); }; export const sleep = () => {};',
  'k6/http': 'export default { get() {}, post() {} };',
  'k6/encoding': 'export default { b64encode: (s) => s };',
  'k6/metrics': 'export class Trend {} export class Rate {}',
};

async function loadScenario(file: string): Promise<Record<string, unknown>> {
  const bundled = await build({
    entryPoints: [join(dir, file)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'silent',
    plugins: [
      {
        name: 'k6-stubs',
        setup(b) {
          b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'k6' }));
          b.onLoad({ filter: /.*/, namespace: 'k6' }, (args) => ({ contents: k6Stubs[args.path]!, loader: 'js' }));
        },
      },
    ],
  });
  const env = {
    BASE_URL: 'https://api.example.test',
    API_KEY: 'da2-test',
    HOT_SLUG: 'hot',
    EMAIL: 'load@example.test',
    PASSWORD: 'pw',
    PROFILE_ID: 'prf_x',
    PACKAGE_NAME: 'Headshots',
    PARTNER_CLIENT_ID: 'pcl_x',
    PARTNER_CLIENT_SECRET: 's',
    GRAPHQL_URL: 'https://appsync.example.test/graphql',
    CITY: 'us-nyc',
    ACCOUNTS_FILE: 'accounts.json',
  };
  const globals = globalThis as Record<string, unknown>;
  globals.__ENV = env;
  globals.open = () => '[{"email":"a@example.test","password":"pw"}]';
  try {
    const source = bundled.outputFiles[0]!.text;
    return (await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`)) as Record<
      string,
      unknown
    >;
  } finally {
    delete globals.__ENV;
    delete globals.open;
  }
}

describe('k6 scenarios (perf/k6)', () => {
  it('covers every surface of the budget table', () => {
    const declared = scenarioFiles.map((file) => file.replace(/\.js$/, ''));
    for (const surface of Object.keys(SURFACES)) expect(declared).toContain(surface);
  });

  it.each(scenarioFiles)('%s parses, loads and declares thresholds', async (file) => {
    const scenario = await loadScenario(file);
    expect(typeof scenario.default).toBe('function');
    const options = scenario.options as { thresholds?: Record<string, string[]>; scenarios?: object };
    expect(Object.keys(options.scenarios ?? {}).length).toBeGreaterThan(0);
    const thresholds = options.thresholds ?? {};
    const durations = Object.entries(thresholds).filter(([metric]) => metric.startsWith('http_req_duration'));
    expect(durations.length).toBeGreaterThan(0);
    for (const [, rules] of durations) for (const rule of rules) expect(rule).toMatch(/^(p\(\d+\)|med|avg)<\d+$/);
    const surface = file.replace(/\.js$/, '');
    if (surface in SURFACES) {
      const budget = SURFACES[surface as keyof typeof SURFACES].budget;
      expect(durations.flatMap(([, rules]) => rules)).toContain(`p(95)<${budget.p95Ms}`);
      expect(thresholds.http_req_failed).toEqual([`rate<${ERROR_RATE_BUDGET}`]);
    }
  });

  it('sends GraphQL documents the schema accepts', () => {
    const schema = buildGatewaySchema();
    for (const [name, document] of Object.entries(queries))
      expect(
        validate(schema, parse(document)).map((error) => error.message),
        name,
      ).toEqual([]);
  });
});
