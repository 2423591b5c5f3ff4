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
 *
 * Each template is checked against the rules that can apply to it: a Control Tower rule selects the
 * resources of the types it names (`Resources.*[ Type == 'AWS::…' ]`) and is "not applicable" to a
 * template with none of them, so leaving it out changes no finding (measured on the seven prod
 * templates: identical non-compliant lists; 105 of 237 rules name a type prod has at all). A rule
 * that names no type is always run. cfn-guard's cost is per rule × template (its musl allocator maps
 * and unmaps the data for every rule file), so this roughly halves the tier's guard time.
 */
import { availableParallelism } from 'node:os';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PolicyViolationBeta1 } from 'aws-cdk-lib';
import { controlTowerGuardOptions } from '../constructs/cfn-guard.ts';

export interface GuardReport {
  readonly violations: PolicyViolationBeta1[];
}

const pluginPath = createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard');

/** The plugin's Control Tower rules (the directory `controlTowerRulesEnabled` runs). */
export const controlTowerRulesDir = join(dirname(pluginPath), '..', 'rules', 'control-tower', 'cfn-guard');

function guardFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? guardFiles(join(dir, entry.name))
      : entry.name.endsWith('.guard')
        ? [join(dir, entry.name)]
        : [],
  );
}

let ruleTypesCache: Map<string, ReadonlySet<string>> | undefined;

/** Each Control Tower rule (by the name the plugin's `disabledRules` takes) -> the resource types it names. */
export function controlTowerRuleTypes(): Map<string, ReadonlySet<string>> {
  ruleTypesCache ??= new Map(
    guardFiles(controlTowerRulesDir).map((file) => [
      parse(file).name,
      new Set(readFileSync(file, 'utf8').match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? []),
    ]),
  );
  return ruleTypesCache;
}

/** The rules that cannot apply to a template: every type they name is absent from it. */
export function rulesNotApplicableTo(templatePath: string): string[] {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources?: Record<string, { Type: string }> };
  const present = new Set(Object.values(template.Resources ?? {}).map((resource) => resource.Type));
  return [...controlTowerRuleTypes()]
    .filter(([, types]) => types.size > 0 && ![...types].some((type) => present.has(type)))
    .map(([name]) => name);
}

// Plain CommonJS (an eval worker): it needs no TypeScript loader, only the plugin itself. One
// validator per template, with the rules that cannot apply to it disabled.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { CfnGuardValidator } = require(workerData.pluginPath);
try {
  const violations = workerData.jobs.flatMap(({ templatePath, disabledRules }) =>
    new CfnGuardValidator({ ...workerData.options, disabledRules }).validate({ templatePaths: [templatePath] }).violations,
  );
  parentPort.postMessage({ violations });
} catch (error) {
  parentPort.postMessage({ error: String(error && error.stack || error) });
}
`;

function validateInWorker(templatePaths: readonly string[], allRules = false): Promise<GuardReport> {
  const jobs = templatePaths.map((templatePath) => ({
    templatePath,
    disabledRules: allRules ? [] : rulesNotApplicableTo(templatePath),
  }));
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { pluginPath, options: { ...controlTowerGuardOptions }, jobs },
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

/**
 * The guard report over `templatePaths`, computed in parallel lanes (one per core by default).
 * `allRules` runs every rule on every template (the plugin's own behaviour), for the equivalence check.
 */
export async function validateGuardInLanes(
  templatePaths: readonly string[],
  lanes: number = availableParallelism(),
  allRules = false,
): Promise<GuardReport> {
  const reports = await Promise.all(
    splitIntoLanes(templatePaths, lanes).map((paths) => validateInWorker(paths, allRules)),
  );
  return { violations: reports.flatMap((report) => report.violations) };
}
