/**
 * The one way this project builds a Lambda. Every domain handler, the outbox relay and every event
 * consumer goes through here, so runtime, architecture, bundling, logging and tracing cannot drift
 * between functions, and wiring a resource is one `bind` call (env var + least-privilege grant).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { Duration, Stack } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Architecture, Runtime, Tracing, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { acknowledgeNag } from './cdk-nag.ts';
import { Construct } from 'constructs';
import type { StageConfig } from '../stage-config.ts';

export const repositoryRoot = join(import.meta.dirname, '..', '..', '..');

/** A resource a function can be bound to: it sets the function's environment and grants access. */
export interface FunctionBinding {
  bindTo(fn: RastupFunction): void;
}

export interface RastupFunctionProps {
  readonly config: StageConfig;
  /** Entry file relative to the repository root (the same path infra/definitions uses). */
  readonly entry: string;
  /** Short name used in the service name and log group, e.g. `auth` or `outbox-relay`. */
  readonly name: string;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** Lambdas run in the private subnets (egress through NAT) so they reach RDS Proxy and Typesense. */
  readonly vpc: IVpc;
  readonly securityGroup: ISecurityGroup;
  readonly environment?: Record<string, string>;
  /** Directories copied beside the bundle (repository-relative `from`, bundle-relative `to`), e.g. SQL migrations. */
  readonly bundleDirectories?: readonly { readonly from: string; readonly to: string }[];
  /** Reserved concurrency: guaranteed headroom and a cap (API functions; see stage-config.ts). */
  readonly reservedConcurrency?: number;
}

/**
 * Packages never bundled; installed into the asset of each function whose code imports them, at
 * the version the lockfile resolved (for linux/arm64, the Lambda platform):
 *  - platform binaries (sharp, argon2), which esbuild cannot bundle;
 *  - the password-strength dictionaries (~1.6 MB of word lists), which only sign-up, reset and
 *    password change need: they are imported lazily, so a login cold start never parses them.
 */
export const nativeModules = [
  'sharp',
  '@node-rs/argon2',
  '@zxcvbn-ts/language-common',
  '@zxcvbn-ts/language-en',
] as const;

/** Local stand-ins (the local stack's moderation on tfjs/nsfwjs): never deployed, never bundled. */
export const localOnlyModules = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'nsfwjs'] as const;

/** The bundles' `semver`: only `gte` (see the esbuild aliases below and semver-gte.test.ts). */
export const semverStandIn = join(repositoryRoot, 'infra/cdk/bundling/semver-gte.cjs');
/**
 * The modules allowed to take `semver` from the stand-in: each calls only `semver.gte`, which
 * semver-gte.test.ts checks in their source. Synthesis fails when any other module of a bundle
 * requires semver, rather than a Lambda failing with "semver.x is not a function".
 */
export const semverStandInImporters: readonly string[] = ['node_modules/aws-xray-sdk-core/dist/lib/patchers/aws_p.js'];

/**
 * Module substitutions every bundle gets (esbuild `--alias`), each measured with esbuild's metafile;
 * `npm run bundles:check` builds with the same map, so the gate measures what CDK deploys.
 */
export const bundleAliases: Readonly<Record<string, string>> = {
  // The typesense client brings axios, whose Node build brings form-data -> mime-types -> mime-db
  // (134 KB of MIME tables, enough to push the search bundle over 1 MB). No Lambda sends multipart
  // bodies through axios, so the table is never read: an empty one takes its place. A function
  // that needs filename -> MIME lookups must use its own table, not mime-db.
  'mime-db': join(repositoryRoot, 'infra/cdk/bundling/mime-db-empty.json'),
  // One Temporal polyfill: node-ical brings temporal-polyfill and, through rrule-temporal,
  // @js-temporal/polyfill (+ jsbi), the same API twice (~150 KB); the tests resolve the same
  // alias, and so does `npm start` (infra/local/deployed-aliases.ts).
  '@js-temporal/polyfill': 'temporal-polyfill',
  // The X-Ray SDK requires all of semver (~29 KB) for one `gte` call: a local `gte` takes its place
  // (semverStandIn above; its test compares it with semver, and synthesis refuses any other module
  // that requires semver). Not aliased locally: CDK and the tooling need the real package.
  semver: semverStandIn,
  // Credentials from the environment only, the one source Lambda uses: the default Node chain's
  // SSO / ini / web-identity links and their STS and SSO clients were ~130 KiB of every bundle
  // (why it is the same behaviour: credential-provider-env-only.ts). Not aliased locally: the local
  // stack and the tests run unbundled with the real chain.
  '@aws-sdk/credential-provider-node': join(repositoryRoot, 'infra/cdk/bundling/credential-provider-env-only.ts'),
};

/** ESM output still meets CommonJS dependencies (pg) that call require() for Node built-ins. */
export const bundleBanner =
  "import{createRequire as __rastupCreateRequire}from'node:module';const require=__rastupCreateRequire(import.meta.url);";

const nativeImportsCache = new Map<string, string[]>();

