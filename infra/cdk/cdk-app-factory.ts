/**
 * In-process apps for tests, the bundle bench and the synth script: the same feature flags as
 * cdk.json (so a test sees the template `cdk synth` produces) and asset metadata on, which the
 * CLI turns on by default and the bench uses to find each function's bundle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { repositoryRoot } from './constructs/rastup-function.construct.ts';

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export function newRastupApp(options: { outdir?: string; context?: Record<string, unknown> } = {}): App {
  return new App({
    outdir: options.outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:enable-asset-metadata': true, ...options.context },
  });
}
