/**
 * `npm run bench:bundles`: synthesizes the prod stage in-process (every function exists there),
 * finds each project Lambda by the metadata the shared construct stamps on it, and prints the size
 * of its minified bundle (the deployed index.mjs; the source map is listed apart, it is not loaded
 * unless a stack trace needs it). Fails when any bundle exceeds 1 MB.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRastupApp } from '../cdk-app-factory.ts';
import { functionNameMetadataKey } from '../constructs/rastup-function.construct.ts';
import { buildRastupStage } from '../rastup-stage.ts';

export const bundleLimitBytes = 1024 * 1024;

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
  const over = rows.filter((row) => row.bytes > bundleLimitBytes);
  if (over.length > 0) {
    console.error(`Over the 1 MB limit: ${over.map((row) => `${row.name} (${kib(row.bytes)})`).join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log(`${rows.length} bundles, all under ${kib(bundleLimitBytes)}`);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