/** Which native modules an entry's code reaches, from esbuild's own dependency graph. */
export function nativeModulesImportedBy(entryPath: string): string[] {
  const cached = nativeImportsCache.get(entryPath);
  if (cached) return cached;
  const result = buildSync({
    entryPoints: [entryPath],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: [...nativeModules, ...localOnlyModules],
    alias: { ...bundleAliases },
    logLevel: 'silent',
  });
  const inputs = Object.entries(result.metafile.inputs);
  const imported = new Set(inputs.flatMap(([, input]) => input.imports.filter((i) => i.external).map((i) => i.path)));
  const semverImporters = inputs
    .filter(([, input]) => input.imports.some((i) => join(repositoryRoot, i.path) === semverStandIn))
    .map(([file]) => file)
    .filter((file) => !semverStandInImporters.includes(file));
  if (semverImporters.length > 0)
    throw new Error(
      `${entryPath}: ${semverImporters.join(', ')} require semver, whose bundled stand-in has only gte ` +
        '(infra/cdk/bundling/semver-gte.cjs): check what they call, then extend the stand-in and semverStandInImporters',
    );
  const found = nativeModules.filter((name) => imported.has(name));
  nativeImportsCache.set(entryPath, found);
  return found;
}

function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** The metadata key the bundle-size bench uses to find this project's functions in a synthesized template. */
export const functionNameMetadataKey = 'rastup:function';

export class RastupFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly functionName: string;
  /** Entry file relative to the repository root (which config schemas the code parses). */
  readonly entry: string;
  /** Set by the search binding: the function's stack must deploy after the search stack. */
  readsSearch = false;
  /** Native packages installed beside the bundle (see nativeModules). */
  readonly nativeModules: readonly string[];

  constructor(scope: Construct, id: string, props: RastupFunctionProps) {
    super(scope, id);
    const { config } = props;
    this.functionName = props.name;
    this.entry = props.entry;

    // Explicit log group: retention per stage and removal with the stack, instead of the
    // never-expiring group Lambda would create on first invoke.
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: config.logRetention,
      removalPolicy: config.statefulRemovalPolicy,
    });

    const entryPath = join(repositoryRoot, props.entry);
    const native = nativeModulesImportedBy(entryPath);
    // npm picks the linux-arm64 optional binaries (@img/sharp-linux-arm64, libvips) whatever the
    // build machine is; --prefer-offline keeps repeated synths on the local npm cache.
    const installNative = (outputDir: string): string[] =>
      native.length === 0
        ? []
        : [
            `npm install --prefix "${outputDir}" --no-save --no-package-lock --no-audit --no-fund --prefer-offline --silent --os=linux --cpu=arm64 --libc=glibc ${native
              .map((name) => `${name}@${installedVersion(name)}`)
              .join(' ')}`,
          ];

    this.fn = new NodejsFunction(this, 'Handler', {
      entry: entryPath,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb ?? 512,
      reservedConcurrentExecutions: props.reservedConcurrency,
      timeout: Duration.seconds(props.timeoutSeconds ?? 15),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroup],
      projectRoot: repositoryRoot,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      environment: {
        STAGE: config.stage,
        LOG_LEVEL: config.stage === 'prod' ? 'info' : 'debug',
        SERVICE_NAME: `rastup-${props.name}`,
        // Stack traces point at the TypeScript sources through the bundled source maps.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // Bundle AWS SDK v3 instead of using the runtime's copy: the version we test is the version
        // we run, and tree-shaking keeps only the clients a function imports. Only native and
        // local-only packages stay out of the bundle.
        externalModules: [...nativeModules, ...localOnlyModules],
        // Module substitutions: see bundleAliases (the bundle-size gate builds with the same ones).
        esbuildArgs: Object.fromEntries(
          Object.entries(bundleAliases).map(([name, replacement]) => [`--alias:${name}`, replacement]),
        ),
        banner: bundleBanner,
        // Local esbuild (a devDependency) bundles; no Docker is involved.
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [
            ...(props.bundleDirectories ?? []).map(
              ({ from, to }) => `cp -R "${join(inputDir, from)}" "${join(outputDir, to)}"`,
            ),
            ...installNative(outputDir),
          ],
        },
      },
    });

    this.nativeModules = native;
    (this.fn.node.defaultChild as CfnFunction).addMetadata(functionNameMetadataKey, props.name);

    acknowledgeNag(this.fn, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole are the AWS-maintained minimum for writing logs and attaching VPC ENIs.',
        appliesTo: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
        ],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions.',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime the architecture pins (docs: shared/architecture.md); moving to a newer runtime is a deliberate upgrade.',
      },
    ]);
  }

  /** Sets each binding's environment variables and grants its permissions. */
  bind(...bindings: FunctionBinding[]): this {
    for (const binding of bindings) binding.bindTo(this);
    return this;
  }

  addEnvironment(key: string, value: string): void {
    this.fn.addEnvironment(key, value);
  }

  /** Used in suppressions that must name the function's own policy. */
  get stack(): Stack {
    return Stack.of(this);
  }
}
