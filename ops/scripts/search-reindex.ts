/**
 * `npm run search:reindex [-- --kind PROFILE|STUDIO|ALL] [--run <id>] [--batch <n>]`: rebuilds the
 * search documents from profiles' published listings, as the search role, with progress on stdout.
 * Resumable: a run keeps its cursor (the last listing id written) in search_reindex_runs, so after
 * a crash the same `--run` id goes on where it stopped; a completed run sweeps documents whose
 * listing is no longer public. Reads DATABASE_URL, else the local stack's endpoints.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { createLogger } from '../../lambdas/core/log.ts';
import * as profiles from '../../lambdas/profiles/index.ts';
import { IndexerService } from '../../lambdas/search/indexer.service.ts';
import { SearchDocumentRepository } from '../../lambdas/search/search-document.repository.ts';
import { mediaPublicBucket, physicalBucketName } from '../../infra/definitions/buckets.ts';

interface Endpoints {
  databaseUrl: string;
  s3Endpoint: string;
}

function endpoints(): Endpoints | undefined {
  const stateDir =
    process.env.RASTUP_STATE_DIR ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '.local');
  const file = join(stateDir, 'endpoints.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Endpoints) : undefined;
}

export async function reindexAll(options: {
  databaseUrl: string;
  mediaPublicBaseUrl: string;
  kinds: readonly ('PROFILE' | 'STUDIO')[];
  runId: string;
  batchSize?: number;
  onProgress?: (line: string) => void;
}): Promise<{ processed: number; ms: number }> {
  const connection = databaseConnection('search', { DATABASE_URL: options.databaseUrl });
  if (connection.kind !== 'url') throw new Error('expected a URL connection');
  const db = createDatabase({ connectionString: connection.connectionString, max: 2 });
  const started = Date.now();
  let processed = 0;
  try {
    const indexer = new IndexerService(
      db,
      profiles,
      (queryable) => new SearchDocumentRepository(queryable),
      [],
      { mediaPublicBaseUrl: options.mediaPublicBaseUrl },
      createLogger({ service: 'search-reindex', level: 'warn' }),
    );
    for (const kind of options.kinds) {
      const result = await indexer.reindex(`${options.runId}:${kind}`, kind, {
        batchSize: options.batchSize ?? 2_000,
        onProgress: (p) => options.onProgress?.(`${kind} ${p.processed}/${p.total} (cursor ${p.cursor})`),
      });
      processed += result.processed;
    }
  } finally {
    await db.close();
  }
  return { processed, ms: Date.now() - started };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'ALL' },
      run: { type: 'string', default: `full-${new Date().toISOString().slice(0, 19)}` },
      batch: { type: 'string', default: '2000' },
    },
  });
  const local = endpoints();
  const databaseUrl = process.env.DATABASE_URL ?? local?.databaseUrl;
  const mediaPublicBaseUrl =
    process.env.MEDIA_PUBLIC_BASE_URL ??
    (local ? `${local.s3Endpoint}/${physicalBucketName('local', mediaPublicBucket)}` : undefined);
  const kind = values.kind.toUpperCase();
  if (!databaseUrl || !mediaPublicBaseUrl || !['PROFILE', 'STUDIO', 'ALL'].includes(kind)) {
    console.error(
      'usage: npm run search:reindex -- [--kind PROFILE|STUDIO|ALL] [--run <id>] [--batch <n>]\n' +
        '(needs DATABASE_URL and MEDIA_PUBLIC_BASE_URL, or a running local stack)',
    );
    process.exit(2);
  }
  reindexAll({
    databaseUrl,
    mediaPublicBaseUrl,
    kinds: kind === 'ALL' ? ['PROFILE', 'STUDIO'] : [kind as 'PROFILE' | 'STUDIO'],
    runId: values.run,
    batchSize: Number(values.batch),
    onProgress: (line) => process.stdout.write(`\r${line}        `),
  })
    .then(({ processed, ms }) =>
      console.log(`\nreindexed ${processed} listings in ${(ms / 1000).toFixed(1)} s (run ${values.run})`),
    )
    .catch((error: Error) => {
      console.error(`\nreindex failed: ${error.message}`);
      process.exitCode = 1;
    });
}
