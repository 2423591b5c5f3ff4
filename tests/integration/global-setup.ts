/**
 * Starts one local stack for the whole integration run: a fresh state dir, free ports,
 * throwaway data. Log lines go to a file so tests can assert nothing sensitive is logged.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resetLocalState } from '../../infra/local/reset.ts';
import type { TestProject } from 'vitest/node';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import '../support/provided.ts';
// Before the stack loads any Lambda code: the bundles' module aliases (one Temporal polyfill).
import '../support/deployed-aliases.ts';
import { auditRunLog } from '../support/log-audit.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let stack: LocalStack | undefined;

export default async function setup(project: TestProject) {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const stateDir = mkdtempSync(join(tmpdir(), 'rastup-it-'));
  const logFile = join(stateDir, 'stack.log');
  stack = await startLocalStack({ rootDir, stateDir, port: 0, ephemeral: true, logFile });
  const secrets = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
    keyEncryptionKey: string;
  } & Record<string, unknown>;
  project.provide('stack', {
    endpoints: stack.endpoints,
    stateDir,
    logFile,
    keyEncryptionKey: secrets.keyEncryptionKey,
    issuer: stack.endpoints.restUrl,
  });
  return async () => {
    await stack?.stop();
    // Appendix L: every line the whole run wrote, validated once all files are done.
    auditRunLog(
      logFile,
      Object.values(secrets).filter((value): value is string => typeof value === 'string'),
    );
    // The state folder and, as root, the cluster kept under the temp dir for it (not the staged binaries).
    await resetLocalState(stateDir, { log: () => undefined, keepBinaries: true });
  };
}
