/**
 * `npm test`: the whole suite as two vitest processes side by side: the unit tier then the shared-stack
 * integration tier in one, the `own-stack` tier (files that start stacks of their own) in the other.
 * Vitest 4.1 runs projects of one group one file at a time when each caps its workers at one, so in
 * one process the own-stack tier could only follow the integration tier (docs/ci-time.md); two
 * processes overlap their idle waits (stack starts, relay ticks, polling) while each tier keeps its
 * own one-file-at-a-time rule.
 *
 * Only for a whole-suite run: any argument besides reporters and a JSON output file (a file filter,
 * `--project`, `-t`…) runs one plain `vitest run` with the arguments untouched, as does
 * RASTUP_TEST_ONE_PROCESS=1. The JSON reports of both processes are merged into the requested file, so
 * `.ci/run` counts every test once; the run fails when either process fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Lane {
  readonly name: string;
  readonly args: readonly string[];
  /** Where this lane's JSON report goes, when one was asked for. */
  readonly jsonFile?: string;
}

export type Plan =
  | { readonly kind: 'single'; readonly args: readonly string[] }
  | { readonly kind: 'split'; readonly lanes: readonly Lane[]; readonly jsonFile?: string };

/** The first lane runs `unit` and `integration` (group order keeps unit first), the second `own-stack`. */
export const LANE_PROJECTS = [
  { name: 'unit+integration', projects: ['unit', 'integration'] },
  { name: 'own-stack', projects: ['own-stack'] },
] as const;

const SPLITTABLE_REPORTERS = new Set(['default', 'json', 'verbose', 'dot', 'tree']);

/**
 * Decides how to run `npm test ARGS`. Split only when every argument is a reporter or an output file of
 * the JSON reporter, and the json reporter and its file come together or not at all; `laneDir` holds
 * each lane's own JSON report until they are merged.
 */
export function planRun(args: readonly string[], laneDir: string, env: NodeJS.ProcessEnv = process.env): Plan {
  if (env.RASTUP_TEST_ONE_PROCESS === '1') return { kind: 'single', args };
  const reporters: string[] = [];
  let jsonFile: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    const [flag, inlineValue] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    if (flag !== '--reporter' && flag !== '--outputFile.json' && flag !== '--outputFile')
      return { kind: 'single', args };
    const value = inlineValue ?? args[(index += 1)];
    if (value === undefined || value.startsWith('-')) return { kind: 'single', args };
    if (flag === '--reporter') reporters.push(`--reporter=${value}`);
    else jsonFile = value;
  }
  // Reporters that write no file of their own, so `--outputFile=F` can only mean the JSON report.
  if (reporters.some((reporter) => !SPLITTABLE_REPORTERS.has(reporter.slice('--reporter='.length))))
    return { kind: 'single', args };
  // The merge needs both: a file without the json reporter gets no report (vitest exits 1 though all
  // pass), the json reporter without a file writes each lane's document to the one stdout.
  if (reporters.includes('--reporter=json') !== (jsonFile !== undefined)) return { kind: 'single', args };
  const lanes = LANE_PROJECTS.map(({ name, projects }): Lane => {
    const laneJson = jsonFile === undefined ? undefined : join(laneDir, `${name}.json`);
    return {
      name,
      args: [
        ...projects.map((project) => `--project=${project}`),
        ...reporters,
        ...(laneJson ? [`--outputFile.json=${laneJson}`] : []),
      ],
      ...(laneJson ? { jsonFile: laneJson } : {}),
    };
  });
  return { kind: 'split', lanes, ...(jsonFile ? { jsonFile } : {}) };
}

/** Vitest's JSON report (the Jest-compatible shape): the fields the merge and `.ci/run` read. */
export interface JsonReport {
  numTotalTestSuites: number;
  numPassedTestSuites: number;
  numFailedTestSuites: number;
  numPendingTestSuites: number;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  startTime: number;
  success: boolean;
  testResults: unknown[];
  [key: string]: unknown;
}

const COUNTS = [
  'numTotalTestSuites',
  'numPassedTestSuites',
  'numFailedTestSuites',
  'numPendingTestSuites',
  'numTotalTests',
  'numPassedTests',
  'numFailedTests',
  'numPendingTests',
  'numTodoTests',
] as const;

