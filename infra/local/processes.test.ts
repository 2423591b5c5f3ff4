import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, commandLineOf, freePort } from './processes.ts';

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

describe('freePort', () => {
  it('hands out ports below the kernel ephemeral range, where outgoing connections never take them', async () => {
    const ports = await Promise.all(Array.from({ length: 10 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(32_768);
    }
  });

  it('answers the preferred port when it is free, another when it is taken', async () => {
    const { createServer } = await import('node:net');
    const held = createServer();
    const heldPort = await new Promise<number>((resolve) =>
      held.listen({ port: 0, host: '127.0.0.1' }, () => resolve((held.address() as { port: number }).port)),
    );
    try {
      expect(await freePort(heldPort)).not.toBe(heldPort);
    } finally {
      held.close();
    }
    const free = await freePort();
    expect(await freePort(free)).toBe(free);
  });
});
