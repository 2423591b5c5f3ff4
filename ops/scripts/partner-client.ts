/**
 * `npm run partner:client -- create --name "Acme" --email dpa@acme.example --scopes read:profiles,read:studios`
 * `npm run partner:client -- suspend|activate --client prt_…`
 *
 * Partner registry operations. `create` prints the client id and secret as JSON: the secret is
 * shown this once (only its hash is stored). `suspend` revokes the client's tokens (the cached
 * verdict is dropped too; API containers see it within PARTNER_VERDICT_LOCAL_TTL_SECONDS, 2 s).
 * Reads DATABASE_URL (else the local stack's endpoints.json), and CONTROL_TABLE + DYNAMODB_ENDPOINT
 * (else the local stack's) for the verdict cache.
 * Exit codes: 0 done, 2 usage, 3 unknown client, 1 anything else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbTtlCache } from '../../lambdas/adapters/dynamodb-ttl-cache.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { partnerRegistry, type Verdict } from '../../lambdas/partner/index.ts';
import { controlTable, physicalTableName } from '../../infra/definitions/tables.ts';

const USAGE =
  'usage: npm run partner:client -- create --name <name> --email <DPA contact> --scopes <a,b> [--rpm <n>] [--account <usr_…>]\n' +
  '       npm run partner:client -- suspend|activate --client <prt_…>';

function localEndpoints(): { databaseUrl?: string; dynamodbEndpoint?: string } {
  const stateDir =
    process.env.RASTUP_STATE_DIR ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '.local');
  const file = join(stateDir, 'endpoints.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { databaseUrl?: string }) : {};
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      scopes: { type: 'string' },
      rpm: { type: 'string' },
      client: { type: 'string' },
      account: { type: 'string' },
    },
  });
  const command = positionals[0];
  const local = localEndpoints();
  const url = process.env.DATABASE_URL ?? local.databaseUrl;
  if (!url) throw new Error('Set DATABASE_URL or start the local stack (npm start) first');
  const db = createDatabase({ connectionString: url, max: 1 });
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? local.dynamodbEndpoint;
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: process.env.AWS_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    }),
  );
  const table = process.env.CONTROL_TABLE ?? physicalTableName('local', controlTable);
  const registry = partnerRegistry(db, new DynamoDbTtlCache<Verdict>(dynamo, table, 'PV'));
  try {
    if (command === 'create') {
      if (!values.name || !values.email || !values.scopes) {
        console.error(USAGE);
        return 2;
      }
      const created = await registry.createClient({
        name: values.name,
        contactEmail: values.email,
        scopes: values.scopes.split(',').map((s) => s.trim()),
        ...(values.rpm ? { requestsPerMinute: Number(values.rpm) } : {}),
        ...(values.account ? { accountUserId: values.account } : {}),
      });
      console.log(JSON.stringify(created, null, 2));
      return 0;
    }
    if ((command === 'suspend' || command === 'activate') && values.client) {
      const changed = await registry.setClientStatus(values.client, command === 'suspend' ? 'suspended' : 'active');
      if (!changed) console.error(`no such client: ${values.client}`);
      return changed ? 0 : 3;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await db.close();
    dynamo.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
