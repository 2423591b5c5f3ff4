/**
 * `npm run bench:coldstart`: module init time of each Lambda bundle, the part of a cold start our
 * code controls. Synthesizes the prod stage in-process (every function exists there), takes each
 * project Lambda's deployed bundle (index.mjs, with whatever native modules sit beside it) and, 10
 * times per bundle, imports it in a fresh Node process with the function's own environment variables
 * from the template (CloudFormation references as placeholder strings), timing the import alone
 * (performance.now() around `await import()`: module evaluation, top-level awaits, config read at
 * init). Prints the median, min and max per bundle, and the median CPU time of the import (user +
 * system: what the init costs when the machine is shared and wall time mostly measures waiting) and fails when a bundle fails to import.
 * Native modules shipped beside a bundle for linux-arm64 resolve to this checkout's host build.
 * Aim: median ≤ 150 ms each. This machine runs Node 20 on x64; Lambda runs Node 22 on ARM64, so the
 * figures compare bundles with each other and over time, not with Lambda's absolute numbers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newRastupApp } from '../../infra/cdk/cdk-app-factory.ts';
import { functionNameMetadataKey } from '../../infra/cdk/constructs/rastup-function.construct.ts';
import { buildRastupStage } from '../../infra/cdk/rastup-stage.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env.COLDSTART_RUNS ?? 10);
const AIM_MS = 150;

interface TemplateResource {
  Type: string;
  Metadata?: Record<string, unknown>;
  Properties?: { Environment?: { Variables?: Record<string, unknown> }; Handler?: string };
}

/** The child: import the bundle once and print how long the import took. */
const CHILD = `
const { performance } = require('node:perf_hooks');
const { pathToFileURL } = require('node:url');
const cpu = process.cpuUsage();
const start = performance.now();
import(pathToFileURL(process.argv[1]).href).then(
  (mod) => {
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (typeof mod.handler !== 'function') { console.error('no handler export'); process.exit(2); }
    process.stdout.write(JSON.stringify({ ms, cpuMs }));
    process.exit(0);
  },
  (error) => { console.error(String(error && error.stack || error)); process.exit(1); },
);
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const outdir = mkdtempSync(join(tmpdir(), 'rastup-coldstart-'));
try {
  const app = newRastupApp({ outdir });
  buildRastupStage(app, 'prod');
  const assembly = app.synth();

  const bundles: { name: string; file: string; env: Record<string, string> }[] = [];
  for (const stack of assembly.stacks) {
    const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as {
      Resources: Record<string, TemplateResource>;
    };
    for (const resource of Object.values(template.Resources)) {
      const name = resource.Metadata?.[functionNameMetadataKey];
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || typeof name !== 'string' || typeof assetPath !== 'string')
        continue;
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(resource.Properties?.Environment?.Variables ?? {}))
        env[key] = typeof value === 'string' ? value : `placeholder-${key.toLowerCase()}`;
      bundles.push({ name, file: join(outdir, assetPath, 'index.mjs'), env });
    }
  }
  if (bundles.length === 0) throw new Error('No project Lambda found in the synthesized templates');

  console.log(
    `module init per bundle, ${RUNS} fresh Node ${process.version} processes each (aim: median <= ${AIM_MS} ms)`,
  );
  console.log(
    [
      'function'.padEnd(34),
      'median'.padStart(10),
      'min'.padStart(10),
      'max'.padStart(10),
      'cpu median'.padStart(10),
      '',
    ].join(' '),
  );
  let failed = 0;
  const rows: { name: string; median: number }[] = [];
  for (const bundle of bundles.sort((a, b) => a.name.localeCompare(b.name))) {
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let error = '';
    for (let run = 0; run < RUNS && !error; run++) {
      const child = spawnSync(process.execPath, ['-e', CHILD, bundle.file], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          AWS_LAMBDA_FUNCTION_NAME: bundle.name,
          AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
          NODE_OPTIONS: '--enable-source-maps',
          // Native modules beside a bundle are built for Lambda (linux-arm64); on another machine their
          // loaders fall back to this checkout's host build (e.g. @node-rs/argon2-linux-x64-gnu).
          NODE_PATH: join(rootDir, 'node_modules'),
          ...bundle.env,
        },
        timeout: 60_000,
      });
      if (child.status !== 0)
        error = (child.stderr || `exit ${child.status}`).trim().split('\n').slice(0, 3).join(' | ');
      else {
        const measured = JSON.parse(child.stdout) as { ms: number; cpuMs: number };
        times.push(measured.ms);
        cpuTimes.push(measured.cpuMs);
      }
    }
    if (error) {
      failed++;
      console.log(`${bundle.name.padEnd(34)} FAILED TO IMPORT: ${error}`);
      continue;
    }
    const m = median(times);
    rows.push({ name: bundle.name, median: m });
    const fmt = (ms: number) => `${ms.toFixed(1)} ms`.padStart(10);
    console.log(
      [
        bundle.name.padEnd(34),
        fmt(m),
        fmt(Math.min(...times)),
        fmt(Math.max(...times)),
        m > AIM_MS ? 'over aim' : '',
      ].join(' '),
    );
  }
  const over = rows.filter((row) => row.median > AIM_MS);
  console.log(
    `${rows.length} bundles measured, ${over.length} over ${AIM_MS} ms${over.length ? `: ${over.map((r) => r.name).join(', ')}` : ''}`,
  );
  if (failed > 0) process.exitCode = 1;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
