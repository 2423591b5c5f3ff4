/**
 * Applies db/migrations/*.sql in order with node-pg-migrate (advisory-locked, one transaction).
 * Used by the local stack at start, by tests, and by `npm run migrate` against any DATABASE_URL.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function migrate(
  databaseUrl: string,
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
