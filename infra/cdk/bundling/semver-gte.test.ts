import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  nativeModulesImportedBy,
  repositoryRoot,
  semverStandInImporters,
} from '../constructs/rastup-function.construct.ts';

type Gte = (a: unknown, b: unknown, options?: unknown) => boolean;
const require = createRequire(import.meta.url);
const standIn = require('./semver-gte.cjs') as { gte: Gte };
// The real package (semver 7, the one npm hoists), the reference the stand-in must agree with.
const semver = require('semver') as { gte: Gte; SEMVER_SPEC_VERSION: string };

/** Runs a call and reports its result or that it threw (both implementations throw TypeError). */
function outcome(call: () => boolean): boolean | 'throws' {
  try {
    return call();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return 'throws';
  }
}

const valid = (() => {
  const mains = [
    '0.0.0',
    '0.0.1',
    '0.1.0',
    '1.0.0',
    '1.2.3',
    '1.10.0',
    '2.0.0',
    '8.0.0',
    '22.11.0',
    '2.1692.0',
    '10.0.10',
  ];
  const prereleases = [
    '',
    '-0',
    '-1',
    '-2',
    '-10',
    '-alpha',
    '-alpha.1',
    '-alpha.beta',
    '-alpha.10',
    '-alpha.2',
    '-beta',
    '-beta.11',
    '-rc.1',
    '-0a',
    '-a-b',
    '-x.7.z.92',
    '-1.a',
    '-a.1',
    '-alpha.1.1',
  ];
  const builds = ['', '+build.1', '+001', '+exp.sha.5114f85'];
  const all: string[] = [];
  for (const main of mains)
    for (const pre of prereleases) all.push(`${main}${pre}`, `${main}${pre}${builds[(main.length + pre.length) % 4]}`);
  return all;
})();

const invalid = [
  '',
  'x',
  '1',
  '1.2',
  '1.2.3.4',
  '01.2.3',
  '1.02.3',
  '1.2.03',
  '1.2.3-01',
  '1.2.3-',
  '1.2.3+',
  '1.2.3-a..b',
  '=1.2.3',
  'V1.2.3',
  '1.2.3 -alpha',
  '1.2.3-al pha',
  '1.2.3-é',
  '99999999999999999999.0.0',
  `1.2.3-${'a'.repeat(300)}`,
  '1.2.x',
  '>=1.2.3',
  '^1.2.3',
];
const decorated = ['v1.2.3', ' 1.2.3 ', '\t2.0.0-rc.1\n', 'v22.11.0'];

describe('semver stand-in (bundles alias semver to infra/cdk/bundling/semver-gte.cjs)', () => {
  it('agrees with the real semver.gte on every ordered pair of valid versions', () => {
    expect(semver.SEMVER_SPEC_VERSION).toBe('2.0.0');
    let compared = 0;
    for (const a of valid)
      for (const b of valid) {
        expect([a, b, standIn.gte(a, b)]).toEqual([a, b, semver.gte(a, b)]);
        compared += 1;
      }
    expect(compared).toBeGreaterThan(150_000);
  });

  it('parses like semver strict mode: the same inputs are refused, trimmed or accepted with a leading v', () => {
    const samples = [...invalid, ...decorated, ...valid.slice(0, 40)];
    for (const a of samples)
      for (const b of ['1.2.3', '0.0.0-0', ...samples.slice(0, 30)])
        expect([a, b, outcome(() => standIn.gte(a, b))]).toEqual([a, b, outcome(() => semver.gte(a, b))]);
    for (const bad of [undefined, null, 1.2, {}]) expect(() => standIn.gte(bad, '1.0.0')).toThrow(TypeError);
  });

  it('answers the two calls the bundled packages make', () => {
    expect(standIn.gte(process.versions.node, '8.0.0')).toBe(true);
    expect(standIn.gte('2.1692.0', '2.1.0')).toBe(true);
    expect(standIn.gte('1.99.0', '2.0.0')).toBe(false);
  });

  it('refuses options rather than silently ignoring loose / includePrerelease', () => {
    expect(() => standIn.gte('1.2.3', '1.2.3', { loose: true })).toThrow(/options are not supported/);
  });

  // The stand-in holds only gte; synthesis refuses any module outside semverStandInImporters that
  // requires semver (nativeModulesImportedBy), and these must call nothing else.
  it('the modules allowed to take semver from the stand-in call only semver.gte', () => {
    expect(semverStandInImporters.length).toBeGreaterThan(0);
    for (const file of semverStandInImporters) {
      const source = readFileSync(join(repositoryRoot, file), 'utf8');
      const required = /(?:var|const|let)\s+(\w+)\s*=\s*require\(['"]semver['"]\);?/.exec(source);
      expect(required, file).not.toBeNull();
      const rest = source.replace(required![0], '');
      const uses = [...rest.matchAll(new RegExp(`\\b${required![1]}\\b(\\.\\w+)?`, 'g'))].map((m) => m[1] ?? '(bare)');
      expect(uses.length, file).toBeGreaterThan(0);
      expect(new Set(uses), file).toEqual(new Set(['.gte']));
    }
  });

  it('synthesis refuses a bundle in which another module requires semver', () => {
    const dir = mkdtempSync(join(tmpdir(), 'semver-importer-'));
    try {
      mkdirSync(join(dir, 'node_modules', 'semver-user'), { recursive: true });
      writeFileSync(
        join(dir, 'node_modules', 'semver-user', 'index.js'),
        "module.exports = require('semver').satisfies;",
      );
      writeFileSync(
        join(dir, 'entry.handler.js'),
        "import satisfies from 'semver-user';\nexport const handler = satisfies;",
      );
      expect(() => nativeModulesImportedBy(join(dir, 'entry.handler.js'))).toThrow(/semver-user.*require semver/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
