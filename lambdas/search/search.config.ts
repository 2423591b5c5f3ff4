/**
 * Search configuration, read once per container and validated at cold start. The engine follows
 * the wiring: where the CDK binds the search stack (`uses.search`: TYPESENSE_NODES and the API key
 * secret) Typesense answers with PostgreSQL as the fallback; where nothing binds it (the local
 * stack, tests) PostgreSQL answers alone.
 */
import * as z from 'zod';
import { baseEnvSchema, ConfigError, configOnce, parseConfig } from '../core/config.ts';

/** Resolved from TYPESENSE_API_KEY_SECRET_ARN at cold start (lambdas/adapters/secret-env.ts). */
export const searchSecretVariables = ['TYPESENSE_API_KEY'] as const;

export const searchEnvSchema = baseEnvSchema.extend({
  /** Where public (SFW) media variants are served: covers in documents are built on it. */
  MEDIA_PUBLIC_BASE_URL: z
    .string()
    .url()
    .transform((value) => value.replace(/\/+$/, '')),
  /** `host:port` of each Typesense node, comma-separated (the search stack's Cloud Map names). */
  TYPESENSE_NODES: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/)
    .optional(),
  TYPESENSE_PROTOCOL: z.enum(['http', 'https']).default('http'),
  /** The bootstrap key: the indexer writes with it; queries use scoped keys derived from it. */
  TYPESENSE_API_KEY: z.string().min(1).optional(),
  /** Typesense answers slower than this count as failures for the circuit breaker. */
  TYPESENSE_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(400),
  /** How long the opened breaker sends every search to PostgreSQL before one trial call to Typesense. */
  TYPESENSE_BREAKER_OPEN_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** How long a container answers a repeated query from memory (hot-query cache). */
  SEARCH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /**
   * Search statements as named prepared statements (parsed once per connection, ~25 % less backend
   * CPU per query). Off by default: behind RDS Proxy (how Lambdas reach Aurora here) a named
   * prepared statement pins the client connection to its database connection for the session,
   * which defeats the proxy's multiplexing. Turn on only where the Lambda talks to PostgreSQL
   * directly (or once pinning is measured not to happen).
   */
  SEARCH_PREPARED_STATEMENTS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

export type SearchConfig = z.infer<typeof searchEnvSchema>;

export function parseSearchConfig(env: Record<string, string | undefined> = process.env): SearchConfig {
  const config = parseConfig(searchEnvSchema, env);
  if (config.TYPESENSE_NODES && !config.TYPESENSE_API_KEY)
    throw new ConfigError(['TYPESENSE_API_KEY: required with TYPESENSE_NODES']);
  return config;
}

export const searchConfig = configOnce(() => parseSearchConfig());
