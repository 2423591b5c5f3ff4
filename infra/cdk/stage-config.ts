/**
 * Per-stage settings. Everything that differs between dev, stage and prod lives here, so a stack
 * never branches on the stage name itself; it reads the setting that explains *why* it differs.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const stageNames = ['dev', 'stage', 'prod'] as const;
export type StageName = (typeof stageNames)[number];

export class StageError extends Error {
  override readonly name = 'StageError';
}

/** Validates the `-c stage=…` context value; anything else stops the app before a construct exists. */
export function parseStage(value: unknown): StageName {
  if (typeof value === 'string' && (stageNames as readonly string[]).includes(value)) {
    return value as StageName;
  }
  const shown = value === undefined ? 'nothing' : JSON.stringify(value);
  throw new StageError(
    `Unknown stage ${shown}: pass -c stage=dev, -c stage=stage or -c stage=prod (e.g. npx cdk synth -c stage=dev).`,
  );
}

export interface StageConfig {
  readonly stage: StageName;
  /** Region the stage deploys to; its availability zones are named explicitly so synth never looks them up. */
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly natGateways: number;
  readonly logRetention: RetentionDays;
  /** What happens to stateful resources (tables, buckets, file systems, logs) when the stack goes away. */
  readonly statefulRemovalPolicy: RemovalPolicy;
  /** Aurora: a final snapshot outside dev (only databases support SNAPSHOT). */
  readonly databaseRemovalPolicy: RemovalPolicy;
  readonly aurora: {
    readonly minCapacityAcu: number;
    readonly maxCapacityAcu: number;
    /** Readers in other AZs make the cluster multi-AZ (a reader is promoted on writer failure). */
    readonly readers: number;
    readonly backupRetention: Duration;
    readonly deletionProtection: boolean;
    /** Performance Insights (7 days, free tier) and Enhanced Monitoring at this interval; off: undefined. */
    readonly monitoring?: { readonly enhancedMonitoringInterval: Duration };
  };
  readonly dynamoDeletionProtection: boolean;
  readonly typesense: {
    readonly nodes: 1 | 3;
    readonly cpu: number;
    readonly memoryMiB: number;
  };
  readonly api: {
    /** Stage-wide API Gateway steady-state and burst limits (requests per second). */
    readonly rateLimit: number;
    readonly burstLimit: number;
    /** WAF rate-based rule: requests per client IP per 5 minutes. */
    readonly wafRequestsPer5MinPerIp: number;
  };
  readonly lambda: {
    /**
     * Reserved concurrency of each API function: guaranteed headroom a consumer backlog cannot take,
     * and a cap. Undefined in dev: a new account's concurrency quota (10) leaves nothing to reserve.
     * Needs the account quota raised first (ops/runbooks/first-deploy.md).
     */
    readonly apiReservedConcurrency?: number;
    /** `maximumConcurrency` of every SQS event source (2–1000): consumers never crowd out the API. */
    readonly consumerMaxConcurrency: number;
    /** Provisioned concurrency on latency-critical API aliases with target tracking; undefined: off. */
    readonly provisioned?: { readonly min: number; readonly max: number; readonly utilizationTarget: number };
  };
  /**
   * Outbox relay schedule. Every minute bounds event latency; in dev a sweep every 30 minutes lets
   * Aurora (min 0 ACU) pause between sweeps (it pauses after 5 idle minutes).
   */
  readonly outboxRelaySchedule: Duration;
  readonly waf: {
    /** Countries allowed by the geo rule (ISO 3166-1 alpha-2). */
    readonly geoAllowedCountries: readonly string[];
    /** `block` enforces the geo rule; `count` only measures it (metric geo-outside-allowed). */
    readonly geoAction: 'block' | 'count';
  };
  /** The web app's origin (canonical URLs, JSON-LD). */
  readonly webBaseUrl: string;
  /** Browser origins allowed to upload through presigned POST/PUT (bucket CORS). */
  readonly webOrigins: readonly string[];
  /** Percent of ops/finops/budgets.yml amounts (seed 001 AC.1 figures are for production). */
  readonly budgetScalePercent: number;
  /** Cost Explorer allows one AWS-services anomaly monitor per account, so only prod creates it. */
  readonly costAnomalyMonitor: boolean;
  readonly eventArchiveRetention: Duration;
  /** Sender of transactional mail; its domain must be a verified SES identity in the stage's account. */
  readonly mailFromAddress: string;
  /**
   * Expiry (UTC date, YYYY-MM-DD) of the AppSync API key for public reads. Fixed, so a deploy never
   * moves it and the template is the same on every synth; AppSync accepts at most 365 days ahead.
   * Renew before it passes: ops/runbooks/appsync-api-key.md (override: -c apiKeyExpires=YYYY-MM-DD).
   */
  readonly appsyncApiKeyExpires: string;
  /**
   * AppSync's API cache instance (PER_RESOLVER_CACHING for the public reads in
   * infra/definitions/domains.ts `cachedReads`): ElastiCache-backed, billed per hour.
   */
  readonly appsyncCache: 'SMALL' | 'MEDIUM' | 'LARGE';
}

