import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../infra/local/processes.ts';
import { mergeReports, planRun, type JsonReport } from './run-tests.ts';

const lanes = '/tmp/lanes';

describe('planRun', () => {
  it('splits a whole-suite run into the unit+integration lane and the own-stack lane', () => {
    expect(planRun([], lanes, {})).toEqual({
      kind: 'split',
      lanes: [
        { name: 'unit+integration', args: ['--project=unit', '--project=integration'] },
        { name: 'own-stack', args: ['--project=own-stack'] },
      ],
    });
  });

  it.each([
    [['--reporter=default', '--reporter=json', '--outputFile.json=/r/out.json']],
    [['--reporter', 'default', '--reporter', 'json', '--outputFile.json', '/r/out.json']],
    [['--reporter=json', '--outputFile=/r/out.json']],
  ])('gives each lane its own JSON file and keeps the requested one for the merge (%j)', (args) => {
    const plan = planRun(args, lanes, {});
    expect(plan.kind).toBe('split');
    if (plan.kind !== 'split') return;
    expect(plan.jsonFile).toBe('/r/out.json');
    expect(plan.lanes.map((lane) => lane.jsonFile)).toEqual([
      '/tmp/lanes/unit+integration.json',
      '/tmp/lanes/own-stack.json',
    ]);
    for (const lane of plan.lanes) {
      expect(lane.args).toContain('--reporter=json');
      expect(lane.args).toContain(`--outputFile.json=${lane.jsonFile}`);
      expect(lane.args.join(' ')).not.toContain('/r/out.json');
    }
  });

  it.each([
    [['tests/integration/search.int.test.ts']],
    [['lambdas/core/log.test.ts', '--reporter=json']],
    [['--project', 'unit']],
    [['-t', 'redacts']],
    [['--reporter=junit', '--outputFile=/r/junit.xml']],
    [['--outputFile.junit=/r/junit.xml']],
    [['--reporter']],
    [['--outputFile.json=/r/out.json']],
    [['--reporter=default', '--outputFile=/r/out.json']],
    [['--reporter=json']],
    [['--reporter=default', '--reporter=json']],
  ])('passes anything else to one plain vitest run, untouched (%j)', (args) => {
    expect(planRun(args, lanes, {})).toEqual({ kind: 'single', args });
  });

  it('splits with reporters that need no file', () => {
    const plan = planRun(['--reporter=dot'], lanes, {});
    expect(plan.kind).toBe('split');
  });

  it('runs one process when RASTUP_TEST_ONE_PROCESS=1', () => {
    expect(planRun([], lanes, { RASTUP_TEST_ONE_PROCESS: '1' })).toEqual({ kind: 'single', args: [] });
  });
});

function report(overrides: Partial<JsonReport>): JsonReport {
  return {
    numTotalTestSuites: 0,
    numPassedTestSuites: 0,
    numFailedTestSuites: 0,
    numPendingTestSuites: 0,
    numTotalTests: 0,
    numPassedTests: 0,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    startTime: 1_000,
    success: true,
    testResults: [],
    ...overrides,
  };
}

describe('mergeReports', () => {
  it('adds the counts, concatenates the results and keeps the earliest start', () => {
    const merged = mergeReports([
      report({
        numTotalTests: 10,
        numPassedTests: 9,
        numFailedTests: 1,
        success: false,
        startTime: 2_000,
        testResults: ['a'],
      }),
      report({ numTotalTests: 5, numPassedTests: 4, numPendingTests: 1, startTime: 1_500, testResults: ['b', 'c'] }),
    ]);
    expect(merged).toMatchObject({
      numTotalTests: 15,
      numPassedTests: 13,
      numFailedTests: 1,
      numPendingTests: 1,
      startTime: 1_500,
      success: false,
      testResults: ['a', 'b', 'c'],
    });
  });

  it('is successful only when both lanes are', () => {
    expect(mergeReports([report({ numPassedTests: 3 }), report({ numPassedTests: 2 })]).success).toBe(true);
    expect(mergeReports([report({}), report({ success: false })]).success).toBe(false);
  });

  it('marks a lane without a report (it crashed) as a failed suite and test, and the run as failed', () => {
    const merged = mergeReports([report({ numTotalTests: 4, numPassedTests: 4 }), undefined]);
    expect(merged.success).toBe(false);
    expect(merged.numFailedTestSuites).toBe(1);
    expect(merged.numPassedTests).toBe(4);
    // `.ci/run` prints "passed, failed" from the test counts: the crash must show there.
    expect(merged.numFailedTests).toBe(1);
    expect(merged.numTotalTests).toBe(5);
  });
});

describe('signals', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('passes SIGTERM on to the whole vitest process group, so a server a test spawned stops too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rastup-run-tests-signal-'));
    const pidFile = join(dir, 'server.pid');
    const runner = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/support/run-tests.ts', '--config', 'tests/support/fixtures/signal/vitest.config.ts'],
      { env: { ...process.env, RASTUP_SIGNAL_PIDFILE: pidFile }, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => runner.once('exit', resolve));
    let serverPid: number | undefined;
    try {
      for (const begun = Date.now(); !existsSync(pidFile); await sleep(100))
        if (Date.now() - begun > 60_000) throw new Error('the fixture never started its server');
      serverPid = Number(readFileSync(pidFile, 'utf8'));
      expect(isAlive(serverPid)).toBe(true);
      runner.kill('SIGTERM');
      await exited;
      for (const begun = Date.now(); isAlive(serverPid) && Date.now() - begun < 10_000;) await sleep(100);
      expect(isAlive(serverPid)).toBe(false);
    } finally {
      if (serverPid && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
      if (runner.exitCode === null) runner.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
