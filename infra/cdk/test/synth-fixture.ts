/**
 * Synthesizes each stage once per process and hands out its templates. Every CDK check registers
 * from the one entry file (cdk.test.ts), so the whole tier synthesizes dev, stage, prod, the probe
 * stage and one stage with every deploy-time option exactly once each (bundling skipped, below).
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { domains } from '../../definitions/domains.ts';
import { newRastupApp } from '../cdk-app-factory.ts';
import { buildRastupStage, type RastupStage, type RastupStageOptions } from '../rastup-stage.ts';
import type { StageName } from '../stage-config.ts';
import { validateGuardInLanes, type GuardReport } from './guard-lanes.ts';

export const concerns = ['account', 'network', 'data', 'search', 'async', 'api', 'observability'] as const;
export type Concern = (typeof concerns)[number];

export interface SynthesizedStage {
  readonly stage: RastupStage;
  readonly assembly: CloudAssembly;
  readonly templates: Record<Concern, Template>;
  readonly app: ReturnType<typeof newRastupApp>;
}

/**
 * Bundling is skipped in this tier (`aws:cdk:bundling-stacks: []`): AssetStaging's cache is per
 * assembly directory, so every stage re-bundled all ~13 functions, which was most of the tier's time.
 * The templates are the same but for asset hashes. Bundles are proven by `npm run synth` (real
 * esbuild bundling of every stage) and `npm run bench:bundles`; which native packages a function
 * gets is computed from esbuild's metafile either way. `RASTUP_CDK_TEST_BUNDLING=1` bundles for real.
 */
const testBundlingContext: Record<string, unknown> =
  process.env.RASTUP_CDK_TEST_BUNDLING === '1' ? {} : { 'aws:cdk:bundling-stacks': [] };

/** Synthesizing two or three stages in a busy worker takes longer than vitest's default hook timeout. */
export const synthTimeoutMs = 120_000;

const cache = new Map<string, SynthesizedStage>();

export function synthStage(
  stage: StageName,
  options: RastupStageOptions = {},
  cacheKey: string = stage,
): SynthesizedStage {
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const app = newRastupApp({ context: testBundlingContext });
  const built = buildRastupStage(app, stage, options);
  const assembly = app.synth();
  const templates = Object.fromEntries(
    concerns.map((concern) => [
      concern,
      Template.fromJSON(assembly.getStackByName(built[concern].stackName).template as Record<string, unknown>),
    ]),
  ) as Record<Concern, Template>;
  const result = { stage: built, assembly, templates, app };
  cache.set(cacheKey, result);
  return result;
}

const guardReports = new Map<StageName, Promise<GuardReport>>();

/**
 * The Control Tower guard report over a stage's synthesized templates, computed once, in worker
 * threads (guard-lanes.ts). cdk.test.ts starts it right after synthesizing prod, so cfn-guard runs on
 * the other core while the remaining stages synthesize; the guard check awaits the same promise.
 */
export function guardReportOf(stage: StageName): Promise<GuardReport> {
  let report = guardReports.get(stage);
  if (!report) {
    report = validateGuardInLanes(synthStage(stage).assembly.stacks.map((stack) => stack.templateFullPath));
    // Reported by the test that awaits it; never an unhandled rejection while it waits its turn.
    report.catch(() => undefined);
    guardReports.set(stage, report);
  }
  return report;
}

/**
 * A stage with one more domain that uses every kind of resource and consumes an event, so the
 * binding, consumer and least-privilege paths are exercised before a real domain needs them.
 */
export const probeDomainOptions: RastupStageOptions = {
  domains: {
    ...domains,
    probe: {
      entry: domains.platform.entry,
      uses: {
        database: 'platform',
        tables: ['messaging', 'presence', 'control'],
        buckets: ['media-originals', 'media-public', 'msg-previews'],
        eventBus: true,
        notifications: true,
        search: true,
        moderation: true,
        secrets: ['auth/providers'],
      },
      timeoutSeconds: 20,
    },
  },
  eventConsumers: [{ name: 'probe-indexer', domain: 'probe', eventTypes: ['profile.updated', 'profile.deleted'] }],
};

export function synthProbeStage(stage: StageName = 'prod'): SynthesizedStage {
  return synthStage(stage, probeDomainOptions, `${stage}:probe`);
}

/** Every deploy-time option the app reads from context, set at once (one synth for all option checks). */
export const deployOptions = {
  authIssuer: 'https://auth.rastup.example',
  googleClientIds: 'web.apps.googleusercontent.example',
  appleClientIds: 'com.rastup.web',
  appsyncApiKeyExpires: '2027-01-31',
  dockerHubCredentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/hub-AbCdEf',
} as const satisfies RastupStageOptions;

export function synthOptionsStage(): SynthesizedStage {
  return synthStage('dev', deployOptions, 'dev:options');
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

export function resourcesOf(template: Template, type?: string): Resources {
  const all = template.toJSON().Resources as Resources;
  return type ? Object.fromEntries(Object.entries(all).filter(([, resource]) => resource.Type === type)) : all;
}
