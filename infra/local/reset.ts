/**
 * `npm run reset`: a fresh start for the local stack. Removes every piece of local state this
 * checkout has, wherever it lives:
 *  - the state folder (`.local/`, or RASTUP_STATE_DIR): secrets, endpoints, DynamoDB Local and
 *    s3rver data, the PostgreSQL cluster (or, as root under a non-traversable folder, the pointer
 *    to it),
 *  - as root: the cluster relocated under the OS temp dir, and the copy of the PostgreSQL binaries
 *    staged there (~130 MB together),
 *  - PostgreSQL and DynamoDB Local left running by a hard kill (each checked to be what its PID
 *    file says before it is stopped).
 * Refused while a stack runs on the state folder (stop it with Ctrl-C first).
 */
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopLeftover } from './dynamodb.ts';
import { clusterPointer, relocatedClusters, removeCluster, stagedBinariesRoot } from './postgres.ts';
import { commandLineOf } from './processes.ts';
import { STATE_LOCK_FILE } from './local-state.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sizeOf(path: string): number {
  try {
    const stat = lstatSync(path);
    if (!stat.isDirectory()) return stat.size;
    return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
  } catch {
    return 0;
  }
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** Whether any running process executes a binary under `dir` (a stack of this checkout still up). */
function binariesInUse(dir: string): boolean {
  if (!existsSync('/proc')) return false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (commandLineOf(Number(entry)).startsWith(dir)) return true;
  }
  return false;
}

export async function resetLocalState(
  stateDir: string,
  options: { log?: (line: string) => void; keepBinaries?: boolean } = {},
): Promise<void> {
  const log = options.log ?? console.log;
  const lockFile = join(stateDir, STATE_LOCK_FILE);
  if (existsSync(lockFile)) {
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    if (holder > 0 && /node|tsx/.test(commandLineOf(holder)))
      throw new Error(`a local stack (pid ${holder}) is running on ${stateDir}; stop it (Ctrl-C) first`);
  }
  let freed = 0;
  const remove = async (path: string, what: string, removeIt: () => Promise<void> | void) => {
    if (!existsSync(path)) return;
    const size = sizeOf(path);
    await removeIt();
    freed += size;
    log(`removed ${what}: ${path} (${megabytes(size)})`);
  };

  // A hard kill's orphans first: they hold the files about to be deleted.
  await stopLeftover(join(stateDir, 'dynamodb.pid'));
  const requested = join(stateDir, 'postgres');
  const clusters = new Set([requested, ...relocatedClusters(requested)]);
  const pointer = clusterPointer(requested);
  if (existsSync(pointer)) clusters.add(readFileSync(pointer, 'utf8').trim());
  for (const cluster of clusters) await remove(cluster, 'PostgreSQL cluster', () => removeCluster(cluster));
  await remove(stateDir, 'state folder', () => rmSync(stateDir, { recursive: true, force: true }));

  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const staged = asRoot && !options.keepBinaries ? stagedBinariesRoot() : undefined;
  if (staged && existsSync(staged)) {
    if (binariesInUse(staged)) log(`kept ${staged}: a PostgreSQL of this checkout (a test stack?) is running from it`);
    else await remove(staged, 'staged PostgreSQL binaries', () => rmSync(staged, { recursive: true, force: true }));
  }
  log(freed > 0 ? `local state reset (${megabytes(freed)} freed); npm start begins afresh` : 'nothing to reset');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  resetLocalState(process.env.RASTUP_STATE_DIR ?? join(rootDir, '.local')).catch((error: Error) => {
    console.error(`reset refused: ${error.message}`);
    process.exit(1);
  });
}