const base = {
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  appsyncApiKeyExpires: '2027-09-30',
} as const;

const stageConfigs: Record<StageName, StageConfig> = {
  dev: {
    ...base,
    stage: 'dev',
    appsyncCache: 'SMALL',
    natGateways: 1,
    logRetention: RetentionDays.TWO_WEEKS,
    statefulRemovalPolicy: RemovalPolicy.DESTROY,
    databaseRemovalPolicy: RemovalPolicy.DESTROY,
    aurora: {
      minCapacityAcu: 0,
      maxCapacityAcu: 4,
      readers: 0,
      backupRetention: Duration.days(7),
      deletionProtection: false,
    },
    dynamoDeletionProtection: false,
    typesense: { nodes: 1, cpu: 512, memoryMiB: 1024 },
    api: { rateLimit: 50, burstLimit: 100, wafRequestsPer5MinPerIp: 2000 },
    lambda: { consumerMaxConcurrency: 2 },
    outboxRelaySchedule: Duration.minutes(30),
    waf: { geoAllowedCountries: ['US'], geoAction: 'count' },
    webBaseUrl: 'https://dev.rastup.com',
    webOrigins: ['http://localhost:3000', 'https://dev.rastup.com'],
    budgetScalePercent: 10,
    costAnomalyMonitor: false,
    eventArchiveRetention: Duration.days(7),
    mailFromAddress: 'no-reply@dev.rastup.com',
  },
  stage: {
    ...base,
    stage: 'stage',
    appsyncCache: 'SMALL',
    natGateways: 1,
    logRetention: RetentionDays.ONE_MONTH,
    statefulRemovalPolicy: RemovalPolicy.RETAIN,
    databaseRemovalPolicy: RemovalPolicy.SNAPSHOT,
    aurora: {
      minCapacityAcu: 0.5,
      maxCapacityAcu: 8,
      readers: 0,
      backupRetention: Duration.days(7),
      deletionProtection: false,
    },
    dynamoDeletionProtection: false,
    typesense: { nodes: 1, cpu: 1024, memoryMiB: 2048 },
    api: { rateLimit: 200, burstLimit: 400, wafRequestsPer5MinPerIp: 2000 },
    lambda: {
      apiReservedConcurrency: 20,
      consumerMaxConcurrency: 5,
      provisioned: { min: 1, max: 2, utilizationTarget: 0.7 },
    },
    outboxRelaySchedule: Duration.minutes(1),
    // Count only: testers and partners outside the US reach stage; the metric shows what prod would block.
    waf: { geoAllowedCountries: ['US'], geoAction: 'count' },
    webBaseUrl: 'https://stage.rastup.com',
    webOrigins: ['https://stage.rastup.com'],
    budgetScalePercent: 25,
    costAnomalyMonitor: false,
    eventArchiveRetention: Duration.days(14),
    mailFromAddress: 'no-reply@stage.rastup.com',
  },
  prod: {
    ...base,
    stage: 'prod',
    appsyncCache: 'MEDIUM',
    // One NAT per AZ: losing an AZ must not cut the Lambdas' egress (Stripe, webhooks) in the others.
    natGateways: 3,
    logRetention: RetentionDays.THREE_MONTHS,
    statefulRemovalPolicy: RemovalPolicy.RETAIN,
    databaseRemovalPolicy: RemovalPolicy.SNAPSHOT,
    aurora: {
      minCapacityAcu: 0.5,
      maxCapacityAcu: 32,
      readers: 1,
      backupRetention: Duration.days(30),
      deletionProtection: true,
      monitoring: { enhancedMonitoringInterval: Duration.seconds(60) },
    },
    dynamoDeletionProtection: true,
    typesense: { nodes: 3, cpu: 2048, memoryMiB: 4096 },
    api: { rateLimit: 1000, burstLimit: 2000, wafRequestsPer5MinPerIp: 3000 },
    lambda: {
      // 6 API functions × 100 of the quota (raise it to ≥ 1000 before the first deploy); consumers share the rest.
      apiReservedConcurrency: 100,
      consumerMaxConcurrency: 20,
      provisioned: { min: 2, max: 50, utilizationTarget: 0.7 },
    },
    outboxRelaySchedule: Duration.minutes(1),
    // Seed 003 edge layer: the marketplace serves the US only.
    waf: { geoAllowedCountries: ['US'], geoAction: 'block' },
    webBaseUrl: 'https://rastup.com',
    webOrigins: ['https://rastup.com', 'https://www.rastup.com'],
    budgetScalePercent: 100,
    costAnomalyMonitor: true,
    eventArchiveRetention: Duration.days(30),
    mailFromAddress: 'no-reply@rastup.com',
  },
};

