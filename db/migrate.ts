/**
 * Applies db/migrations/*.sql in order with node-pg-migrate (advisory-locked, one transaction).
 * Used by the local stack at start, by tests, by `npm run migrate` against any DATABASE_URL, and in
 * AWS by the migration Lambda (db/migrate.handler.ts) as the master user: the only use of that user.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientConfig } from 'pg';
import { runner } from 'node-pg-migrate';

export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** `connection`: a URL (local stack, `npm run migrate`) or discrete settings (the AWS migrator, TLS). */
export async function migrate(
  databaseUrl: string | ClientConfig,
  options: { log?: (message: string) => void } = {},
): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: options.log ?? (() => undefined),
  });
  return applied.map((migration) => migration.name);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is required (the local stack writes it to .local/endpoints.json)');
    process.exit(2);
  }
  migrate(url, { log: (message) => console.log(message) })
    .then((names) => console.log(names.length ? `applied: ${names.join(', ')}` : 'up to date'))
    .catch((error: Error) => {
      console.error(`migration failed: ${error.message}`);
      process.exit(1);
    });
}
