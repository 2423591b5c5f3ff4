/**
 * The controls matrix (Appendix U.6: each STRIDE item maps to a control and a test) is checked
 * against the repository: every `covered` row's test file and title exist, every threat of the
 * threat model has a row. A renamed test makes this fail (proved below on a copy of the tree).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMatrix, parseCsv, readMatrix, testTitles, threatModelIds, SURFACES } from './controls-matrix.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rows = readMatrix(readFileSync(join(rootDir, 'security/controls-matrix.csv'), 'utf8'));
const modelIds = threatModelIds(readFileSync(join(rootDir, 'security/threat-model.md'), 'utf8'));

describe('controls matrix', () => {
  it('every covered row names an existing test, and every threat of the model has a row', () => {
    const report = checkMatrix(rows, rootDir, modelIds);
    expect(report.problems).toEqual([]);
    expect(report.covered.length).toBeGreaterThanOrEqual(40);
    expect(report.covered.length + report.planned.length).toBe(rows.length);
  });

  it('covers every surface of Appendix U, and each built surface with tests', () => {
    const report = checkMatrix(rows, rootDir, modelIds);
    for (const surface of SURFACES) expect(rows.some((row) => row.surface === surface)).toBe(true);
    const coveredSurfaces = new Set(rows.filter((row) => report.covered.includes(row.id)).map((row) => row.surface));
    for (const built of ['graphql', 'rest-auth', 'uploads', 'admin', 'webhooks', 'platform'])
      expect(coveredSurfaces).toContain(built);
    // Surfaces being built elsewhere are planned under their issue, never counted as covered.
    for (const row of rows.filter((r) => ['partner-api', 'payments', 'messaging'].includes(r.surface)))
      expect(report.planned.map((p) => p.id)).toContain(row.id);
  });

  it('does not count a planned row as covered even when its test column names a real test', () => {
    const real = rows.find((row) => row.status === 'covered')!;
    const report = checkMatrix([{ ...real, status: 'planned #12' }], rootDir);
    expect(report.covered).toEqual([]);
    expect(report.planned).toEqual([{ id: real.id, issue: 12 }]);
    expect(checkMatrix([{ ...real, status: 'planned' }], rootDir).problems[0]!.problem).toMatch(/neither/);
  });

  describe('on a copy of the tree', () => {
    const copy = mkdtempSync(join(tmpdir(), 'rastup-controls-'));
    afterAll(() => rmSync(copy, { recursive: true, force: true }));
    const files = [...new Set(rows.filter((r) => r.status === 'covered').map((r) => r.test.split(' > ')[0]!))];
    for (const file of files) cpSync(join(rootDir, file), join(copy, file));

    it('passes unchanged, then fails when a referenced test is renamed, naming the row', () => {
      expect(checkMatrix(rows, copy).problems).toEqual([]);
      const row = rows.find((r) => r.id === 'GQL-S1')!;
      const [file, title] = row.test.split(' > ') as [string, string];
      const path = join(copy, file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(`'${title}'`, `'${title} (renamed)'`));
      expect(checkMatrix(rows, copy).problems).toEqual([
        { id: 'GQL-S1', line: row.line, problem: `no test titled "${title}" in ${file}` },
      ]);
    });

    it('fails when a referenced test file is removed', () => {
      const row = rows.find((r) => r.id === 'UPL-T1')!;
      rmSync(join(copy, row.test.split(' > ')[0]!));
      expect(checkMatrix(rows, copy).problems.map((p) => p.problem)).toContain(
        `test file ${row.test.split(' > ')[0]} does not exist`,
      );
    });
  });

  it('reads titles as written, including quotes, templates and .each forms', () => {
    const titles = testTitles(
      [
        "it('refuses alg: none', () => {});",
        'test.each([1])("a \\"quoted\\" title", () => {});',
        'it(`every field (seed ${SEED})`, async () => {});',
        "describe.skip('one’s own media', () => {});",
      ].join('\n'),
    );
    expect([...titles]).toEqual([
      'refuses alg: none',
      'a "quoted" title',
      'every field (seed ${SEED})',
      'one’s own media',
    ]);
  });

  it('parses quoted CSV fields with commas, quotes and line breaks', () => {
    expect(parseCsv('a,"b, ""c""",d\n"e\nf",g,\n')).toEqual([
      ['a', 'b, "c"', 'd'],
      ['e\nf', 'g', ''],
    ]);
  });
});