/**
 * The settings of one stage. `region` and `availabilityZones` may be overridden from context
 * (`-c region=eu-west-1 -c azs=eu-west-1a,eu-west-1b,eu-west-1c`) because they depend on the account.
 */
export function stageConfig(
  stage: StageName,
  overrides: { region?: string; availabilityZones?: readonly string[]; appsyncApiKeyExpires?: string } = {},
): StageConfig {
  const config = stageConfigs[stage];
  const region = overrides.region ?? config.region;
  const availabilityZones =
    overrides.availabilityZones ??
    (overrides.region ? ['a', 'b', 'c'].map((az) => `${region}${az}`) : config.availabilityZones);
  const appsyncApiKeyExpires = overrides.appsyncApiKeyExpires ?? config.appsyncApiKeyExpires;
  apiKeyExpiryDate(appsyncApiKeyExpires); // validates the format before any construct exists
  return { ...config, region, availabilityZones, appsyncApiKeyExpires };
}

/** Midnight UTC of a YYYY-MM-DD date. */
export function apiKeyExpiryDate(value: string): Date {
  const date = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new StageError(`appsyncApiKeyExpires must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return date;
}

/**
 * Checks the fixed API key expiry against the clock (the CLI entry calls it; templates stay
 * independent of the clock): an error when AppSync would refuse it, a warning in the last 30 days.
 */
export function apiKeyExpiryProblem(
  value: string,
  now: Date,
): { level: 'error' | 'warning'; message: string } | undefined {
  const days = (apiKeyExpiryDate(value).getTime() - now.getTime()) / 86_400_000;
  const renew =
    'set appsyncApiKeyExpires in infra/cdk/stage-config.ts (or -c apiKeyExpires=YYYY-MM-DD) to a date at most 365 days ahead; see ops/runbooks/appsync-api-key.md';
  if (days <= 1)
    return {
      level: 'error',
      message: `The AppSync API key expiry ${value} has passed or is less than a day away: ${renew}`,
    };
  if (days > 365)
    return {
      level: 'error',
      message: `The AppSync API key expiry ${value} is more than 365 days ahead (AppSync refuses it): ${renew}`,
    };
  if (days < 30)
    return {
      level: 'warning',
      message: `The AppSync API key expires on ${value} (in ${Math.floor(days)} days): ${renew}`,
    };
  return undefined;
}

export function stackId(stage: StageName, concern: string): string {
  return `rastup-${stage}-${concern}`;
}
