import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, commandLineOf } from './processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'rastup-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('acquireLock', () => {
  it('refuses a lock a live process holds, naming it, and releases only its own', async () => {
    const file = join(dir, 'held.lock');
    const lock = await acquireLock(file, { what: 'the test lock' });
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    await expect(acquireLock(file, { what: 'the test lock' })).rejects.toMatchObject({ holder: process.pid });
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('takes over a lock whose holder is gone, or whose PID now belongs to something that is not Node', async () => {
    const file = join(dir, 'stale.lock');
    writeFileSync(file, '999999999');
    (await acquireLock(file, { what: 'the test lock' })).release();
    const sleeper = spawn('sleep', ['30']);
    try {
      expect(commandLineOf(sleeper.pid!)).toContain('sleep');
      writeFileSync(file, String(sleeper.pid));
      (await acquireLock(file, { what: 'the test lock' })).release();
    } finally {
      sleeper.kill();
    }
  });

  it('waits for the holder when asked to', async () => {
    const file = join(dir, 'wait.lock');
    const first = await acquireLock(file, { what: 'the test lock' });
    setTimeout(() => first.release(), 300);
    const second = await acquireLock(file, { what: 'the test lock', waitMs: 5_000 });
    second.release();
  });
});
