import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  auditAllowlistSchema,
  auditReportSchema,
  cycloneDxSchema,
  evaluateAudit,
  evaluateLicenses,
  licenseAllowed,
  licensePolicySchema,
  type AuditAllowlist,
} from './supply-chain.ts';

const allowed = new Set(['MIT', 'Apache-2.0', 'Zlib']);

describe('license expressions', () => {
  it('accepts an OR when one side is allowed and an AND only when every operand is', () => {
    expect(licenseAllowed('MIT', allowed)).toBe(true);
    expect(licenseAllowed('(MIT OR GPL-3.0-or-later)', allowed)).toBe(true);
    expect(licenseAllowed('GPL-3.0-or-later OR MIT', allowed)).toBe(true);
    expect(licenseAllowed('(MIT AND Zlib)', allowed)).toBe(true);
    expect(licenseAllowed('Apache-2.0 AND MIT', allowed)).toBe(true);
    expect(licenseAllowed('MIT AND GPL-3.0-only', allowed)).toBe(false);
    expect(licenseAllowed('(MIT AND GPL-2.0) OR Apache-2.0', allowed)).toBe(true);
    expect(licenseAllowed('Apache-2.0 WITH LLVM-exception', allowed)).toBe(true);
    expect(licenseAllowed('GPL-3.0-only', allowed)).toBe(false);
  });

  it('refuses what it cannot parse and what declares nothing', () => {
    expect(licenseAllowed('NOASSERTION', allowed)).toBe(false);
    expect(licenseAllowed('(MIT', allowed)).toBe(false);
    expect(licenseAllowed('MIT OR', allowed)).toBe(false);
    expect(licenseAllowed('MIT MIT', allowed)).toBe(false);
  });
});

// Components in the shape `npm sbom --sbom-format cyclonedx` writes (npm 11, CycloneDX 1.5).
const component = (name: string, licenses: unknown, development = false) => ({
  'bom-ref': `${name}@1.0.0`,
  type: 'library',
  name,
  version: '1.0.0',
  scope: 'required',
  purl: `pkg:npm/${name}@1.0.0`,
  properties: development ? [{ name: 'cdx:npm:package:development', value: 'true' }] : [],
  ...(licenses === undefined ? {} : { licenses }),
});
const sbom = (components: unknown[]) =>
  cycloneDxSchema.parse({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components });

const policy = licensePolicySchema.parse({
  allowed: ['MIT', 'Apache-2.0'],
  exceptions: [
    {
      package: '@img/sharp-libvips-*',
      license: 'LGPL-3.0-or-later',
      reason: 'dynamically linked, unmodified shared library',
      reviewed: '2026-11-30',
    },
    { package: 'gone', license: 'MPL-2.0', reason: 'no longer installed anywhere', reviewed: '2026-11-30' },
  ],
});

describe('license policy over an SBOM', () => {
  it('fails a component outside the allow-list and the exceptions, flags dev packages, reports unused exceptions', () => {
    const report = evaluateLicenses(
      sbom([
        component('zod', [{ license: { id: 'MIT' } }]),
        component('dual', [{ expression: '(MIT OR GPL-3.0-or-later)' }]),
        component('@img/sharp-libvips-linux-arm64', [{ license: { id: 'LGPL-3.0-or-later' } }]),
        component('copyleft', [{ license: { id: 'AGPL-3.0-only' } }], true),
        component('undeclared', undefined),
      ]),
      policy,
    );
    expect(report.checked).toBe(5);
    expect(report.violations).toEqual([
      { component: 'copyleft@1.0.0', license: 'AGPL-3.0-only', development: true },
      { component: 'undeclared@1.0.0', license: 'NOASSERTION', development: false },
    ]);
    expect(report.excepted.map((e) => e.component)).toEqual(['@img/sharp-libvips-linux-arm64@1.0.0']);
    expect(report.unusedExceptions).toEqual(['gone']);
  });

  it('takes an exception only for the license it names', () => {
    const report = evaluateLicenses(
      sbom([component('@img/sharp-libvips-linux-x64', [{ license: { id: 'GPL-3.0-only' } }])]),
      policy,
    );
    expect(report.violations).toHaveLength(1);
  });

  it('the committed policy is valid and every exception carries a reason', () => {
    const committed = licensePolicySchema.parse(
      JSON.parse(readFileSync(new URL('./license-policy.json', import.meta.url), 'utf8')),
    );
    expect(committed.allowed).toContain('MIT');
    expect(committed.allowed).not.toContain('GPL-3.0-only');
    for (const exception of committed.exceptions) expect(exception.reason.length).toBeGreaterThan(20);
  });
});

