/**
 * `npm run sbom`: the build's software bill of materials in CycloneDX 1.5, written by npm itself
 * (`npm sbom --sbom-format cyclonedx`, from the installed tree), one per build, in build/sbom/:
 *  - rastup-backend.cdx.json          every installed package (dev ones flagged cdx:npm:package:development);
 *  - rastup-backend.runtime.cdx.json  `--omit dev`: what the Lambda bundles can contain.
 * The git commit is added to the metadata so a stored SBOM names the build it describes. Needs no
 * network. CI keeps the folder as a build artifact; `npm run license:check` reads the first file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sbomDir = join(rootDir, 'build', 'sbom');
export const fullSbomFile = join(sbomDir, 'rastup-backend.cdx.json');
export const runtimeSbomFile = join(sbomDir, 'rastup-backend.runtime.cdx.json');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: rootDir, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function writeSbom(file: string, extraArgs: readonly string[], commit: string): number {
  const out = execFileSync(npm, ['sbom', '--sbom-format', 'cyclonedx', ...extraArgs], {
    cwd: rootDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const document = JSON.parse(out) as {
    bomFormat: string;
    components: unknown[];
    metadata: { properties?: { name: string; value: string }[] };
  };
  if (document.bomFormat !== 'CycloneDX') throw new Error(`npm sbom wrote ${document.bomFormat}, not CycloneDX`);
  document.metadata.properties = [
    ...(document.metadata.properties ?? []),
    { name: 'rastup:git:commit', value: commit },
  ];
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return document.components.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(sbomDir, { recursive: true });
  const commit = gitCommit();
  const all = writeSbom(fullSbomFile, [], commit);
  const runtime = writeSbom(runtimeSbomFile, ['--omit', 'dev'], commit);
  console.log(`SBOM (CycloneDX) for ${commit.slice(0, 12)}: ${all} components -> ${fullSbomFile}`);
  console.log(`SBOM (CycloneDX, runtime only): ${runtime} components -> ${runtimeSbomFile}`);
}
