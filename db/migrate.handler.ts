/**
 * The migration Lambda (AWS only): applies db/migrations as the Aurora master user, the one place
 * that user and its secret are used (architecture decision 13). The data stack runs it on every
 * deploy whose migrations changed (a CDK Trigger), after the cluster exists and before the api and
 * async stacks' Lambdas — which log in as their own roles, created and granted by these
 * migrations — are updated. Operators can also invoke it by hand (infra/cdk/README.md).
 *
 * It connects to the cluster's writer endpoint directly, not through RDS Proxy: the proxy admits
 * IAM-authenticated domain roles only. TLS is verified against the Amazon RDS CAs, which the
 * Lambda runtime ships at /var/runtime/ca-cert.pem (NODE_EXTRA_CA_CERTS, set by the CDK).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { parseConfig } from '../lambdas/core/config.ts';
import { createLogger } from '../lambdas/core/log.ts';
import { migrate } from './migrate.ts';

const logger = createLogger({ service: 'db-migrate' });

export const migratorEnvSchema = z.object({
  DB_MASTER_SECRET_ARN: z.string().min(1),
  DB_CLUSTER_ENDPOINT: z.string().min(1),
  DB_PORT: z.coerce.number().int().min(1).max(65_535).default(5432),
  DB_NAME: z.string().min(1),
});

const masterSecretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

export async function handler(): Promise<{ applied: string[] }> {
  const env = parseConfig(migratorEnvSchema);
  const answer = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: env.DB_MASTER_SECRET_ARN }),
  );
  // Read per invocation: the secret rotates, and a migration run is rare.
  const parsed = masterSecretSchema.safeParse(JSON.parse(answer.SecretString ?? '{}'));
  if (!parsed.success) throw new Error(`Secret ${env.DB_MASTER_SECRET_ARN} lacks username/password`);
  const applied = await migrate(
    {
      host: env.DB_CLUSTER_ENDPOINT,
      port: env.DB_PORT,
      database: env.DB_NAME,
      user: parsed.data.username,
      password: parsed.data.password,
      ssl: { rejectUnauthorized: true, servername: env.DB_CLUSTER_ENDPOINT },
      application_name: 'rastup-migrate',
    },
    { log: (message) => logger.info(message) },
  );
  logger.info('migrations applied', { applied });
  return { applied };
}
