import { describe, expect, it } from 'vitest';
import {
  bundleLimitBytes,
  contributorOf,
  judgeBundles,
  measureBundles,
  packagesNeverBundled,
  type BundleSize,
} from './bundle-sizes.ts';

const bundle = (entry: string, bytes: number, names: string[] = []): BundleSize => ({
  entry,
  bytes,
  contributors: names.map((name) => ({ name, bytes: 1 })),
});

describe('bundle-size gate (npm run bundles:check)', () => {
  it('fails a bundle at 1 MB exactly and above, passes one byte below', () => {
    expect(bundleLimitBytes).toBe(1_048_576);
    const verdict = judgeBundles([
      bundle('a.ts', bundleLimitBytes - 1),
      bundle('b.ts', bundleLimitBytes),
      bundle('c.ts', bundleLimitBytes + 1),
    ]);
    expect(verdict.over.map((b) => b.entry)).toEqual(['b.ts', 'c.ts']);
    expect(judgeBundles([bundle('a.ts', 10)], 10).over).toHaveLength(1);
    expect(judgeBundles([bundle('a.ts', 9)], 10).over).toHaveLength(0);
  });

  it('fails a bundle that contains a package an alias replaces', () => {
    const verdict = judgeBundles([
      bundle('ok.ts', 100, ['@smithy/core', 'lambdas/core']),
      bundle('leak.ts', 100, ['zod', '@aws-sdk/nested-clients', '@aws-sdk/credential-provider-node']),
    ]);
    expect(verdict.over).toHaveLength(0);
    expect(verdict.unaliased).toEqual([
      {
        bundle: expect.objectContaining({ entry: 'leak.ts' }),
        packages: ['@aws-sdk/nested-clients', '@aws-sdk/credential-provider-node'],
      },
    ]);
  });

  it('names contributors by package, scoped or not, nested or not, and by repository folder', () => {
    expect(contributorOf('node_modules/zod/v4/classic/schemas.js')).toBe('zod');
    expect(contributorOf('node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
    expect(contributorOf('node_modules/a/node_modules/@aws-sdk/core/x.js')).toBe('@aws-sdk/core');
    expect(contributorOf('lambdas/booking/feasibility.ts')).toBe('lambdas/booking');
  });

  // The real build of one small entry: the gate measures esbuild's output, not a stub.
  it('builds a real entry with the deployed aliases: no credential chain, nothing from packagesNeverBundled', async () => {
    const [size] = await measureBundles(['lambdas/platform/outbox-relay.handler.ts']);
    expect(size!.bytes).toBeGreaterThan(100 * 1024);
    expect(size!.bytes).toBeLessThan(bundleLimitBytes);
    const names = size!.contributors.map((c) => c.name);
    expect(names).toContain('@aws-sdk/client-eventbridge');
    expect(names).toContain('@aws-sdk/credential-provider-env');
    for (const never of packagesNeverBundled) expect(names).not.toContain(never);
    expect(size!.contributors.reduce((sum, c) => sum + c.bytes, 0)).toBeLessThanOrEqual(size!.bytes);
  }, 120_000);
});
