/**
 * Small helpers for the local stack's child processes: free ports, readiness polling, and a
 * registry of what was started so Ctrl-C (and a crash followed by a restart) leaves nothing behind.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1' }, () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : port;
        server.close(() => resolve(chosen));
      });
    });
  if (preferred) {
    try {
      return await tryListen(preferred);
    } catch {
      // taken: fall through to a random port
    }
  }
  // A port from the kernel's ephemeral range (port 0) is free now but is also where every outgoing
  // connection takes its source port: between this check and the child (DynamoDB Local's JVM, seconds
  // later) binding it, a test's client connection could take it ("Address already in use", seen once
  // in 20 runs of the npm-start test). Ports below that range are handed out only by bind, so a random one is picked
  // there first; port 0 stays the fallback.
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      return await tryListen(
        BELOW_EPHEMERAL.min + Math.floor(Math.random() * (BELOW_EPHEMERAL.max - BELOW_EPHEMERAL.min)),
      );
    } catch {
      // taken: try another
    }
  }
  return tryListen(0);
}

/** Below Linux's default ip_local_port_range (32768-60999) and above the well-known/registered ports in common use. */
const BELOW_EPHEMERAL = { min: 20_000, max: 32_000 } as const;

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await probe();
    } catch (error) {
      if ((error as { fatal?: boolean })?.fatal) throw error;
      lastError = error;
      await sleep(intervalMs);
    }
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms: ${(lastError as Error)?.message ?? lastError}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal`, then SIGKILL if the process is still there after `graceMs`. */
export async function terminate(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * The command line of a running process ('' when it is gone or cannot be read): /proc on Linux,
 * `ps` elsewhere. Used before killing a PID read from a file, since PIDs are reused.
 */
export function commandLineOf(pid: number): string {
  if (!(pid > 0) || !isAlive(pid)) return '';
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    const ps = spawnSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim() : '';
  }
}

/**
 * A lock held by a live process, as a file holding its PID (created with O_EXCL). A lock whose
 * process is gone (a hard kill) is taken over. `wait` polls until the holder releases it;
 * otherwise `acquire` fails at once, naming the holder.
 */
export async function acquireLock(
  path: string,
  options: { what: string; waitMs?: number; onWait?: (holder: number) => void },
): Promise<{ release(): void }> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(path, 'utf8').trim());
    } catch {
      continue; // released between our open and read: try again
    }
    // A holder that is gone (or a PID reused by a process that is not Node) left a stale lock.
    if (!(holder > 0) || !/node|tsx/.test(commandLineOf(holder))) {
      try {
        unlinkSync(path);
      } catch {
        // another starter removed it first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const error = new Error(`${options.what} is held by process ${holder} (lock file ${path})`);
      throw Object.assign(error, { holder });
    }
    if (!told) options.onWait?.(holder);
    told = true;
    await sleep(200);
  }
}