// `npm audit --json` output (auditReportVersion 2, npm 7+): advisories are the objects in `via`;
// strings name the vulnerable dependency the advisory reaches this package through.
const auditReport = auditReportSchema.parse({
  auditReportVersion: 2,
  vulnerabilities: {
    'path-to-regexp': {
      name: 'path-to-regexp',
      severity: 'high',
      isDirect: false,
      via: [
        {
          source: 1101850,
          name: 'path-to-regexp',
          dependency: 'path-to-regexp',
          title: 'path-to-regexp outputs backtracking regular expressions',
          url: 'https://github.com/advisories/GHSA-9wv6-86v2-598j',
          severity: 'high',
          cwe: ['CWE-1333'],
          cvss: { score: 7.5, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
          range: '<0.1.10',
        },
      ],
      effects: ['express'],
      range: '<0.1.10',
      nodes: ['node_modules/path-to-regexp'],
      fixAvailable: true,
    },
    express: {
      name: 'express',
      severity: 'high',
      isDirect: true,
      via: ['path-to-regexp'],
      effects: [],
      range: '<=4.21.0',
      nodes: ['node_modules/express'],
      fixAvailable: true,
    },
    cookie: {
      name: 'cookie',
      severity: 'low',
      isDirect: false,
      via: [
        {
          source: 1099846,
          name: 'cookie',
          dependency: 'cookie',
          title: 'cookie accepts cookie name, path, and domain with out of bounds characters',
          url: 'https://github.com/advisories/GHSA-pxg6-pf52-xh8x',
          severity: 'low',
          cwe: ['CWE-74'],
          cvss: { score: 0, vectorString: null },
          range: '<0.7.0',
        },
      ],
      effects: [],
      range: '<0.7.0',
      nodes: ['node_modules/cookie'],
      fixAvailable: true,
    },
  },
  metadata: {
    vulnerabilities: { info: 0, low: 1, moderate: 0, high: 2, critical: 0, total: 3 },
    dependencies: { prod: 10, dev: 0, optional: 0, peer: 0, peerOptional: 0, total: 10 },
  },
});

const allowlist = (entries: AuditAllowlist['entries']): AuditAllowlist => ({ failOn: 'high', entries });
const entry = (expires: string, added = '2026-11-01') => ({
  advisory: 'GHSA-9wv6-86v2-598j',
  package: 'path-to-regexp',
  reason: 'only reached through the local gateway in tests, never with user input',
  owner: 'platform',
  added,
  expires,
});

describe('npm audit gate', () => {
  it('blocks an advisory at or above the threshold once (not again for the package it reaches through)', () => {
    const result = evaluateAudit(auditReport, allowlist([]), '2026-11-30');
    expect(result.passed).toBe(false);
    expect(result.blocking).toEqual([
      {
        advisory: 'GHSA-9wv6-86v2-598j',
        package: 'path-to-regexp',
        severity: 'high',
        title: 'path-to-regexp outputs backtracking regular expressions',
        url: 'https://github.com/advisories/GHSA-9wv6-86v2-598j',
      },
    ]);
    expect(result.belowThreshold.map((f) => f.advisory)).toEqual(['GHSA-pxg6-pf52-xh8x']);
  });

  it('passes an allow-listed advisory through its expiry day', () => {
    const result = evaluateAudit(auditReport, allowlist([entry('2026-12-15')]), '2026-12-15');
    expect(result.passed).toBe(true);
    expect(result.allowed.map((f) => f.expires)).toEqual(['2026-12-15']);
  });

  it('fails on an expired entry, both for its advisory and as an entry', () => {
    const result = evaluateAudit(auditReport, allowlist([entry('2026-11-29')]), '2026-11-30');
    expect(result.passed).toBe(false);
    expect(result.blocking.map((f) => f.advisory)).toEqual(['GHSA-9wv6-86v2-598j']);
    expect(result.invalidEntries).toEqual([{ advisory: 'GHSA-9wv6-86v2-598j', problem: 'expired on 2026-11-29' }]);
  });

  it('fails on an entry accepted for longer than 90 days', () => {
    const result = evaluateAudit(auditReport, allowlist([entry('2027-06-01', '2026-11-30')]), '2026-11-30');
    expect(result.passed).toBe(false);
    expect(result.invalidEntries[0]!.problem).toMatch(/at most 90/);
  });

  it('reports an unreachable advisory endpoint as not evaluated, and still fails an expired entry', () => {
    // What npm 11 prints with --json when the registry refuses the bulk advisory request.
    const offline = auditReportSchema.parse({
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      method: 'POST',
      uri: 'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
      body: '',
      error: { summary: '', detail: '' },
    });
    const live = evaluateAudit(offline, allowlist([entry('2026-12-15')]), '2026-11-30');
    expect(live).toMatchObject({ evaluated: false, passed: true });
    expect(live.unavailableReason).toMatch(/405/);
    expect(evaluateAudit(offline, allowlist([entry('2026-11-01')]), '2026-11-30').passed).toBe(false);
  });

  it('refuses an allow-list entry without a reason or with a malformed advisory id', () => {
    expect(auditAllowlistSchema.safeParse(allowlist([{ ...entry('2026-12-15'), reason: 'ok' }])).success).toBe(false);
    expect(auditAllowlistSchema.safeParse(allowlist([{ ...entry('2026-12-15'), advisory: 'CVE-1' }])).success).toBe(
      false,
    );
    const committed = auditAllowlistSchema.parse(
      JSON.parse(readFileSync(new URL('./audit-allowlist.json', import.meta.url), 'utf8')),
    );
    expect(evaluateAudit(auditReport, committed, '2026-11-30').invalidEntries).toEqual([]);
  });
});
