import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../constructs/rastup-function.construct.ts';
import { apiKeyExpiryProblem, parseStage, stackId, stageConfig } from '../stage-config.ts';

describe('stages', () => {
  it('accepts dev, stage and prod only', () => {
    expect(['dev', 'stage', 'prod'].map(parseStage)).toEqual(['dev', 'stage', 'prod']);
    for (const bad of ['qa', 'Prod', '', undefined, 3]) expect(() => parseStage(bad)).toThrow(/pass -c stage=dev/);
  });

  it('names stacks rastup-<stage>-<concern>', () => {
    expect(stackId('prod', 'data')).toBe('rastup-prod-data');
  });

  it('derives AZ names from an overridden region', () => {
    expect(stageConfig('dev', { region: 'eu-west-1' }).availabilityZones).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
    ]);
  });

  it('the CDK app refuses an unknown stage with a clear message before building anything', () => {
    const result = spawnSync(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [join(repositoryRoot, 'infra', 'cdk', 'app.ts')],
      {
        cwd: repositoryRoot,
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify({ stage: 'qa' }),
          CDK_OUTDIR: join(repositoryRoot, 'cdk.out', 'refused'),
        },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Unknown stage "qa"');
  });

  it('validates the fixed AppSync API key expiry, and flags it against the clock only when asked', () => {
    expect(() => stageConfig('dev', { appsyncApiKeyExpires: '2027-02-30' })).toThrow(/YYYY-MM-DD/);
    expect(() => stageConfig('dev', { appsyncApiKeyExpires: 'next year' })).toThrow(/YYYY-MM-DD/);
    const now = new Date('2027-01-01T12:00:00Z');
    expect(apiKeyExpiryProblem('2027-06-30', now)).toBeUndefined();
    expect(apiKeyExpiryProblem('2027-01-20', now)?.level).toBe('warning');
    expect(apiKeyExpiryProblem('2027-01-01', now)?.level).toBe('error');
    expect(apiKeyExpiryProblem('2028-03-01', now)).toMatchObject({
      level: 'error',
      message: expect.stringContaining('more than 365 days'),
    });
  });
});
