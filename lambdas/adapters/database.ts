/**
 * Builds the container's Postgres pool from configuration: `DATABASE_URL` locally; in AWS the RDS
 * Proxy endpoint with credentials read once from Secrets Manager (rotation-safe: the proxy, not
 * the function, holds the rotated password, and a fresh container re-reads the secret).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { databaseEnvSchema, parseConfig } from '../core/config.ts';
import { createDatabase, type Database } from '../core/db/database.ts';
import { traced, tracedQuery } from './tracing.ts';

const secretSchema = z.object({ username: z.string(), password: z.string(), port: z.coerce.number().optional() });

async function connectionStringFromEnv(): Promise<{ url: string; max: number }> {
  const env = parseConfig(databaseEnvSchema);
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, max: env.DB_POOL_MAX };
  if (!env.DB_PROXY_ENDPOINT || !env.DB_SECRET_ARN) {
    throw new Error('Database configuration missing: set DATABASE_URL, or DB_PROXY_ENDPOINT and DB_SECRET_ARN');
  }
  const client = traced(new SecretsManagerClient({}));
  const secret = await client.send(new GetSecretValueCommand({ SecretId: env.DB_SECRET_ARN }));
  const credentials = secretSchema.parse(JSON.parse(secret.SecretString ?? '{}'));
  const url = `postgres://${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@${env.DB_PROXY_ENDPOINT}:${credentials.port ?? 5432}/${env.DB_NAME}?sslmode=require`;
  return { url, max: env.DB_POOL_MAX };
}

let pending: Promise<Database> | undefined;

/** One pool per Lambda container (or per local process), created on first use. */
export function databaseFromEnv(): Promise<Database> {
  pending ??= connectionStringFromEnv().then(({ url, max }) =>
    createDatabase({ connectionString: url, max, instrument: tracedQuery }),
  );
  pending.catch(() => (pending = undefined));
  return pending;
}
