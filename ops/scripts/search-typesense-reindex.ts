/**
 * `npm run search:typesense-reindex [-- --stamp <id>] [--batch <n>]`: the zero-downtime Typesense
 * reindex (lambdas/search/typesense-reindex.ts). Builds `listings_v<N>_<stamp>` from the PostgreSQL
 * index (search_documents), swaps the `listings` alias to it, catches up writes made meanwhile and
 * drops the previous collection, with progress on stdout. Searches keep answering throughout.
 * Reads DATABASE_URL (else the local stack's endpoints.json), TYPESENSE_NODES (`host:port`,
 * comma-separated), TYPESENSE_API_KEY (the admin key) and TYPESENSE_PROTOCOL (http by default).
 * Run `npm run search:reindex` first when search_documents itself may be stale.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { databaseConnection } from '../../lambdas/adapters/database.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { SearchDocumentRepository } from '../../lambdas/search/search-document.repository.ts';
import { reindexTypesense } from '../../lambdas/search/typesense-reindex.ts';
import { TypesenseSearchAdapter } from '../../lambdas/search/typesense-search.adapter.ts';

function localDatabaseUrl(): string | undefined {
  const stateDir =
    process.env.RASTUP_STATE_DIR ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '.local');
  const file = join(stateDir, 'endpoints.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { databaseUrl: string }).databaseUrl : undefined;
}

export async function runTypesenseReindex(options: {
  databaseUrl: string;
  nodes: readonly string[];
  apiKey: string;
  stamp: string;
  batchSize: number;
  onProgress?: (line: string) => void;
}) {
  const connection = databaseConnection('search', { DATABASE_URL: options.databaseUrl });
  if (connection.kind !== 'url') throw new Error('expected a URL connection');
  const db = createDatabase({ connectionString: connection.connectionString, max: 2 });
  try {
    const typesense = new TypesenseSearchAdapter({
      nodes: options.nodes,
      adminKey: options.apiKey,
      searchKey: options.apiKey,
      timeoutMs: 30_000,
    });
    return await reindexTypesense(typesense, new SearchDocumentRepository(db), {
      stamp: options.stamp,
      batchSize: options.batchSize,
      onProgress: (p) => options.onProgress?.(`${p.phase} ${p.collection} ${p.written}`),
    });
  } finally {
    await db.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      stamp: { type: 'string', default: new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '_') },
      batch: { type: 'string', default: '1000' },
    },
  });
  const databaseUrl = process.env.DATABASE_URL ?? localDatabaseUrl();
  const protocol = process.env.TYPESENSE_PROTOCOL ?? 'http';
  const nodes = (process.env.TYPESENSE_NODES ?? '')
    .split(',')
    .filter(Boolean)
    .map((node) => `${protocol}://${node}`);
  const apiKey = process.env.TYPESENSE_API_KEY;
  if (!databaseUrl || nodes.length === 0 || !apiKey) {
    console.error(
      'usage: TYPESENSE_NODES=host:port[,…] TYPESENSE_API_KEY=… npm run search:typesense-reindex -- [--stamp <id>] [--batch <n>]\n' +
        '(DATABASE_URL, or a running local stack, for the source)',
    );
    process.exit(2);
  }
  const started = Date.now();
  runTypesenseReindex({
    databaseUrl,
    nodes,
    apiKey,
    stamp: values.stamp.toLowerCase(),
    batchSize: Number(values.batch),
    onProgress: (line) => process.stdout.write(`\r${line}        `),
  })
    .then((result) =>
      console.log(
        `\nlive: ${result.collection} (was ${result.previous ?? 'none'}); ${result.written} backfilled, ` +
          `${result.caughtUp} caught up, ${result.removed} removed, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ),
    )
    .catch((error: Error) => {
      console.error(`\nTypesense reindex failed (the live collection is untouched): ${error.message}`);
      process.exitCode = 1;
    });
}
