/**
 * `npm run license:check`: every component of the build's SBOM (written by `npm run sbom`, made
 * here when missing) carries an allowed license or a written exception
 * (security/supply-chain/license-policy.json). Exits 1 on any violation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cycloneDxSchema, evaluateLicenses, licensePolicySchema } from './supply-chain.ts';

const policyFile = fileURLToPath(new URL('./license-policy.json', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { fullSbomFile, writeSbom, sbomDir } = await import('./sbom.ts');
  const sbomFile = process.argv[2] ?? fullSbomFile;
  if (!existsSync(sbomFile)) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sbomDir, { recursive: true });
    writeSbom(sbomFile, [], 'unknown');
  }
  const sbom = cycloneDxSchema.parse(JSON.parse(readFileSync(sbomFile, 'utf8')));
  const policy = licensePolicySchema.parse(JSON.parse(readFileSync(policyFile, 'utf8')));
  const report = evaluateLicenses(sbom, policy);

  const counts = [...report.byLicense].sort((a, b) => b[1] - a[1]).map(([license, n]) => `${license} ${n}`);
  console.log(`license check: ${report.checked} components (${counts.join(', ')})`);
  for (const item of report.excepted)
    console.log(`  excepted ${item.component} [${item.license}]${item.development ? ' (dev)' : ''}: ${item.reason}`);
  for (const name of report.unusedExceptions)
    console.log(`  warning: exception for ${name} matches no component; remove it from license-policy.json`);
  if (report.violations.length > 0) {
    for (const item of report.violations)
      console.error(`  NOT ALLOWED ${item.component} [${item.license}]${item.development ? ' (dev)' : ''}`);
    console.error(`license check failed: ${report.violations.length} component(s) outside the policy`);
    process.exitCode = 1;
  } else {
    console.log('license check passed');
  }
}
