/**
 * `npm run synth`: synthesizes dev, stage and prod through the pinned CDK CLI (the same path an
 * operator's `cdk deploy` takes), one cloud assembly per stage under cdk.out/<stage>. No AWS
 * credentials are needed: the stacks are environment-agnostic unless an account is given.
 * Exits non-zero on the first stage that fails (including unacknowledged cdk-nag findings).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '../constructs/rastup-function.construct.ts';
import { stageNames } from '../stage-config.ts';

const cdk = join(repositoryRoot, 'node_modules', '.bin', 'cdk');
const timings: string[] = [];
for (const stage of stageNames) {
  const started = performance.now();
  const result = spawnSync(
    cdk,
    ['synth', '-c', `stage=${stage}`, '--quiet', '--no-notices', '--output', join('cdk.out', stage)],
    {
      cwd: repositoryRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`synth ${stage}: FAILED after ${seconds} s (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  timings.push(`${stage} ${seconds} s`);
}
console.log(`synthesized ${stageNames.join(', ')}: ${timings.join(', ')}`);
