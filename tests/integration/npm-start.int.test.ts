/**
 * The developer's entry point as a process: `npm start` prints its endpoints, serves seeded
 * cities, and on SIGINT stops without leaving PostgreSQL or the DynamoDB Local JVM behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resetLocalState } from '../../infra/local/reset.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../infra/local/processes.ts';

/**
 * Still running: alive and not a zombie. A process that exited but whose orphaned entry init has not
 * reaped yet answers signal 0 like a live one; /proc says `Z` for it (Linux, where the suite runs).
 */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-npmstart-'));
afterAll(() => resetLocalState(stateDir, { log: () => undefined, keepBinaries: true }));

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function descendants(pid: number): number[] {
  // /proc walk: every process whose ancestry reaches `pid`.
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // process vanished
    }
  }
  const out: number[] = [];
  for (const [child] of parents) {
    let cursor: number | undefined = child;
    while (cursor && cursor !== 1) {
      cursor = parents.get(cursor);
      if (cursor === pid) {
        out.push(child);
        break;
      }
    }
  }
  return out;
}

describe('npm start', () => {
  it('comes up with seeded data and stops cleanly on SIGINT', { timeout: 180_000 }, async () => {
    // The developer's command itself (package.json runs node --import tsx: no tsx CLI in between, whose
    // signal relay SIGKILLed the stack mid-shutdown when it answered a Ctrl-C more than 60 ms late).
    const child = spawn('npm', ['start', '--silent'], {
      cwd: rootDir,
      env: { ...process.env, PORT: '0', RASTUP_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const started = Date.now();
    while (!output.includes('Ctrl-C stops everything')) {
      if (Date.now() - started > 120_000 || child.exitCode !== null) {
        // A stack that never came up must not outlive the test (it would hold its ports and CPU).
        for (const pid of [...descendants(child.pid!), child.pid!]) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        throw new Error(`npm start did not come up:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toMatch(/GraphQL \(local AppSync\)\s+http:\/\/localhost:\d+\/graphql/);
    const endpoints = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as {
      graphqlUrl: string;
      apiKey: string;
      restUrl: string;
    };
    expect(output).toContain(endpoints.apiKey);
    const response = await fetch(endpoints.graphqlUrl, {
      method: 'POST',
      headers: { 'x-api-key': endpoints.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ cities { code } }' }),
    });
    expect(((await response.json()) as { data: { cities: unknown[] } }).data.cities.length).toBeGreaterThanOrEqual(5);

    const spawned = descendants(child.pid!);
    expect(spawned.length).toBeGreaterThan(0);
    // Ctrl-C in a terminal signals the whole foreground process group; the stack's handler runs once.
    for (const pid of [child.pid!, ...spawned]) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
    // 'close', not 'exit': npm may exit on the signal while the stack it started is still stopping (and
    // still writing to the shared output pipe); the pipe closes when every process holding it is gone.
    await new Promise<void>((resolveClosed) => child.once('close', () => resolveClosed()));
    // An exited process that init has not reaped yet still answers signal 0: poll briefly, then none may run.
    const deadline = Date.now() + 10_000;
    while (spawned.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(spawned.filter(running)).toEqual([]);
    expect(output).toContain('stopped; no PostgreSQL or Java process left running');
    expect(existsSync(join(stateDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it(
    'cleans up after a hard kill: the next start stops the orphaned PostgreSQL and DynamoDB Local',
    { timeout: 180_000 },
    async () => {
      const hardKillState = mkdtempSync(join(tmpdir(), 'rastup-hardkill-'));
      const launch = async () => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
          cwd: rootDir,
          env: { ...process.env, PORT: '0', RASTUP_STATE_DIR: hardKillState },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const started = Date.now();
        while (!output.includes('Ctrl-C stops everything')) {
          if (Date.now() - started > 90_000 || child.exitCode !== null)
            throw new Error(`start did not come up:\n${output}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        return { child, output: () => output };
      };
      try {
        const first = await launch();
        // The processes the stack owns (PostgreSQL and the DynamoDB Local JVM), not tsx's helpers.
        const orphans = descendants(first.child.pid!).filter((pid) => /postgres|DynamoDBLocal/.test(commandLine(pid)));
        expect(orphans.length).toBeGreaterThan(0);
        // SIGKILL runs no shutdown code: PostgreSQL and the JVM survive their parent.
        first.child.kill('SIGKILL');
        await new Promise((r) => setTimeout(r, 300));
        expect(orphans.some(isAlive)).toBe(true);

        const second = await launch();
        // Stopped before the second stack started (postgres workers exit with their postmaster).
        for (let i = 0; i < 50 && orphans.some(isAlive); i++) await new Promise((r) => setTimeout(r, 100));
        expect(orphans.filter(isAlive)).toEqual([]);
        const endpoints = JSON.parse(readFileSync(join(hardKillState, 'endpoints.json'), 'utf8')) as {
          graphqlUrl: string;
          apiKey: string;
        };
        const response = await fetch(endpoints.graphqlUrl, {
          method: 'POST',
          headers: { 'x-api-key': endpoints.apiKey, 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ cities { code } }' }),
        });
        expect(response.status).toBe(200);
        const spawned = descendants(second.child.pid!);
        second.child.kill('SIGINT');
        await new Promise<void>((resolveExit) => second.child.once('exit', () => resolveExit()));
        await new Promise((r) => setTimeout(r, 500));
        expect(spawned.filter(isAlive)).toEqual([]);
      } finally {
        rmSync(hardKillState, { recursive: true, force: true });
      }
    },
  );
});
