/**
 * Runs the Control Tower guard validator (the same plugin and options app.ts uses) over a stage's
 * templates off the test's main thread, so the tier does not sit idle while cfn-guard works.
 *
 * Why: cfn-guard is a single-threaded static musl binary whose allocator maps and unmaps memory for
 * every rule × resource evaluation; over the six prod templates it was ~109 s of a quiet 2-core
 * machine and most of the CDK tier. The plugin calls it synchronously (spawnSync), which blocked the
 * worker while the second core idled. Here the templates are split into lanes balanced by size,
 * each lane's validator runs in its own worker thread (its spawnSync blocks only that thread), and
 * the lanes start as soon as prod is synthesized, so they overlap the synthesis of the other stages.
 * cfn-guard evaluates every `--data` file on its own, so the union of the lanes' violations is
 * exactly the report of one call over all templates.
 */
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { PolicyViolationBeta1 } from 'aws-cdk-lib';
import { controlTowerGuardOptions } from '../constructs/cfn-guard.ts';

export interface GuardReport {
  readonly violations: PolicyViolationBeta1[];
}

const pluginPath = createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard');

// Plain CommonJS (an eval worker): it needs no TypeScript loader, only the plugin itself.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { CfnGuardValidator } = require(workerData.pluginPath);
try {
  const report = new CfnGuardValidator(workerData.options).validate({ templatePaths: workerData.templatePaths });
  parentPort.postMessage({ violations: report.violations });
} catch (error) {
  parentPort.postMessage({ error: String(error && error.stack || error) });
}
`;

function validateInWorker(templatePaths: readonly string[]): Promise<GuardReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { pluginPath, options: { ...controlTowerGuardOptions }, templatePaths: [...templatePaths] },
    });
    worker.once('message', (message: { violations?: PolicyViolationBeta1[]; error?: string }) => {
      if (message.error !== undefined) reject(new Error(`cfn-guard lane failed: ${message.error}`));
      else resolve({ violations: message.violations ?? [] });
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`cfn-guard lane exited with ${code}`));
    });
  });
}

/** Largest first, each into the lane with the fewest bytes so far (cfn-guard's time follows size). */
export function splitIntoLanes(templatePaths: readonly string[], lanes: number): string[][] {
  const buckets = Array.from({ length: Math.max(1, Math.min(lanes, templatePaths.length)) }, () => ({
    bytes: 0,
    paths: [] as string[],
  }));
  const bySize = templatePaths
    .map((path) => ({ path, bytes: statSync(path).size }))
    .sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  for (const { path, bytes } of bySize) {
    const lightest = buckets.reduce((min, bucket) => (bucket.bytes < min.bytes ? bucket : min));
    lightest.paths.push(path);
    lightest.bytes += bytes;
  }
  return buckets.map((bucket) => bucket.paths).filter((paths) => paths.length > 0);
}

/** The guard report over `templatePaths`, computed in parallel lanes (one per core by default). */
export async function validateGuardInLanes(
  templatePaths: readonly string[],
  lanes: number = availableParallelism(),
): Promise<GuardReport> {
  const reports = await Promise.all(splitIntoLanes(templatePaths, lanes).map((paths) => validateInWorker(paths)));
  return { violations: reports.flatMap((report) => report.violations) };
}
