/**
 * Bundle sizes without a CDK synth: esbuild builds every distinct Lambda entry in memory with the
 * options the shared function construct gives NodejsFunction (minified ESM for node22, the same
 * externals, aliases and banner), so the figures equal the deployed index.mjs byte for byte
 * (`npm run bench:bundles` cross-checks them against the synthesized assets). Used by the CI gate
 * (`npm run bundles:check`), which must stay a few seconds, not the minutes a synth with bundling takes.
 */
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { domains, scheduledJobs } from '../../definitions/domains.ts';
import {
  bundleAliases,
  bundleBanner,
  localOnlyModules,
  nativeModules,
  repositoryRoot,
} from '../constructs/rastup-function.construct.ts';
import { outboxRelayEntry } from '../stacks/async.stack.ts';
import { migratorEntry } from '../stacks/data.stack.ts';

/** Lambda's comfortable ceiling for a cold start, and the acceptance line: every bundle < 1 MB. */
export const bundleLimitBytes = 1024 * 1024;

/**
 * Packages an alias replaces (rastup-function.construct.ts bundleAliases): finding one in a bundle
 * means an alias stopped applying (a new import path, a renamed package), so the gate fails on it.
 */
export const packagesNeverBundled = [
  '@aws-sdk/credential-provider-node',
  '@aws-sdk/nested-clients',
  '@js-temporal/polyfill',
  'semver',
  'mime-db',
] as const;

/**
 * Every distinct entry a RastupFunction is built from: the domains (API functions and their event
 * consumers), the scheduled jobs, the outbox relay and the migrator. The CDK tier checks that the
 * synthesized stages build no function from an entry missing here (bundle-sizes.checks in cdk.test.ts).
 */
export function bundledEntries(): string[] {
  return [
    ...new Set([
      ...Object.values(domains).map((domain) => domain.entry),
      ...scheduledJobs.map((job) => job.entry),
      outboxRelayEntry,
      migratorEntry,
    ]),
  ];
}

export interface Contributor {
  /** An npm package (`@smithy/core`) or a repository folder (`lambdas/booking`). */
  readonly name: string;
  readonly bytes: number;
}

export interface BundleSize {
  /** Entry file relative to the repository root. */
  readonly entry: string;
  /** Size of the minified index.mjs. */
  readonly bytes: number;
  /** What the bytes are, largest first. */
  readonly contributors: readonly Contributor[];
}

/** The package (or repository folder) a metafile input belongs to. */
export function contributorOf(input: string): string {
  // The innermost node_modules: a nested copy is its own package, not the one that depends on it.
  const nodeModules = [...input.matchAll(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1);
  if (nodeModules) return nodeModules[1]!;
  return input.split('/').slice(0, 2).join('/');
}

export function contributorsOf(output: Metafile['outputs'][string]): Contributor[] {
  const byName = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = contributorOf(input);
    byName.set(name, (byName.get(name) ?? 0) + bytesInOutput);
  }
  return [...byName].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * One esbuild build with every entry point: each module is parsed once for all bundles (building
 * them one by one parsed the AWS SDK 31 times), and each entry still gets its own bundle.
 */
export async function measureBundles(entries: readonly string[] = bundledEntries()): Promise<BundleSize[]> {
  const result = await build({
    entryPoints: entries.map((entry) => join(repositoryRoot, entry)),
    outdir: join(repositoryRoot, 'cdk.out', 'bundle-sizes'),
    outbase: repositoryRoot,
    // <entry>/index.mjs, as NodejsFunction names it (the sourceMappingURL line names the file).
    entryNames: '[dir]/[name]/index',
    outExtension: { '.js': '.mjs' },
    absWorkingDir: repositoryRoot,
    write: false,
    metafile: true,
    bundle: true,
    minify: true,
    // External source maps as deployed: only the one-line sourceMappingURL reaches index.mjs.
    sourcemap: 'external',
    sourcesContent: false,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: [...nativeModules, ...localOnlyModules],
    alias: { ...bundleAliases },
    banner: { js: bundleBanner },
    logLevel: 'error',
  });
  const byEntry = new Map(
    Object.values(result.metafile.outputs)
      .filter((output) => output.entryPoint !== undefined)
      .map((output) => [output.entryPoint!, output]),
  );
  return entries.map((entry) => {
    const output = byEntry.get(entry);
    if (!output) throw new Error(`${entry}: esbuild produced no bundle for it`);
    return { entry, bytes: output.bytes, contributors: contributorsOf(output) };
  });
}

export interface BundleVerdict {
  /** Bundles at or above the limit. */
  readonly over: readonly BundleSize[];
  /** Bundles containing a package an alias should have replaced, with those packages. */
  readonly unaliased: readonly { readonly bundle: BundleSize; readonly packages: readonly string[] }[];
}

export function judgeBundles(sizes: readonly BundleSize[], limitBytes: number = bundleLimitBytes): BundleVerdict {
  const never = new Set<string>(packagesNeverBundled);
  return {
    over: sizes.filter((size) => size.bytes >= limitBytes),
    unaliased: sizes
      .map((bundle) => ({ bundle, packages: bundle.contributors.map((c) => c.name).filter((name) => never.has(name)) }))
      .filter((found) => found.packages.length > 0),
  };
}

export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