/**
 * One report for both lanes: counts added, results concatenated, earliest start. A lane that wrote no
 * report (it crashed) makes the merged report unsuccessful, and is counted as one failed suite and one
 * failed test so the summary line cannot read as all green.
 */
export function mergeReports(reports: readonly (JsonReport | undefined)[]): JsonReport {
  const present = reports.filter((report): report is JsonReport => report !== undefined);
  const missing = reports.length - present.length;
  const merged: JsonReport = {
    ...(present[0] ?? {}),
    numTotalTestSuites: 0,
    numPassedTestSuites: 0,
    numFailedTestSuites: 0,
    numPendingTestSuites: 0,
    numTotalTests: 0,
    numPassedTests: 0,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    startTime: Math.min(...present.map((report) => report.startTime), Date.now()),
    success: missing === 0 && present.every((report) => report.success),
    testResults: present.flatMap((report) => report.testResults),
  };
  for (const report of present) for (const count of COUNTS) merged[count] += report[count] ?? 0;
  merged.numTotalTestSuites += missing;
  merged.numFailedTestSuites += missing;
  // `.ci/run` prints the test counts only: a crashed lane must show there as a failure, not "0 failed".
  merged.numTotalTests += missing;
  merged.numFailedTests += missing;
  return merged;
}

function vitestBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
}

function runVitest(args: readonly string[], prefix?: string): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [vitestBin(), 'run', ...args], {
    // Its own process group, which signals reach only through forwardSignals (see there).
    detached: true,
    stdio: prefix ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  forwardSignals(child);
  // The second lane's lines carry its name, so the two outputs stay readable side by side.
  if (prefix) {
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const)
      if (stream) createInterface({ input: stream }).on('line', (line) => out.write(`${prefix} ${line}\n`));
  }
  return new Promise((resolveExit) => {
    child.once('error', (error) => {
      process.stderr.write(`could not start vitest: ${error.message}\n`);
      resolveExit(1);
    });
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

const children = new Set<ChildProcess>();
function forwardSignals(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}
/**
 * A signal to this runner goes to every process in each vitest's group: vitest, its workers and the
 * servers the shared stack and own-stack files spawned attached (PostgreSQL, DynamoDB Local), which
 * stop on SIGINT/SIGTERM themselves (PostgreSQL's fast or smart shutdown). Vitest exits at once on
 * it, without its global teardown: the stacks' temp state folders stay behind, and a stack a test
 * started detached in a group of its own (tests/support/fault-kill.ts) is not reached and keeps
 * running. SIGHUP is passed on as SIGTERM: PostgreSQL would take it as "reload the configuration".
 * The runner exits once every lane has.
 */
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => {
    const forwarded = signal === 'SIGHUP' ? 'SIGTERM' : signal;
    for (const child of children)
      try {
        process.kill(-child.pid!, forwarded);
      } catch {
        // The group is gone already.
      }
    if (children.size === 0) process.exit(130);
  });

function readReport(file: string | undefined): JsonReport | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  } catch {
    return undefined;
  }
}

export async function main(args: readonly string[]): Promise<number> {
  const laneDir = mkdtempSync(join(tmpdir(), 'rastup-test-lanes-'));
  try {
    const plan = planRun(args, laneDir);
    if (plan.kind === 'single') return await runVitest(plan.args);
    const [first, second] = plan.lanes;
    const started = Date.now();
    const codes = await Promise.all([runVitest(first!.args), runVitest(second!.args, `[${second!.name}]`)]);
    const reports = plan.lanes.map((lane) => readReport(lane.jsonFile));
    const seconds = Math.round((Date.now() - started) / 1000);
    plan.lanes.forEach((lane, index) => {
      const report = reports[index];
      const counts = report ? `${report.numPassedTests} passed, ${report.numFailedTests} failed` : 'no report';
      process.stdout.write(`lane ${lane.name}: exit ${codes[index]}${plan.jsonFile ? `, ${counts}` : ''}\n`);
    });
    process.stdout.write(`both lanes done in ${seconds}s\n`);
    if (plan.jsonFile) {
      const merged = mergeReports(reports);
      writeFileSync(plan.jsonFile, JSON.stringify(merged));
      if (!merged.success) return Math.max(1, ...codes);
    }
    return Math.max(...codes);
  } finally {
    rmSync(laneDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
