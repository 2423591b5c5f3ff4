/**
 * `npm run audit:verify`: recomputes the audit log's hash chain and exits non-zero at the first
 * row that was changed, removed or reordered. Reads DATABASE_URL, else the running local stack's
 * .local/endpoints.json. Prints the head hash on success: record it somewhere write-once so that
 * truncating the tail of the chain is detectable too (automatic anchoring, e.g. to an S3 Object
 * Lock bucket, is not built yet).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { verifyAuditChain } from '../../lambdas/core/db/audit-log.ts';

function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const stateDir =
    process.env.RASTUP_STATE_DIR ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '.local');
  const endpoints = join(stateDir, 'endpoints.json');
  if (existsSync(endpoints))
    return (JSON.parse(readFileSync(endpoints, 'utf8')) as { databaseUrl: string }).databaseUrl;
  throw new Error('Set DATABASE_URL or start the local stack (npm start) first');
}

async function main(): Promise<number> {
  const db = createDatabase({ connectionString: databaseUrl(), max: 1 });
  try {
    const result = await verifyAuditChain(db);
    if (result.ok) {
      console.log(`audit chain intact: ${result.rows} rows, head ${result.headHash}`);
      return 0;
    }
    console.error(`audit chain BROKEN at seq ${result.brokenAtSeq}: ${result.reason} (${result.rows} rows checked)`);
    return 1;
  } finally {
    await db.close();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((error: Error) => {
    console.error(`audit verification failed to run: ${error.message}`);
    process.exit(2);
  });
