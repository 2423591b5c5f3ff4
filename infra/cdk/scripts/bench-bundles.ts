/**
 * `npm run bench:bundles`: synthesizes the prod stage in-process (every function exists there),
 * finds each project Lambda by the metadata the shared construct stamps on it, and prints the size
 * of its minified bundle (the deployed index.mjs; the source map is listed apart, it is not loaded
 * unless a stack trace needs it). Fails when any bundle reaches 1 MB, and when the CI gate's figures
 * (`npm run bundles:check`, esbuild without a synth) differ from the synthesized bundles by a byte:
 * the gate is only worth running if it measures what CDK deploys.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLimitBytes, measureBundles } from '../bundling/bundle-sizes.ts';
import { newRastupApp } from '../cdk-app-factory.ts';
import { functionNameMetadataKey, RastupFunction } from '../constructs/rastup-function.construct.ts';
import { buildRastupStage } from '../rastup-stage.ts';

interface TemplateResource {
  Type: string;
  Metadata?: Record<string, unknown>;
}

const outdir = mkdtempSync(join(tmpdir(), 'rastup-bundles-'));
try {
  const app = newRastupApp({ outdir });
  buildRastupStage(app, 'prod');
  const assembly = app.synth();

  const rows: { name: string; stack: string; bytes: number; mapBytes: number; nativeBytes: number }[] = [];
  for (const stack of assembly.stacks) {
    const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as {
      Resources: Record<string, TemplateResource>;
    };
    for (const resource of Object.values(template.Resources)) {
      const name = resource.Metadata?.[functionNameMetadataKey];
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || typeof name !== 'string' || typeof assetPath !== 'string')
        continue;
      const dir = join(outdir, assetPath);
      const files = readdirSync(dir).filter((file) => statSync(join(dir, file)).isFile());
      const size = (predicate: (file: string) => boolean) =>
        files.filter(predicate).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
      const nativeDir = join(dir, 'node_modules');
      const nativeBytes = readdirSync(dir).includes('node_modules')
        ? Number(execFileSync('du', ['-sb', nativeDir], { encoding: 'utf8' }).split('\t')[0])
        : 0;
      rows.push({
        name,
        stack: stack.stackName,
        bytes: size((f) => !f.endsWith('.map')),
        mapBytes: size((f) => f.endsWith('.map')),
        nativeBytes,
      });
    }
  }
  if (rows.length === 0) throw new Error('No project Lambda found in the synthesized templates');

  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(
    [
      'function'.padEnd(34),
      'stack'.padEnd(26),
      'bundle'.padStart(12),
      'source map'.padStart(12),
      'beside it'.padStart(12),
    ].join(' '),
  );
  for (const row of rows.sort((a, b) => b.bytes - a.bytes)) {
    const native = row.nativeBytes ? kib(row.nativeBytes) : '-';
    console.log(
      [
        row.name.padEnd(34),
        row.stack.padEnd(26),
        kib(row.bytes).padStart(12),
        kib(row.mapBytes).padStart(12),
        native.padStart(12),
      ].join(' '),
    );
  }
  // The gate's figures for the same entries (function name -> entry from the construct tree).
  const entryOf = new Map(
    app.node
      .findAll()
      .filter((construct): construct is RastupFunction => construct instanceof RastupFunction)
      .map((fn) => [fn.functionName, fn.entry]),
  );
  const gate = new Map((await measureBundles([...new Set(entryOf.values())])).map((size) => [size.entry, size]));
  const differing = rows.filter((row) => gate.get(entryOf.get(row.name) ?? '')?.bytes !== row.bytes);
  if (differing.length > 0) {
    console.error(
      `bundles:check measures differently from the synthesized bundles: ${differing
        .map(
          (row) =>
            `${row.name} (synth ${row.bytes} B, gate ${gate.get(entryOf.get(row.name) ?? '')?.bytes ?? 'none'} B)`,
        )
        .join(', ')}`,
    );
    process.exitCode = 1;
  } else console.log(`bundles:check agrees with the synthesized bundles to the byte (${rows.length} functions)`);
  const over = rows.filter((row) => row.bytes >= bundleLimitBytes);
  if (over.length > 0) {
    console.error(`At or over the 1 MB limit: ${over.map((row) => `${row.name} (${kib(row.bytes)})`).join(', ')}`);
    process.exitCode = 1;
  } else if (process.exitCode !== 1) {
    console.log(`${rows.length} bundles, all under ${kib(bundleLimitBytes)}`);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
