/**
 * The bundle-size gate (`npm run bundles:check`) builds the entries `bundledEntries()` lists without a
 * synth; this check keeps that list complete: every function of every stage is built from one of them.
 */
import { describe, expect, it } from 'vitest';
import { bundledEntries } from '../bundling/bundle-sizes.ts';
import { RastupFunction } from '../constructs/rastup-function.construct.ts';
import { synthStage } from './synth-fixture.ts';

/** Registered by cdk.test.ts, which synthesizes each stage once for all of the CDK checks. */
export function registerBundleEntriesChecks(): void {
  describe('bundle-size gate entries', () => {
    it('every RastupFunction of dev, stage and prod is built from an entry the gate measures', () => {
      const gate = new Set(bundledEntries());
      const built = new Set<string>();
      for (const stage of ['dev', 'stage', 'prod'] as const)
        for (const construct of synthStage(stage).app.node.findAll())
          if (construct instanceof RastupFunction) built.add(construct.entry);
      expect(built.size).toBeGreaterThan(20);
      expect([...built].filter((entry) => !gate.has(entry))).toEqual([]);
      // No stale entries either: the gate would measure (and could fail on) code nothing deploys.
      expect([...gate].filter((entry) => !built.has(entry))).toEqual([]);
    });
  });
}
