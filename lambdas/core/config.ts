/**
 * Configuration is read once, at cold start, from environment variables and validated with zod.
 * A missing or malformed variable stops the process before it serves a single request, with a
 * message naming every problem (never the values: they may be secrets).
 */
import * as z from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return result.data;
}

/** Memoises a config loader so each Lambda container parses its environment exactly once. */
export function configOnce<T>(load: () => T): () => T {
  let value: { config: T } | undefined;
  return () => {
    value ??= { config: load() };
    return value.config;
  };
}

export const stageSchema = z.enum(['local', 'test', 'dev', 'stage', 'prod']);
export type Stage = z.infer<typeof stageSchema>;

/** Variables every Lambda has. Domains extend this with their own. */
export const baseEnvSchema = z.object({
  STAGE: stageSchema,
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  SERVICE_NAME: z.string().min(1).default('rastup'),
});

/** One browser origin, `scheme://host[:port]`, exactly as a browser sends it in `Origin`. */
const webOrigin = z
  .string()
  .trim()
  .refine(
    (value) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol),
    'must be an http(s) origin such as https://app.example.com',
  )
  .transform((value) => new URL(value).origin);

/**
 * The web app's origins (comma-separated): Lambdas that serve browsers over REST accept
 * credentialed cross-origin calls from these only (core/route-router.ts). CDK sets it from the
 * stage's web base URL; the local stack from the web dev server and its own origin.
 */
export const webOriginsEnvSchema = z.object({
  ALLOWED_WEB_ORIGINS: z
    .string({ error: 'required (comma-separated origins of the web app)' })
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(webOrigin).min(1, 'name at least one origin')),
});

/** The allow-list, parsed at first use and then kept for the container's life. */
export const allowedWebOriginsFromEnv = configOnce(
  (): ReadonlySet<string> => new Set(parseConfig(webOriginsEnvSchema).ALLOWED_WEB_ORIGINS),
);

/**
 * Postgres (lambdas/adapters/database.ts): locally a URL naming the server and database; in AWS the
 * RDS Proxy endpoint and the one database user this function may log in as (with IAM tokens, so no
 * secret is involved). Either way the code logs in as its domain's role, never as the master user.
 */
export const databaseEnvSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  DB_PROXY_ENDPOINT: z.string().min(1).optional(),
  DB_USER: z.string().min(1).optional(),
  DB_PORT: z.coerce.number().int().min(1).max(65_535).default(5432),
  DB_NAME: z.string().min(1).default('rastup'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(50).default(5),
  /** Set by the Lambda runtime; the region IAM auth tokens are signed for. */
  AWS_REGION: z.string().min(1).optional(),
});

export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;

/** Endpoint overrides exist only for the local stack; in AWS the SDK's defaults apply. */
export const awsEnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  S3_ENDPOINT: z.string().url().optional(),
});
