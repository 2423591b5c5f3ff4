/**
 * Local state lives in one place. Run as root (CI), a mkdtemp state folder (mode 700) is not
 * traversable by `postgres`, so the cluster is kept under the temp dir with a pointer in the state
 * folder — the layout of a clone under /root. Deleting the state folder gives a fresh start (the
 * old cluster goes with it); secrets that cannot decrypt the stored signing keys stop the start
 * with a clear message; `npm run reset` removes everything, temp-dir cluster included.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterPointer, relocatedClusters } from '../../infra/local/postgres.ts';
import { resetLocalState } from '../../infra/local/reset.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { SigningKeyStore } from '../../lambdas/auth/signing-keys.ts';
import { auditLogLines } from '../../lambdas/core/testing/log-audit.ts';
import { systemClock } from '../../lambdas/core/clock.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-state-'));
const requested = join(stateDir, 'postgres');
const quiet = { log: () => undefined, keepBinaries: true };
afterAll(() => resetLocalState(stateDir, quiet));

const start = () => startLocalStack({ rootDir, stateDir, port: 0, ephemeral: true, logFile: join(stateDir, 'log') });

async function keyCount(stack: LocalStack): Promise<number> {
  return Number((await stack.db.query<{ n: string }>('SELECT count(*) AS n FROM auth_signing_keys')).rows[0]!.n);
}

async function signingKeyCount(stack: LocalStack): Promise<number> {
  // The JWKS creates the first key on demand, as the first sign-in would.
  const jwks = await fetch(`${stack.endpoints.restUrl}/.well-known/jwks.json`);
  expect(jwks.status).toBe(200);
  return Number((await stack.db.query<{ n: string }>('SELECT count(*) AS n FROM auth_signing_keys')).rows[0]!.n);
}

describe('local state in one place', () => {
  it(
    'fresh start after deleting the state folder, a clear stop on foreign secrets, and reset',
    { timeout: 300_000 },
    async () => {
      const first = await start();
      // Before serving anything, the log holds the stack's ready line, valid for the run's audit (a run
      // whose files never touch the shared stack audits that line instead of finding no file).
      const startLog = readFileSync(join(stateDir, 'log'), 'utf8').split('\n');
      expect(startLog.filter((line) => line.includes('"local stack ready"'))).toHaveLength(1);
      expect(auditLogLines(startLog, { knownSecrets: [] })).toEqual([]);
      expect(await signingKeyCount(first)).toBe(1);
      await first.stop();
      const asRelocated = existsSync(clusterPointer(requested));
      const firstCluster = asRelocated ? readFileSync(clusterPointer(requested), 'utf8').trim() : requested;

      // "Delete .local/ for a fresh start": the old cluster must not come back with new secrets.
      rmSync(stateDir, { recursive: true, force: true });
      // As under a mode-700 home: the re-made `.local/` is still not traversable by `postgres`.
      mkdirSync(stateDir, { mode: 0o700 });
      const second = await start();
      try {
        // A new, empty cluster: the old keys did not come back. (Sign-in over HTTP after this is
        // checked by hand through `npm start`, separate processes: in one process the auth Lambda
        // reads its configuration once, as in a Lambda container.)
        expect(await keyCount(second)).toBe(0);
        if (asRelocated) {
          expect(existsSync(firstCluster)).toBe(false);
          // The re-made state folder may be traversable (no relocation needed, no pointer).
          expect(relocatedClusters(requested)).toHaveLength(existsSync(clusterPointer(requested)) ? 1 : 0);
        }
        // A key sealed with this state's secrets, for the foreign secrets below to fail on.
        const { keyEncryptionKey } = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
          keyEncryptionKey: string;
        };
        await new SigningKeyStore(second.db, systemClock, keyEncryptionKey, 30, 4500).signingKey();
      } finally {
        await second.stop();
      }

      // Secrets from another state: the start stops, naming both files and the way out.
      const secretsFile = join(stateDir, 'secrets.json');
      const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
      writeFileSync(secretsFile, JSON.stringify({ ...secrets, keyEncryptionKey: randomBytes(32).toString('base64') }));
      await expect(start()).rejects.toThrow(/secrets\.json cannot decrypt.*npm run reset/s);
      expect(existsSync(join(stateDir, 'stack.lock'))).toBe(false);

      await resetLocalState(stateDir, quiet);
      expect(existsSync(stateDir)).toBe(false);
      expect(relocatedClusters(requested)).toEqual([]);
      const third = await start();
      try {
        expect(await keyCount(third)).toBe(0);
      } finally {
        await third.stop();
      }
    },
  );
});
