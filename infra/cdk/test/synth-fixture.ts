/**
 * Synthesizes a stage once per test file and hands out its templates. Functions are bundled for
 * real (esbuild, as `cdk synth` does); AssetStaging caches bundles per process, so a file that
 * builds several stages bundles each entry once.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { domains } from '../../definitions/domains.ts';
import { newRastupApp } from '../cdk-app-factory.ts';
import { buildRastupStage, type RastupStage, type RastupStageOptions } from '../rastup-stage.ts';
import type { StageName } from '../stage-config.ts';

export const concerns = ['network', 'data', 'search', 'async', 'api', 'observability'] as const;
export type Concern = (typeof concerns)[number];

export interface SynthesizedStage {
  readonly stage: RastupStage;
  readonly assembly: CloudAssembly;
  readonly templates: Record<Concern, Template>;
  readonly app: ReturnType<typeof newRastupApp>;
}

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
  const app = newRastupApp();
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

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

export function resourcesOf(template: Template, type?: string): Resources {
  const all = template.toJSON().Resources as Resources;
  return type ? Object.fromEntries(Object.entries(all).filter(([, resource]) => resource.Type === type)) : all;
}
