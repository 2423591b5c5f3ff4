/**
 * Reads security/controls-matrix.csv (threat -> control -> owner -> test, seed 001 Appendix U) and
 * checks it against the repository: a row marked `covered` must name a test file that exists and a
 * test (an `it`/`test`/`describe` title, exactly as written in the source) inside it; a row marked
 * `planned #N` names the issue that builds the control and counts as not covered, whatever its test
 * column says. Every id of security/threat-model.md must have a row, and every row an id there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SURFACES = [
  'graphql',
  'rest-auth',
  'partner-api',
  'webhooks',
  'uploads',
  'payments',
  'messaging',
  'admin',
  'platform',
] as const;
export const STRIDE = ['S', 'T', 'R', 'I', 'D', 'E'] as const;

export interface MatrixRow {
  readonly id: string;
  readonly surface: string;
  readonly stride: string;
  readonly threat: string;
  readonly control: string;
  readonly owner: string;
  readonly status: string;
  readonly test: string;
  /** 1-based line in the CSV. */
  readonly line: number;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

export const HEADER = ['id', 'surface', 'stride', 'threat', 'control', 'owner', 'status', 'test'] as const;

export function readMatrix(csv: string): MatrixRow[] {
  const [header, ...rows] = parseCsv(csv);
  if (header?.join(',') !== HEADER.join(','))
    throw new Error(`controls matrix header must be "${HEADER.join(',')}", not "${header?.join(',')}"`);
  return rows.map((cells, index) => {
    if (cells.length !== HEADER.length)
      throw new Error(`controls matrix line ${index + 2}: ${cells.length} columns, expected ${HEADER.length}`);
    const [id, surface, stride, threat, control, owner, status, test] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return { id, surface, stride, threat, control, owner, status, test, line: index + 2 };
  });
}

/** Titles of `it(...)`, `test(...)`, `describe(...)` (and their `.each`/`.skip`… forms) as written in the source. */
export function testTitles(source: string): Set<string> {
  const titles = new Set<string>();
  const call = /\b(?:it|test|describe)(?:\.\w+)*(?:\([^)]*\))?\(\s*(['"`])((?:\\.|(?!\1)[\s\S])*)\1/g;
  for (const match of source.matchAll(call)) titles.add(match[2]!.replace(/\\(['"`\\])/g, '$1'));
  return titles;
}

export interface MatrixProblem {
  readonly id: string;
  readonly line: number;
  readonly problem: string;
}

export interface MatrixReport {
  readonly rows: number;
  readonly covered: readonly string[];
  readonly planned: readonly { id: string; issue: number }[];
  readonly problems: readonly MatrixProblem[];
}

const PLANNED = /^planned #(\d+)$/;

export function checkMatrix(
  rows: readonly MatrixRow[],
  rootDir: string,
  threatModelIds?: readonly string[],
): MatrixReport {
  const problems: MatrixProblem[] = [];
  const covered: string[] = [];
  const planned: { id: string; issue: number }[] = [];
  const seen = new Set<string>();
  const titlesByFile = new Map<string, Set<string> | undefined>();
  const titlesOf = (file: string) => {
    if (!titlesByFile.has(file)) {
      const path = join(rootDir, file);
      titlesByFile.set(file, existsSync(path) ? testTitles(readFileSync(path, 'utf8')) : undefined);
    }
    return titlesByFile.get(file);
  };

  for (const row of rows) {
    const problem = (text: string) => problems.push({ id: row.id, line: row.line, problem: text });
    if (!/^[A-Z]+-[STRIDE]\d+$/.test(row.id)) problem(`id "${row.id}" is not <SURFACE>-<STRIDE letter><n>`);
    if (seen.has(row.id)) problem(`duplicate id ${row.id}`);
    seen.add(row.id);
    if (!(SURFACES as readonly string[]).includes(row.surface)) problem(`unknown surface "${row.surface}"`);
    if (!(STRIDE as readonly string[]).includes(row.stride))
      problem(`stride "${row.stride}" is not one of S,T,R,I,D,E`);
    else if (row.id.split('-')[1]?.[0] !== row.stride)
      problem(`id ${row.id} does not carry its STRIDE letter ${row.stride}`);
    if (!row.threat.trim() || !row.control.trim() || !row.owner.trim())
      problem('threat, control and owner are required');

    const plannedMatch = PLANNED.exec(row.status);
    if (plannedMatch) {
      planned.push({ id: row.id, issue: Number(plannedMatch[1]) });
      continue;
    }
    if (row.status !== 'covered') {
      problem(`status "${row.status}" is neither "covered" nor "planned #<issue>"`);
      continue;
    }
    const [file, ...nameParts] = row.test.split(' > ');
    const name = nameParts.join(' > ');
    if (!file || !name) {
      problem(`test "${row.test}" must read "<file> > <test title>"`);
      continue;
    }
    const titles = titlesOf(file);
    if (!titles) problem(`test file ${file} does not exist`);
    else if (!titles.has(name)) problem(`no test titled "${name}" in ${file}`);
    else covered.push(row.id);
  }

  if (threatModelIds) {
    for (const id of threatModelIds)
      if (!seen.has(id)) problems.push({ id, line: 0, problem: `threat ${id} of threat-model.md has no row` });
    const modelled = new Set(threatModelIds);
    for (const row of rows)
      if (!modelled.has(row.id)) problems.push({ id: row.id, line: row.line, problem: 'not in threat-model.md' });
  }
  return { rows: rows.length, covered, planned, problems };
}

/** Threat ids in the threat model: the first cell of its table rows, such as `| GQL-S1 |`. */
export function threatModelIds(markdown: string): string[] {
  return [...markdown.matchAll(/^\|\s*([A-Z]+-[STRIDE]\d+)\s*\|/gm)].map((match) => match[1]!);
}
